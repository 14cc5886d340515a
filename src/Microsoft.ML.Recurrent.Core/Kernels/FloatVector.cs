using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// A SIMD vector of floats that the fused kernels are written against once and instantiated for AVX-512
/// (<see cref="V512"/>, and <see cref="V512x2"/>: two at once), 256-bit (<see cref="V256"/>) registers and one float
/// (<see cref="V1"/>, the tail and the reference). .NET 10 keeps its own ISimdVector internal; the JIT specializes these generic bodies per struct, so the
/// code is what a hand-written Vector512/Vector256 loop gives. Every operation is lane-wise and rounds each lane
/// exactly as the one-float version does, so a unit's value never depends on the width that computed it.
/// </summary>
internal interface IFloatVector<TSelf> where TSelf : struct, IFloatVector<TSelf>
{
    static abstract int Count { get; }
    static abstract TSelf One { get; }
    static abstract TSelf Zero { get; }
    static abstract TSelf Create(float value);
    static abstract TSelf Load(ref float source, nuint index);
    void Store(ref float destination, nuint index);
    /// <summary>Lanes [index, index + Count) of a span whose length the kernel's entry point has checked (no bounds check here).</summary>
    static abstract TSelf Load(ReadOnlySpan<float> source, nuint index);
    /// <summary>As above, for a writable span (no Span→ReadOnlySpan conversion, which the JIT may leave as a call in a large kernel).</summary>
    static abstract TSelf Load(Span<float> source, nuint index);
    /// <summary>Stores to lanes [index, index + Count) of a checked span.</summary>
    void Store(Span<float> destination, nuint index);
    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    static abstract TSelf operator /(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a);
    /// <summary>a·b + c with one rounding.</summary>
    static abstract TSelf Fma(TSelf a, TSelf b, TSelf c);
    static abstract TSelf Abs(TSelf a);
    /// <summary>The smaller of a and b; with a NaN operand the result is the hardware's (callers mask NaNs themselves).</summary>
    static abstract TSelf Min(TSelf a, TSelf b);
    /// <summary>The larger of a and b; NaN operands as for <see cref="Min"/>.</summary>
    static abstract TSelf Max(TSelf a, TSelf b);
    static abstract TSelf Round(TSelf a);
    static abstract TSelf Sqrt(TSelf a);
    static abstract TSelf CopySign(TSelf value, TSelf sign);
    /// <summary>a &lt; b ? ifTrue : ifFalse, lane by lane.</summary>
    static abstract TSelf SelectLess(TSelf a, TSelf b, TSelf ifTrue, TSelf ifFalse);
    /// <summary>a is not NaN ? ifTrue : a, lane by lane.</summary>
    static abstract TSelf SelectNumber(TSelf a, TSelf ifTrue);
    /// <summary>2^(n−1) for integral n in [−126, 128] (the native float→int conversion is exact there, and skips the saturation fix-ups).</summary>
    static abstract TSelf HalfPowerOfTwo(TSelf n);
}

