using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
    public static void ForwardRow(Span<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> peephole,
        Span<float> c, Span<float> tanhC, Span<float> h, int hidden, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(gates.Length >= 4 * hidden && cPrev.Length >= hidden && c.Length >= hidden && tanhC.Length >= hidden && h.Length >= hidden
            && (peephole.IsEmpty || peephole.Length >= 3 * hidden));
        var k = new Forward(gates, cPrev, peephole, c, tanhC, h, hidden);
        Lanes.Run(ref k, hidden, width);
    }

    private readonly ref struct Forward(Span<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> peephole,
        Span<float> c, Span<float> tanhC, Span<float> h, int hidden) : ILaneKernel
    {
        private readonly ref float _g = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _cp = ref MemoryMarshal.GetReference(cPrev);
        private readonly ref float _pp = ref MemoryMarshal.GetReference(peephole);
        private readonly ref float _c = ref MemoryMarshal.GetReference(c);
        private readonly ref float _tc = ref MemoryMarshal.GetReference(tanhC);
        private readonly ref float _h = ref MemoryMarshal.GetReference(h);
        private readonly nuint _H = (nuint)hidden;
        private readonly bool _peep = !peephole.IsEmpty;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = _H;
            var cPrev = V.Load(ref _cp, j);
            var ai = V.Load(ref _g, j);
            var af = V.Load(ref _g, H + j);
            var ag = V.Load(ref _g, 2 * H + j);
            var ao = V.Load(ref _g, 3 * H + j);
            if (_peep)
            {
                ai = V.Fma(V.Load(ref _pp, j), cPrev, ai);
                af = V.Fma(V.Load(ref _pp, H + j), cPrev, af);
            }
            var i = VectorMath.Sigmoid(ai);
            var f = VectorMath.Sigmoid(af);
            var g = VectorMath.Tanh(ag);
            var c = V.Fma(f, cPrev, i * g);
            if (_peep) ao = V.Fma(V.Load(ref _pp, 2 * H + j), c, ao);
            var o = VectorMath.Sigmoid(ao);
            var t = VectorMath.Tanh(c);
            i.Store(ref _g, j);
            f.Store(ref _g, H + j);
            g.Store(ref _g, 2 * H + j);
            o.Store(ref _g, 3 * H + j);
            c.Store(ref _c, j);
            t.Store(ref _tc, j);
            (o * t).Store(ref _h, j);
        }
    }

    /// <summary>
    /// Backward of one step for one row. In: gates [4H] (activations), cPrev [H], c [H], tanhC [H], peephole,
    /// dh [H] (total dL/dh_t), dc [H] (dL/dc_t arriving from step t+1). Out: dGates [4H] (dL/d pre-activation),
    /// dcPrev [H] (dL/dc_{t-1}); dPeephole [3H] is accumulated (+=) when peepholes are on.
    /// </summary>
    public static void BackwardRow(ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> c,
        ReadOnlySpan<float> tanhC, ReadOnlySpan<float> peephole, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc,
        Span<float> dGates, Span<float> dcPrev, Span<float> dPeephole, int hidden, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(gates.Length >= 4 * hidden && cPrev.Length >= hidden && c.Length >= hidden && tanhC.Length >= hidden
            && dh.Length >= hidden && dc.Length >= hidden && dGates.Length >= 4 * hidden && dcPrev.Length >= hidden
            && (peephole.IsEmpty || (peephole.Length >= 3 * hidden && dPeephole.Length >= 3 * hidden)));
        var k = new Backward(gates, cPrev, c, tanhC, peephole, dh, dc, dGates, dcPrev, dPeephole, hidden);
        Lanes.Run(ref k, hidden, width);
    }

    private readonly ref struct Backward(ReadOnlySpan<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> c,
        ReadOnlySpan<float> tanhC, ReadOnlySpan<float> peephole, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc,
        Span<float> dGates, Span<float> dcPrev, Span<float> dPeephole, int hidden) : ILaneKernel
    {
        private readonly ref float _g = ref MemoryMarshal.GetReference(gates);
        private readonly ref float _cp = ref MemoryMarshal.GetReference(cPrev);
        private readonly ref float _c = ref MemoryMarshal.GetReference(c);
        private readonly ref float _tc = ref MemoryMarshal.GetReference(tanhC);
        private readonly ref float _pp = ref MemoryMarshal.GetReference(peephole);
        private readonly ref float _dh = ref MemoryMarshal.GetReference(dh);
        private readonly ref float _dc = ref MemoryMarshal.GetReference(dc);
        private readonly ref float _dg = ref MemoryMarshal.GetReference(dGates);
        private readonly ref float _dcp = ref MemoryMarshal.GetReference(dcPrev);
        private readonly ref float _dpp = ref MemoryMarshal.GetReference(dPeephole);
        private readonly nuint _H = (nuint)hidden;
        private readonly bool _peep = !peephole.IsEmpty;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = _H;
            var one = V.One;
            var i = V.Load(ref _g, j);
            var f = V.Load(ref _g, H + j);
            var g = V.Load(ref _g, 2 * H + j);
            var o = V.Load(ref _g, 3 * H + j);
            var t = V.Load(ref _tc, j);
            var dh = V.Load(ref _dh, j);
            var cPrev = V.Load(ref _cp, j);
            // dL/do and the pre-activation gradient of o.
            var dao = dh * t * o * (one - o);
            // dL/dc_t: from h_t = o*tanh(c_t), from step t+1, and through the o peephole.
            var dc = V.Fma(dh * o, one - t * t, V.Load(ref _dc, j));
            if (_peep) dc = V.Fma(dao, V.Load(ref _pp, 2 * H + j), dc);
            var dai = dc * g * i * (one - i);
            var daf = dc * cPrev * f * (one - f);
            var dag = dc * i * (one - g * g);
            var dcPrev = dc * f;
            if (_peep)
            {
                dcPrev = V.Fma(dai, V.Load(ref _pp, j), dcPrev);
                dcPrev = V.Fma(daf, V.Load(ref _pp, H + j), dcPrev);
                V.Fma(dai, cPrev, V.Load(ref _dpp, j)).Store(ref _dpp, j);
                V.Fma(daf, cPrev, V.Load(ref _dpp, H + j)).Store(ref _dpp, H + j);
                V.Fma(dao, V.Load(ref _c, j), V.Load(ref _dpp, 2 * H + j)).Store(ref _dpp, 2 * H + j);
            }
            dai.Store(ref _dg, j);
            daf.Store(ref _dg, H + j);
            dag.Store(ref _dg, 2 * H + j);
            dao.Store(ref _dg, 3 * H + j);
            dcPrev.Store(ref _dcp, j);
        }
    }
}
