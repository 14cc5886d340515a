using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// Element-wise activation math shared by the fused cell kernels: a SIMD form (<see cref="Vector256{T}"/>)
/// and the scalar form used for tails and references.
/// </summary>
internal static class VectorMath
{
    // Below this magnitude tanh uses an odd polynomial (Cephes tanhf): 1 - 2/(e^{2x}+1) loses
    // relative precision to cancellation near zero.
    private const float TanhPolyLimit = 0.625f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
        => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        Vector256<float> ax = Vector256.Abs(x);
        // Large branch: 1 - 2/(e^{2|x|}+1), sign restored; e^{2|x|} overflowing to +inf yields exactly 1.
        Vector256<float> e = Vector256.Exp(ax + ax);
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
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);
}
