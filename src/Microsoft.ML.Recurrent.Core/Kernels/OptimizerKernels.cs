using System.Runtime.CompilerServices;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// The fused Adam update over the flat parameter vector: L2 term, both moments, bias corrections and the step in one pass
/// (TensorPrimitives would need five passes and scratch). Written once as a lane operation, like the cell kernels.
/// </summary>
internal static class OptimizerKernels
{
    /// <summary>
    /// p −= Lr·m / (sqrt(v·C2) + Eps) after m = B1·m + (1−B1)·g', v = B2·v + (1−B2)·g'², g' = Scale·g + L2·p, over
    /// Parameters (p), Gradient (g), Moment1 (m), Moment2 (v). Lr already holds lr·c1 and C2 is c2, Adam's bias
    /// corrections 1/(1−β^t). Scale (default 1) is the clipping factor, applied here rather than in a pass of its own;
    /// Scale·g is one rounded product, as a separate multiply would give.
    /// </summary>
    public ref struct Adam : ILaneKernel
    {
        public Span<float> Parameters, Moment1, Moment2; public ReadOnlySpan<float> Gradient; public float Lr, B1, B2, C2, Eps, L2;
        public float Scale = 1f;

        public Adam() { }

        public readonly int CheckedCount => KernelGuard.Count(Parameters.Length,
            Gradient.Length >= Parameters.Length && Moment1.Length >= Parameters.Length && Moment2.Length >= Parameters.Length);

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public readonly void Run<V>(nuint i) where V : struct, IFloatVector<V>
        {
            V pv = V.Load(Parameters, i);
            V gv = V.Fma(V.Create(L2), pv, V.Load(Gradient, i) * V.Create(Scale));
            V mv = V.Fma(V.Create(B1), V.Load(Moment1, i), V.Create(1 - B1) * gv);
            V vv = V.Fma(V.Create(B2), V.Load(Moment2, i), V.Create(1 - B2) * gv * gv);
            mv.Store(Moment1, i);
            vv.Store(Moment2, i);
            (pv - V.Create(Lr) * mv / (V.Sqrt(vv * V.Create(C2)) + V.Create(Eps))).Store(Parameters, i);
        }
    }
}
