using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// The fused Adam update over the flat parameter vector: L2 term, both moments, bias corrections and the step in one pass
/// (TensorPrimitives would need five passes and scratch).
/// </summary>
internal static class OptimizerKernels
{
    /// <summary>
    /// p −= lr·c1·m / (sqrt(v·c2) + eps) after m = b1·m + (1−b1)·g', v = b2·v + (1−b2)·g'², g' = g + l2·p;
    /// c1, c2 are the bias corrections 1/(1−b^t).
    /// </summary>
    public static void AdamStep(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lr, float b1, float b2, float c1, float c2, float eps, float l2)
    {
        ref float pr = ref MemoryMarshal.GetReference(p);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float mr = ref MemoryMarshal.GetReference(m);
        ref float vr = ref MemoryMarshal.GetReference(v);
        nuint n = (nuint)p.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vb1 = Vector256.Create(b1); var vb2 = Vector256.Create(b2);
            var va1 = Vector256.Create(1 - b1); var va2 = Vector256.Create(1 - b2);
            var vlr = Vector256.Create(lr * c1); var vc2 = Vector256.Create(c2); var veps = Vector256.Create(eps); var vl2 = Vector256.Create(l2);
            for (; i + 8 <= n; i += 8)
            {
                var pv = Vector256.LoadUnsafe(ref pr, i);
                var gv = Vector256.FusedMultiplyAdd(vl2, pv, Vector256.LoadUnsafe(ref gr, i));
                var mv = Vector256.FusedMultiplyAdd(vb1, Vector256.LoadUnsafe(ref mr, i), va1 * gv);
                var vv = Vector256.FusedMultiplyAdd(vb2, Vector256.LoadUnsafe(ref vr, i), va2 * gv * gv);
                mv.StoreUnsafe(ref mr, i);
                vv.StoreUnsafe(ref vr, i);
                (pv - vlr * mv / (Vector256.Sqrt(vv * vc2) + veps)).StoreUnsafe(ref pr, i);
            }
        }
        AdamScalar(p, g, m, v, lr, b1, b2, c1, c2, eps, l2, (int)i);
    }

    /// <summary>Scalar reference of <see cref="AdamStep"/>; also its tail.</summary>
    public static void AdamReference(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lr, float b1, float b2, float c1, float c2, float eps, float l2)
        => AdamScalar(p, g, m, v, lr, b1, b2, c1, c2, eps, l2, 0);

    private static void AdamScalar(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lr, float b1, float b2, float c1, float c2, float eps, float l2, int start)
    {
        for (int k = start; k < p.Length; k++)
        {
            float gk = g[k] + l2 * p[k];
            m[k] = b1 * m[k] + (1 - b1) * gk;
            v[k] = b2 * v[k] + (1 - b2) * gk * gk;
            p[k] -= lr * c1 * m[k] / (MathF.Sqrt(v[k] * c2) + eps);
        }
    }
}
