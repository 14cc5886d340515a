using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// Element-wise activation math shared by the fused cell kernels: SIMD forms (<see cref="Vector512{T}"/> for AVX-512,
/// <see cref="Vector256{T}"/>, lane for lane the same arithmetic) and the scalar form used for tails and references.
/// </summary>
internal static class VectorMath
{
    // Below this magnitude tanh uses an odd polynomial (Cephes tanhf): 1 - 2/(e^{2x}+1) loses
    // relative precision to cancellation near zero.
    private const float TanhPolyLimit = 0.625f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
        => Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> ax = Vector256.Abs(x);
        // Large branch: 1 - 2/(e^{2|x|}+1), sign restored; e^{2|x|} overflowing to +inf yields exactly 1.
        Vector256<float> e = Exp(ax + ax);
        Vector256<float> large = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        large = Vector256.CopySign(large, x);
        // Small branch: x + x^3 P(x^2).
        Vector256<float> z = x * x;
        Vector256<float> p = Vector256.Create(-5.70498872745e-3f);
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(2.06390887954e-2f));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(-5.37397155531e-2f));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(1.33314422036e-1f));
        p = Vector256.FusedMultiplyAdd(p, z, Vector256.Create(-3.33332819422e-1f));
        Vector256<float> small = Vector256.FusedMultiplyAdd(p * z, x, x);
        return Vector256.ConditionalSelect(Vector256.LessThan(ax, Vector256.Create(TanhPolyLimit)), small, large);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
        => Vector512<float>.One / (Vector512<float>.One + Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> ax = Vector512.Abs(x);
        // Large branch: 1 - 2/(e^{2|x|}+1), sign restored; e^{2|x|} overflowing to +inf yields exactly 1.
        Vector512<float> e = Exp(ax + ax);
        Vector512<float> large = Vector512<float>.One - Vector512.Create(2f) / (e + Vector512<float>.One);
        large = Vector512.CopySign(large, x);
        // Small branch: x + x^3 P(x^2).
        Vector512<float> z = x * x;
        Vector512<float> p = Vector512.Create(-5.70498872745e-3f);
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(2.06390887954e-2f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(-5.37397155531e-2f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(1.33314422036e-1f));
        p = Vector512.FusedMultiplyAdd(p, z, Vector512.Create(-3.33332819422e-1f));
        Vector512<float> small = Vector512.FusedMultiplyAdd(p * z, x, x);
        return Vector512.ConditionalSelect(Vector512.LessThan(ax, Vector512.Create(TanhPolyLimit)), small, large);
    }

    /// <summary>
    /// e^x in float arithmetic (Cephes expf: x = n·ln2 + r with a two-part ln2, degree-6 polynomial for e^r, ×2^n),
    /// within 2 ulp of the exact value for results in the normal range. About twice as fast as Vector256.Exp, which widens
    /// to double. Edges, as the activations need them: x ≥ 88.72 gives 3.4e38 (not +inf), x ≤ −87.34 gives a
    /// result ≤ 1.2e−38 (possibly 0), NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> xc = Vector256.Min(Vector256.Max(x, Vector256.Create(-87.33654f)), Vector256.Create(88.72283f));
        Vector256<float> n = Vector256.Round(xc * Vector256.Create(1.44269504088896341f));
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693359375f), xc);   // ln2 = 0.693359375 − 2.12194440e−4
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(2.12194440e-4f), r);
        Vector256<float> p = Vector256.Create(1.9875691500e-4f);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        p = Vector256.FusedMultiplyAdd(p, r * r, r + Vector256<float>.One);
        // 2^n as 2^(n−1)·2, so n = 128 (x near 88.7) still has a finite exponent field.
        Vector256<float> scale = ((Vector256.ConvertToInt32(n) + Vector256.Create(126)) << 23).AsSingle();
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), p * scale * Vector256.Create(2f), x);
    }

    /// <summary>
    /// e^x in float arithmetic (Cephes expf: x = n·ln2 + r with a two-part ln2, degree-6 polynomial for e^r, ×2^n),
    /// within 2 ulp of the exact value for results in the normal range. About twice as fast as Vector512.Exp, which widens
    /// to double. Edges, as the activations need them: x ≥ 88.72 gives 3.4e38 (not +inf), x ≤ −87.34 gives a
    /// result ≤ 1.2e−38 (possibly 0), NaN stays NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> xc = Vector512.Min(Vector512.Max(x, Vector512.Create(-87.33654f)), Vector512.Create(88.72283f));
        Vector512<float> n = Vector512.Round(xc * Vector512.Create(1.44269504088896341f));
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-0.693359375f), xc);   // ln2 = 0.693359375 − 2.12194440e−4
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(2.12194440e-4f), r);
        Vector512<float> p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        p = Vector512.FusedMultiplyAdd(p, r * r, r + Vector512<float>.One);
        // 2^n as 2^(n−1)·2, so n = 128 (x near 88.7) still has a finite exponent field.
        Vector512<float> scale = ((Vector512.ConvertToInt32(n) + Vector512.Create(126)) << 23).AsSingle();
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), p * scale * Vector512.Create(2f), x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);
}
