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
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated) i = AdamSimd<V512>(p, g, m, v, lr, b1, b2, c1, c2, eps, l2);
        else if (Vector256.IsHardwareAccelerated) i = AdamSimd<V256>(p, g, m, v, lr, b1, b2, c1, c2, eps, l2);
        AdamScalar(p, g, m, v, lr, b1, b2, c1, c2, eps, l2, (int)i);
    }

    /// <summary>SIMD body of <see cref="AdamStep"/>; returns where the scalar tail starts.</summary>
    private static nuint AdamSimd<V>(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lr, float b1, float b2, float c1, float c2, float eps, float l2)
        where V : struct, IFloatVector<V>
    {
        ref float pr = ref MemoryMarshal.GetReference(p);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float mr = ref MemoryMarshal.GetReference(m);
        ref float vr = ref MemoryMarshal.GetReference(v);
        nuint n = (nuint)p.Length, i = 0;
        V vb1 = V.Create(b1), vb2 = V.Create(b2), va1 = V.Create(1 - b1), va2 = V.Create(1 - b2);
        V vlr = V.Create(lr * c1), vc2 = V.Create(c2), veps = V.Create(eps), vl2 = V.Create(l2);
        for (; i + (nuint)V.Count <= n; i += (nuint)V.Count)
        {
            V pv = V.Load(ref pr, i);
            V gv = V.Fma(vl2, pv, V.Load(ref gr, i));
            V mv = V.Fma(vb1, V.Load(ref mr, i), va1 * gv);
            V vv = V.Fma(vb2, V.Load(ref vr, i), va2 * gv * gv);
            mv.Store(ref mr, i);
            vv.Store(ref vr, i);
            (pv - vlr * mv / (V.Sqrt(vv * vc2) + veps)).Store(ref pr, i);
        }
        return i;
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
