using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// Element-wise activation math shared by the fused cell kernels, written once, generic over the width
/// (<see cref="IFloatVector{TSelf}"/>: AVX-512, 256-bit or one float, lane for lane the same arithmetic, so a tail
/// unit gets exactly the value a wide lane would give it).
/// </summary>
internal static class VectorMath
{
    // Below this magnitude tanh uses an odd polynomial (Cephes tanhf): 1 - 2/(e^{2x}+1) loses
    // relative precision to cancellation near zero.
    private const float TanhPolyLimit = 0.625f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Sigmoid<V>(V x) where V : struct, IFloatVector<V> => V.One / (V.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Tanh<V>(V x) where V : struct, IFloatVector<V>
    {
        V ax = V.Abs(x);
        // Large branch: 1 - 2/(e^{2|x|}+1), sign restored; e^{2|x|} saturating yields exactly 1.
        V large = V.CopySign(V.One - V.Create(2f) / (Exp(ax + ax) + V.One), x);
        // Small branch: x + x^3 P(x^2).
        V z = x * x;
        V p = V.Create(-5.70498872745e-3f);
        p = V.Fma(p, z, V.Create(2.06390887954e-2f));
        p = V.Fma(p, z, V.Create(-5.37397155531e-2f));
        p = V.Fma(p, z, V.Create(1.33314422036e-1f));
        p = V.Fma(p, z, V.Create(-3.33332819422e-1f));
        V small = V.Fma(p * z, x, x);
        return V.SelectLess(ax, V.Create(TanhPolyLimit), small, large);
    }

    /// <summary>
    /// e^x in float arithmetic (Cephes expf: x = n·ln2 + r with a two-part ln2, degree-6 polynomial for e^r, ×2^n),
    /// within 2 ulp of the exact value for results in the normal range; about twice as fast as Vector256/512.Exp,
    /// which widen to double. Edges, as the activations need them: x ≥ 88.72 gives 3.4e38 (not +inf), x ≤ −87.34
    /// gives a result ≤ 1.2e−38 (possibly 0), NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Exp<V>(V x) where V : struct, IFloatVector<V>
    {
        // A NaN x may come out of the clamp as a bound (native min/max); SelectNumber below returns it as NaN.
        V xc = V.Min(V.Max(x, V.Create(-87.33654f)), V.Create(88.72283f));
        V n = V.Round(xc * V.Create(1.44269504088896341f));
        V r = V.Fma(n, V.Create(-0.693359375f), xc);   // ln2 = 0.693359375 − 2.12194440e−4
        r = V.Fma(n, V.Create(2.12194440e-4f), r);
        V p = V.Create(1.9875691500e-4f);
        p = V.Fma(p, r, V.Create(1.3981999507e-3f));
        p = V.Fma(p, r, V.Create(8.3334519073e-3f));
        p = V.Fma(p, r, V.Create(4.1665795894e-2f));
        p = V.Fma(p, r, V.Create(1.6666665459e-1f));
        p = V.Fma(p, r, V.Create(5.0000001201e-1f));
        p = V.Fma(p, r * r, r + V.One);
        // 2^n as 2^(n−1)·2, so n = 128 (x near 88.7) still has a finite exponent field.
        return V.SelectNumber(x, p * V.HalfPowerOfTwo(n) * V.Create(2f));
    }

    // Fixed-width and one-float entry points, for tests and callers holding plain values.
    public static Vector256<float> Exp(Vector256<float> x) => Unsafe.BitCast<V256, Vector256<float>>(Exp(new V256(x)));
    public static Vector512<float> Exp(Vector512<float> x) => Unsafe.BitCast<V512, Vector512<float>>(Exp(new V512(x)));
    public static Vector256<float> Sigmoid(Vector256<float> x) => Unsafe.BitCast<V256, Vector256<float>>(Sigmoid(new V256(x)));
    public static Vector512<float> Sigmoid(Vector512<float> x) => Unsafe.BitCast<V512, Vector512<float>>(Sigmoid(new V512(x)));
    public static Vector256<float> Tanh(Vector256<float> x) => Unsafe.BitCast<V256, Vector256<float>>(Tanh(new V256(x)));
    public static Vector512<float> Tanh(Vector512<float> x) => Unsafe.BitCast<V512, Vector512<float>>(Tanh(new V512(x)));
    public static float Exp(float x) => Exp(new V1(x)).Value;
    public static float Sigmoid(float x) => Sigmoid(new V1(x)).Value;
    public static float Tanh(float x) => Tanh(new V1(x)).Value;

    /// <summary>
    /// sum = Σ items[s][start..start+sum.Length) for s in [0, count), added in item order, then zeroes those ranges of
    /// the items and returns Σ sum² exactly as <see cref="SumOfSquares"/>(sum) would (same blocks, same order). One pass
    /// instead of copy, add, square and clear passes over the (possibly embedding-sized) gradient.
    /// </summary>
    public static double SumAndClear(float[][] items, int count, int start, Span<float> sum)
    {
        int n = sum.Length;
        ref float d = ref MemoryMarshal.GetReference(sum);
        Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero;
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            ref float first = ref items[0][start + i];
            Vector256<float> v = Vector256.LoadUnsafe(ref first);
            Vector256<float>.Zero.StoreUnsafe(ref first);
            for (int s = 1; s < count; s++)
            {
                ref float item = ref items[s][start + i];
                v += Vector256.LoadUnsafe(ref item);
                Vector256<float>.Zero.StoreUnsafe(ref item);
            }
            v.StoreUnsafe(ref d, (nuint)i);
            var (lo, hi) = Vector256.Widen(v);
            a0 = Vector256.FusedMultiplyAdd(lo, lo, a0);
            a1 = Vector256.FusedMultiplyAdd(hi, hi, a1);
        }
        double squares = Vector256.Sum(a0 + a1);
        for (; i < n; i++)
        {
            float v = items[0][start + i];
            items[0][start + i] = 0;
            for (int s = 1; s < count; s++) { v += items[s][start + i]; items[s][start + i] = 0; }
            sum[i] = v;
            squares += (double)v * v;
        }
        return squares;
    }

    /// <summary>
    /// Σ x² in double, in one fixed order (eight lanes, then the tail): unlike TensorPrimitives' reductions, which may
    /// start at an aligned address, the result does not depend on where the span sits in memory.
    /// </summary>
    public static double SumOfSquares(ReadOnlySpan<float> x)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero;
        int i = 0;
        for (; i + 8 <= x.Length; i += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref r, (nuint)i));
            a0 = Vector256.FusedMultiplyAdd(lo, lo, a0);
            a1 = Vector256.FusedMultiplyAdd(hi, hi, a1);
        }
        double s = Vector256.Sum(a0 + a1);
        for (; i < x.Length; i++) s += (double)x[i] * x[i];
        return s;
    }
}
