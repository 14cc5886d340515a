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
    /// <summary>
    /// σ(x) = ½ + ½·tanh(x/2), through <see cref="Tanh{V}"/>: within 1.7e-7 of the exact value everywhere (absolute; a
    /// gate needs no more, and the classifier head computes its own probabilities exactly), exactly 0 and 1 beyond
    /// |x| ≈ 18, NaN stays NaN. One rational function instead of e^x and a division: the LSTM step kernel ran 35-40%
    /// faster than with the exp-based form (docs/performance.md, "Gate activations").
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Sigmoid<V>(V x) where V : struct, IFloatVector<V>
    {
        V half = V.Create(0.5f);
        return V.Fma(half, Tanh(x * half), half);
    }

    // tanh's saturation: from here on the float nearest tanh(x) is ±1 (atanh(1 − 2^−25) = 9.0109...).
    private const float TanhOne = 9.0109f;
    // The rational function's range: the fit holds on [−c, c], and beyond it p/q stays within 4 ulp of tanh up to TanhOne.
    private const float TanhClamp = 7.90531110763549805f;

    /// <summary>
    /// tanh(x) as an odd rational function x·P(x²)/Q(x²), degrees 13/6: the minimax coefficients of Eigen's
    /// generic_fast_tanh_float (MPL 2.0; the same form as ONNX Runtime's MLAS), divided through by Q's constant term so
    /// that no intermediate goes subnormal for tiny x. Within 6 ulp of the exact value (the tests measure it over 10⁶
    /// points; the exp-based form it replaced was within 2), odd, tanh x = x below 1e-4, ±1 from |x| ≥ 9.0109, NaN
    /// stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static V Tanh<V>(V x) where V : struct, IFloatVector<V>
    {
        // Native min/max return their second operand when either is NaN: with x second, a NaN passes the clamp.
        V xc = V.Min(V.Create(TanhClamp), V.Max(V.Create(-TanhClamp), x));
        V z = xc * xc;
        V p = V.Create(-5.6416762410444755e-14f);
        p = V.Fma(p, z, V.Create(4.087417207402143e-11f));
        p = V.Fma(p, z, V.Create(-1.7583789182401143e-08f));
        p = V.Fma(p, z, V.Create(1.0467499187504161e-05f));
        p = V.Fma(p, z, V.Create(0.0030360983153184112f));
        p = V.Fma(p, z, V.Create(0.1302255336823433f));
        p = V.Fma(p, z, V.One);   // 0.99999987 in the fit; 1 keeps tanh x = x for tiny x at no cost elsewhere
        V q = V.Create(0.00024486609330362513f);
        q = V.Fma(q, z, V.Create(0.024222763997786688f));
        q = V.Fma(q, z, V.Create(0.46355838509634517f));
        q = V.Fma(q, z, V.One);
        V r = p * xc / q;
        // Saturate to exactly ±1 (a NaN compares false and keeps r).
        return V.SelectLess(V.Create(TanhOne), V.Abs(x), V.CopySign(V.One, x), r);
    }

    // Fixed-width and one-float entry points, for tests and callers holding plain values.
    public static Vector256<float> Sigmoid(Vector256<float> x) => Unsafe.BitCast<V256, Vector256<float>>(Sigmoid(new V256(x)));
    public static Vector512<float> Sigmoid(Vector512<float> x) => Unsafe.BitCast<V512, Vector512<float>>(Sigmoid(new V512(x)));
    public static Vector256<float> Tanh(Vector256<float> x) => Unsafe.BitCast<V256, Vector256<float>>(Tanh(new V256(x)));
    public static Vector512<float> Tanh(Vector512<float> x) => Unsafe.BitCast<V512, Vector512<float>>(Tanh(new V512(x)));
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