/// <summary>256-bit lanes (AVX2; two 128-bit halves elsewhere).</summary>
internal readonly struct V256(Vector256<float> v) : IFloatVector<V256>
{
    private readonly Vector256<float> _v = v;
    public static int Count => Vector256<float>.Count;
    public static V256 One => new(Vector256<float>.One);
    public static V256 Zero => new(Vector256<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Create(float value) => new(Vector256.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Load(ReadOnlySpan<float> source, nuint index) => Load(ref MemoryMarshal.GetReference(source), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Load(Span<float> source, nuint index) => Load(ref MemoryMarshal.GetReference(source), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(Span<float> destination, nuint index) => Store(ref MemoryMarshal.GetReference(destination), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Load(ref float source, nuint index) => new(Vector256.LoadUnsafe(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float destination, nuint index) => _v.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator +(V256 a, V256 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator -(V256 a, V256 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator *(V256 a, V256 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator /(V256 a, V256 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 operator -(V256 a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Fma(V256 a, V256 b, V256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Abs(V256 a) => new(Vector256.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Min(V256 a, V256 b) => new(Vector256.MinNative(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Max(V256 a, V256 b) => new(Vector256.MaxNative(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Round(V256 a) => new(Vector256.Round(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 Sqrt(V256 a) => new(Vector256.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V256 CopySign(V256 value, V256 sign) => new(Vector256.CopySign(value._v, sign._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 SelectLess(V256 a, V256 b, V256 ifTrue, V256 ifFalse) => new(Vector256.ConditionalSelect(Vector256.LessThan(a._v, b._v), ifTrue._v, ifFalse._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 SelectNumber(V256 a, V256 ifTrue) => new(Vector256.ConditionalSelect(Vector256.Equals(a._v, a._v), ifTrue._v, a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V256 HalfPowerOfTwo(V256 n) => new(((Vector256.ConvertToInt32Native(n._v) + Vector256.Create(126)) << 23).AsSingle());
}

/// <summary>512-bit lanes (AVX-512).</summary>
internal readonly struct V512(Vector512<float> v) : IFloatVector<V512>
{
    private readonly Vector512<float> _v = v;
    public static int Count => Vector512<float>.Count;
    public static V512 One => new(Vector512<float>.One);
    public static V512 Zero => new(Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Create(float value) => new(Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Load(ReadOnlySpan<float> source, nuint index) => Load(ref MemoryMarshal.GetReference(source), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Load(Span<float> source, nuint index) => Load(ref MemoryMarshal.GetReference(source), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(Span<float> destination, nuint index) => Store(ref MemoryMarshal.GetReference(destination), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Load(ref float source, nuint index) => new(Vector512.LoadUnsafe(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float destination, nuint index) => _v.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator +(V512 a, V512 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator -(V512 a, V512 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator *(V512 a, V512 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator /(V512 a, V512 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 operator -(V512 a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Fma(V512 a, V512 b, V512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Abs(V512 a) => new(Vector512.Abs(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Min(V512 a, V512 b) => new(Vector512.MinNative(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Max(V512 a, V512 b) => new(Vector512.MaxNative(a._v, b._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Round(V512 a) => new(Vector512.Round(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 Sqrt(V512 a) => new(Vector512.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512 CopySign(V512 value, V512 sign) => new(Vector512.CopySign(value._v, sign._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 SelectLess(V512 a, V512 b, V512 ifTrue, V512 ifFalse) => new(Vector512.ConditionalSelect(Vector512.LessThan(a._v, b._v), ifTrue._v, ifFalse._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 SelectNumber(V512 a, V512 ifTrue) => new(Vector512.ConditionalSelect(Vector512.Equals(a._v, a._v), ifTrue._v, a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512 HalfPowerOfTwo(V512 n) => new(((Vector512.ConvertToInt32Native(n._v) + Vector512.Create(126)) << 23).AsSingle());
}

/// <summary>
/// Two 512-bit vectors side by side (32 lanes): every operation is the <see cref="V512"/> operation on each half, so
/// lane values are bit-identical to 16-lane blocks. Long dependency chains (exp, a division, then tanh of the result)
/// leave the FP units idle when one 16-lane block is in flight; issuing two independent blocks instruction by
/// instruction lets them fill each other's latency (the out-of-order window alone does not reach the next block).
/// </summary>
internal readonly struct V512x2(Vector512<float> lo, Vector512<float> hi) : IFloatVector<V512x2>
{
    private readonly Vector512<float> _lo = lo, _hi = hi;
    public static int Count => 2 * Vector512<float>.Count;
    public static V512x2 One => new(Vector512<float>.One, Vector512<float>.One);
    public static V512x2 Zero => new(Vector512<float>.Zero, Vector512<float>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 Create(float value) => new(Vector512.Create(value), Vector512.Create(value));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 Load(ReadOnlySpan<float> source, nuint index) => Load(ref MemoryMarshal.GetReference(source), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 Load(Span<float> source, nuint index) => Load(ref MemoryMarshal.GetReference(source), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(Span<float> destination, nuint index) => Store(ref MemoryMarshal.GetReference(destination), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512x2 Load(ref float source, nuint index) => new(Vector512.LoadUnsafe(ref source, index), Vector512.LoadUnsafe(ref source, index + 16));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float destination, nuint index) { _lo.StoreUnsafe(ref destination, index); _hi.StoreUnsafe(ref destination, index + 16); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 operator +(V512x2 a, V512x2 b) => new(a._lo + b._lo, a._hi + b._hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 operator -(V512x2 a, V512x2 b) => new(a._lo - b._lo, a._hi - b._hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 operator *(V512x2 a, V512x2 b) => new(a._lo * b._lo, a._hi * b._hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 operator /(V512x2 a, V512x2 b) => new(a._lo / b._lo, a._hi / b._hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 operator -(V512x2 a) => new(-a._lo, -a._hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512x2 Fma(V512x2 a, V512x2 b, V512x2 c) => new(Vector512.FusedMultiplyAdd(a._lo, b._lo, c._lo), Vector512.FusedMultiplyAdd(a._hi, b._hi, c._hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 Abs(V512x2 a) => new(Vector512.Abs(a._lo), Vector512.Abs(a._hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 Min(V512x2 a, V512x2 b) => new(Vector512.MinNative(a._lo, b._lo), Vector512.MinNative(a._hi, b._hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 Max(V512x2 a, V512x2 b) => new(Vector512.MaxNative(a._lo, b._lo), Vector512.MaxNative(a._hi, b._hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 Round(V512x2 a) => new(Vector512.Round(a._lo), Vector512.Round(a._hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V512x2 Sqrt(V512x2 a) => new(Vector512.Sqrt(a._lo), Vector512.Sqrt(a._hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512x2 CopySign(V512x2 value, V512x2 sign) => new(Vector512.CopySign(value._lo, sign._lo), Vector512.CopySign(value._hi, sign._hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512x2 SelectLess(V512x2 a, V512x2 b, V512x2 ifTrue, V512x2 ifFalse)
        => new(Vector512.ConditionalSelect(Vector512.LessThan(a._lo, b._lo), ifTrue._lo, ifFalse._lo),
            Vector512.ConditionalSelect(Vector512.LessThan(a._hi, b._hi), ifTrue._hi, ifFalse._hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512x2 SelectNumber(V512x2 a, V512x2 ifTrue)
        => new(Vector512.ConditionalSelect(Vector512.Equals(a._lo, a._lo), ifTrue._lo, a._lo), Vector512.ConditionalSelect(Vector512.Equals(a._hi, a._hi), ifTrue._hi, a._hi));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V512x2 HalfPowerOfTwo(V512x2 n)
        => new(((Vector512.ConvertToInt32Native(n._lo) + Vector512.Create(126)) << 23).AsSingle(), ((Vector512.ConvertToInt32Native(n._hi) + Vector512.Create(126)) << 23).AsSingle());
}

/// <summary>
/// One float: the tail lanes of every kernel and its reference. Each operation is the scalar instruction of the
/// same IEEE operation the wide lanes use (fused multiply-add, native min/max, round-to-even, truncating
/// float→int), so one-lane results equal wide-lane results bit for bit.
/// </summary>
internal readonly struct V1(float v) : IFloatVector<V1>
{
    private readonly float _v = v;
    public float Value => _v;
    public static int Count => 1;
    public static V1 One => new(1f);
    public static V1 Zero => new(0f);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Create(float value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Load(ReadOnlySpan<float> source, nuint index) => Load(ref MemoryMarshal.GetReference(source), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Load(Span<float> source, nuint index) => Load(ref MemoryMarshal.GetReference(source), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(Span<float> destination, nuint index) => Store(ref MemoryMarshal.GetReference(destination), index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Load(ref float source, nuint index) => new(Unsafe.Add(ref source, index));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Store(ref float destination, nuint index) => Unsafe.Add(ref destination, index) = _v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 operator +(V1 a, V1 b) => new(a._v + b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 operator -(V1 a, V1 b) => new(a._v - b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 operator *(V1 a, V1 b) => new(a._v * b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 operator /(V1 a, V1 b) => new(a._v / b._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 operator -(V1 a) => new(-a._v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Fma(V1 a, V1 b, V1 c) => new(MathF.FusedMultiplyAdd(a._v, b._v, c._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Abs(V1 a) => new(MathF.Abs(a._v));
    // Native min/max (minss/maxss): the same operand choice for NaN and ±0 as the wide lanes' vminps/vmaxps.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V1 Min(V1 a, V1 b) => new(Vector128.MinNative(Vector128.CreateScalarUnsafe(a._v), Vector128.CreateScalarUnsafe(b._v)).ToScalar());
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V1 Max(V1 a, V1 b) => new(Vector128.MaxNative(Vector128.CreateScalarUnsafe(a._v), Vector128.CreateScalarUnsafe(b._v)).ToScalar());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Round(V1 a) => new(MathF.Round(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 Sqrt(V1 a) => new(MathF.Sqrt(a._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 CopySign(V1 value, V1 sign) => new(MathF.CopySign(value._v, sign._v));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 SelectLess(V1 a, V1 b, V1 ifTrue, V1 ifFalse) => a._v < b._v ? ifTrue : ifFalse;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static V1 SelectNumber(V1 a, V1 ifTrue) => float.IsNaN(a._v) ? a : ifTrue;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V1 HalfPowerOfTwo(V1 n) => new(BitConverter.Int32BitsToSingle((Vector128.ConvertToInt32Native(Vector128.CreateScalarUnsafe(n._v)).ToScalar() + 126) << 23));
}

/// <summary>
/// An element-wise operation over lanes [j, j + V.Count) of its buffers, written once for every width. Kernels are
/// ref structs holding their buffers; <see cref="Lanes.Run"/> checks them once (<see cref="CheckedCount"/>) and drives
/// the lanes: <c>Lanes.Run(new LstmKernels.Forward { Gates = …, Hidden = H })</c>.
/// </summary>
internal interface ILaneKernel
{
    /// <summary>Lanes to run, after checking every buffer is long enough for them (so <see cref="Run"/> reads unchecked).</summary>
    int CheckedCount { get; }

    void Run<V>(nuint j) where V : struct, IFloatVector<V>;
}

/// <summary>Which widths <see cref="Lanes.Run"/> may use: the widest the machine has (then narrower, then one float), or one float only (tests).</summary>
internal enum LaneWidth { Widest, One }

/// <summary>
/// The one driver of every element-wise kernel (TensorPrimitives' shape: the operation once, widths and tails here):
/// 512-bit blocks while 16 lanes remain, 256-bit blocks while 8 remain, then one float at a time.
/// </summary>
internal static class Lanes
{
    // Never inlined: inlined into a cell's step (LstmCell.Forward), the JIT ran out of inlining budget and called
    // V512's operators one by one, making LSTM batch-1 inference ~55% slower. As its own method per kernel, the
    // kernel's lane body gets the whole budget; one call per row (kernel passed by reference, not copied) is noise
    // beside the lanes it runs.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Run<K>(in K kernel, LaneWidth width = LaneWidth.Widest) where K : ILaneKernel, allows ref struct
    {
        nuint j = 0, n = (nuint)kernel.CheckedCount;
        if (width == LaneWidth.Widest)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                j = Blocks<K, V512x2>(kernel, j, n);
                j = Blocks<K, V512>(kernel, j, n);
            }
            if (Vector256.IsHardwareAccelerated) j = Blocks<K, V256>(kernel, j, n);
        }
        for (; j < n; j++) kernel.Run<V1>(j);
    }

    // One method per width, never inlined, for the same reason: the two-vector body alone fills the inlining budget, and
    // sharing a method with it left the 16-lane body calling V512's operators out of line.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nuint Blocks<K, V>(in K kernel, nuint j, nuint n) where K : ILaneKernel, allows ref struct where V : struct, IFloatVector<V>
    {
        for (; j + (nuint)V.Count <= n; j += (nuint)V.Count) kernel.Run<V>(j);
        return j;
    }
}
