using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// The fused Adam update over the flat parameter vector: L2 term, both moments, bias corrections and the step in one pass
/// (TensorPrimitives would need five passes and scratch). Written once as a lane operation, like the cell kernels.
/// </summary>
internal static class OptimizerKernels
{
    /// <summary>
    /// p −= lr·c1·m / (sqrt(v·c2) + eps) after m = b1·m + (1−b1)·g', v = b2·v + (1−b2)·g'², g' = g + l2·p;
    /// c1, c2 are the bias corrections 1/(1−b^t).
    /// </summary>
    public static void AdamStep(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lr, float b1, float b2, float c1, float c2, float eps, float l2,
        LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(g.Length >= p.Length && m.Length >= p.Length && v.Length >= p.Length);
        var k = new Adam(p, g, m, v, lr, b1, b2, c1, c2, eps, l2);
        Lanes.Run(ref k, p.Length, width);
    }

    private readonly ref struct Adam(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float lr, float b1, float b2, float c1, float c2, float eps, float l2) : ILaneKernel
    {
        private readonly ref float _p = ref MemoryMarshal.GetReference(p);
        private readonly ref float _g = ref MemoryMarshal.GetReference(g);
        private readonly ref float _m = ref MemoryMarshal.GetReference(m);
        private readonly ref float _v = ref MemoryMarshal.GetReference(v);
        private readonly float _b1 = b1, _b2 = b2, _a1 = 1 - b1, _a2 = 1 - b2, _lr = lr * c1, _c2 = c2, _eps = eps, _l2 = l2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(nuint i) where V : struct, IFloatVector<V>
        {
            V p = V.Load(ref _p, i);
            V g = V.Fma(V.Create(_l2), p, V.Load(ref _g, i));
            V m = V.Fma(V.Create(_b1), V.Load(ref _m, i), V.Create(_a1) * g);
            V v = V.Fma(V.Create(_b2), V.Load(ref _v, i), V.Create(_a2) * g * g);
            m.Store(ref _m, i);
            v.Store(ref _v, i);
            (p - V.Create(_lr) * m / (V.Sqrt(v * V.Create(_c2)) + V.Create(_eps))).Store(ref _p, i);
        }
    }
}
