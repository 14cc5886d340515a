using System.Runtime.CompilerServices;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// The fused Adam update over the flat parameter vector: L2 term, both moments, bias corrections and the step in one pass
/// (TensorPrimitives would need five passes and scratch). Written once as a lane operation, like the cell kernels.
/// </summary>
internal static class OptimizerKernels
{
    /// <summary>
    /// p −= lr·c1·m / (sqrt(v·c2) + eps) after m = b1·m + (1−b1)·g', v = b2·v + (1−b2)·g'², g' = g + l2·p;
    /// c1, c2 are the bias corrections 1/(1−b^t). (The kernel carries lr·c1 as its lr.)
    /// </summary>
    public static void AdamStep(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lr, float b1, float b2, float c1, float c2, float eps, float l2,
        LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(g.Length >= p.Length && m.Length >= p.Length && v.Length >= p.Length);
        Lanes.Run(new Adam { p = p, g = g, m = m, v = v, lr = lr * c1, b1 = b1, b2 = b2, c2 = c2, eps = eps, l2 = l2 }, p.Length, width);
    }

    private ref struct Adam : ILaneKernel
    {
        public Span<float> p, m, v; public ReadOnlySpan<float> g; public float lr, b1, b2, c2, eps, l2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Run<V>(nuint i) where V : struct, IFloatVector<V>
        {
            V pv = V.Load(p, i);
            V gv = V.Fma(V.Create(l2), pv, V.Load(g, i));
            V mv = V.Fma(V.Create(b1), V.Load(m, i), V.Create(1 - b1) * gv);
            V vv = V.Fma(V.Create(b2), V.Load(v, i), V.Create(1 - b2) * gv * gv);
            mv.Store(m, i);
            vv.Store(v, i);
            (pv - V.Create(lr) * mv / (V.Sqrt(vv * V.Create(c2)) + V.Create(eps))).Store(p, i);
        }
    }
}
