using System.Runtime.CompilerServices;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// Fused LSTM time-step kernels for one batch row: every gate activation and the state update in one pass
/// (forward), and all pre-activation gradients in one pass (backward). Gate order is PyTorch's: i, f, g, o.
/// Peephole weights (Gers &amp; Schmidhuber 2000) are diagonal: i and f see c_{t-1}, o sees c_t.
/// Each is written once as a lane operation (<see cref="ILaneKernel"/>) and driven by <see cref="Lanes.Run"/>.
/// </summary>
internal static class LstmKernels
{
    /// <summary>
    /// gates [4H]: in pre-activations (x-projection + biases + h-projection), out activations i,f,g,o.
    /// cPrev [H], peephole empty or [3H] (p_i, p_f, p_o); out c [H], tanhC [H], h [H].
    /// </summary>
    public ref struct Forward : ILaneKernel
    {
        public Span<float> Gates, C, TanhC, HNew; public ReadOnlySpan<float> CPrev, Peephole; public int Hidden;

        public readonly int CheckedCount => KernelGuard.Count(Hidden, Gates.Length >= 4 * Hidden && CPrev.Length >= Hidden
            && C.Length >= Hidden && TanhC.Length >= Hidden && HNew.Length >= Hidden
            && (Peephole.IsEmpty || Peephole.Length >= 3 * Hidden));

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public readonly void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)Hidden;
            var cp = V.Load(CPrev, j);
            var ai = V.Load(Gates, j);
            var af = V.Load(Gates, H + j);
            var ag = V.Load(Gates, 2 * H + j);
            var ao = V.Load(Gates, 3 * H + j);
            if (!Peephole.IsEmpty)
            {
                ai = V.Fma(V.Load(Peephole, j), cp, ai);
                af = V.Fma(V.Load(Peephole, H + j), cp, af);
            }
            var i = VectorMath.Sigmoid(ai);
            var f = VectorMath.Sigmoid(af);
            var g = VectorMath.Tanh(ag);
            var cNew = V.Fma(f, cp, i * g);
            if (!Peephole.IsEmpty) ao = V.Fma(V.Load(Peephole, 2 * H + j), cNew, ao);
            var o = VectorMath.Sigmoid(ao);
            var t = VectorMath.Tanh(cNew);
            i.Store(Gates, j);
            f.Store(Gates, H + j);
            g.Store(Gates, 2 * H + j);
            o.Store(Gates, 3 * H + j);
            cNew.Store(C, j);
            t.Store(TanhC, j);
            (o * t).Store(HNew, j);
        }
    }

    /// <summary>
    /// Backward of one step for one row. In: gates [4H] (activations), cPrev [H], c [H], tanhC [H], peephole,
    /// dh [H] (total dL/dh_t), dc [H] (dL/dc_t arriving from step t+1). Out: dGates [4H] (dL/d pre-activation),
    /// dcPrev [H] (dL/dc_{t-1}); dPeephole [3H] is accumulated (+=) when peepholes are on. dGates may be gates itself
    /// (training does that): each lane reads its four activations before it writes their gradients.
    /// </summary>
    public ref struct Backward : ILaneKernel
    {
        public ReadOnlySpan<float> Gates, CPrev, C, TanhC, Peephole, Dh, Dc; public Span<float> DGates, DcPrev, DPeephole; public int Hidden;

        public readonly int CheckedCount => KernelGuard.Count(Hidden, Gates.Length >= 4 * Hidden && CPrev.Length >= Hidden
            && C.Length >= Hidden && TanhC.Length >= Hidden && Dh.Length >= Hidden && Dc.Length >= Hidden
            && DGates.Length >= 4 * Hidden && DcPrev.Length >= Hidden && (Peephole.IsEmpty || (Peephole.Length >= 3 * Hidden
            && DPeephole.Length >= 3 * Hidden)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public readonly void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)Hidden;
            var one = V.One;
            var i = V.Load(Gates, j);
            var f = V.Load(Gates, H + j);
            var g = V.Load(Gates, 2 * H + j);
            var o = V.Load(Gates, 3 * H + j);
            var t = V.Load(TanhC, j);
            var dhv = V.Load(Dh, j);
            var cp = V.Load(CPrev, j);
            // dL/do and the pre-activation gradient of o.
            var dao = dhv * t * o * (one - o);
            // dL/dc_t: from h_t = o*tanh(c_t), from step t+1, and through the o Peephole.
            var dcv = V.Fma(dhv * o, one - t * t, V.Load(Dc, j));
            if (!Peephole.IsEmpty) dcv = V.Fma(dao, V.Load(Peephole, 2 * H + j), dcv);
            var dai = dcv * g * i * (one - i);
            var daf = dcv * cp * f * (one - f);
            var dag = dcv * i * (one - g * g);
            var dcp = dcv * f;
            if (!Peephole.IsEmpty)
            {
                dcp = V.Fma(dai, V.Load(Peephole, j), dcp);
                dcp = V.Fma(daf, V.Load(Peephole, H + j), dcp);
                V.Fma(dai, cp, V.Load(DPeephole, j)).Store(DPeephole, j);
                V.Fma(daf, cp, V.Load(DPeephole, H + j)).Store(DPeephole, H + j);
                V.Fma(dao, V.Load(C, j), V.Load(DPeephole, 2 * H + j)).Store(DPeephole, 2 * H + j);
            }
            dai.Store(DGates, j);
            daf.Store(DGates, H + j);
            dag.Store(DGates, 2 * H + j);
            dao.Store(DGates, 3 * H + j);
            dcp.Store(DcPrev, j);
        }
    }
}
