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
    public static void ForwardRow(Span<float> gates, ReadOnlySpan<float> cPrev, ReadOnlySpan<float> peephole,
        Span<float> c, Span<float> tanhC, Span<float> h, int hidden, LaneWidth width = LaneWidth.Widest)
    {
        KernelGuard.Check(gates.Length >= 4 * hidden && cPrev.Length >= hidden && c.Length >= hidden && tanhC.Length >= hidden && h.Length >= hidden
            && (peephole.IsEmpty || peephole.Length >= 3 * hidden));
        Lanes.Run(new Forward { gates = gates, cPrev = cPrev, peephole = peephole, c = c, tanhC = tanhC, h = h, hidden = hidden }, hidden, width);
    }

    private ref struct Forward : ILaneKernel
    {
        public Span<float> gates, c, tanhC, h; public ReadOnlySpan<float> cPrev, peephole; public int hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)hidden;
            var cp = V.Load(cPrev, j);
            var ai = V.Load(gates, j);
            var af = V.Load(gates, H + j);
            var ag = V.Load(gates, 2 * H + j);
            var ao = V.Load(gates, 3 * H + j);
            if (!peephole.IsEmpty)
            {
                ai = V.Fma(V.Load(peephole, j), cp, ai);
                af = V.Fma(V.Load(peephole, H + j), cp, af);
            }
            var i = VectorMath.Sigmoid(ai);
            var f = VectorMath.Sigmoid(af);
            var g = VectorMath.Tanh(ag);
            var cNew = V.Fma(f, cp, i * g);
            if (!peephole.IsEmpty) ao = V.Fma(V.Load(peephole, 2 * H + j), cNew, ao);
            var o = VectorMath.Sigmoid(ao);
            var t = VectorMath.Tanh(cNew);
            i.Store(gates, j);
            f.Store(gates, H + j);
            g.Store(gates, 2 * H + j);
            o.Store(gates, 3 * H + j);
            cNew.Store(c, j);
            t.Store(tanhC, j);
            (o * t).Store(h, j);
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
        Lanes.Run(new Backward { gates = gates, cPrev = cPrev, c = c, tanhC = tanhC, peephole = peephole, dh = dh, dc = dc, dGates = dGates, dcPrev = dcPrev, dPeephole = dPeephole, hidden = hidden }, hidden, width);
    }

    private ref struct Backward : ILaneKernel
    {
        public ReadOnlySpan<float> gates, cPrev, c, tanhC, peephole, dh, dc; public Span<float> dGates, dcPrev, dPeephole; public int hidden;

        [MethodImpl(MethodImplOptions.AggressiveInlining)] public void Run<V>(nuint j) where V : struct, IFloatVector<V>
        {
            nuint H = (nuint)hidden;
            var one = V.One;
            var i = V.Load(gates, j);
            var f = V.Load(gates, H + j);
            var g = V.Load(gates, 2 * H + j);
            var o = V.Load(gates, 3 * H + j);
            var t = V.Load(tanhC, j);
            var dhv = V.Load(dh, j);
            var cp = V.Load(cPrev, j);
            // dL/do and the pre-activation gradient of o.
            var dao = dhv * t * o * (one - o);
            // dL/dc_t: from h_t = o*tanh(c_t), from step t+1, and through the o peephole.
            var dcv = V.Fma(dhv * o, one - t * t, V.Load(dc, j));
            if (!peephole.IsEmpty) dcv = V.Fma(dao, V.Load(peephole, 2 * H + j), dcv);
            var dai = dcv * g * i * (one - i);
            var daf = dcv * cp * f * (one - f);
            var dag = dcv * i * (one - g * g);
            var dcp = dcv * f;
            if (!peephole.IsEmpty)
            {
                dcp = V.Fma(dai, V.Load(peephole, j), dcp);
                dcp = V.Fma(daf, V.Load(peephole, H + j), dcp);
                V.Fma(dai, cp, V.Load(dPeephole, j)).Store(dPeephole, j);
                V.Fma(daf, cp, V.Load(dPeephole, H + j)).Store(dPeephole, H + j);
                V.Fma(dao, V.Load(c, j), V.Load(dPeephole, 2 * H + j)).Store(dPeephole, 2 * H + j);
            }
            dai.Store(dGates, j);
            daf.Store(dGates, H + j);
            dag.Store(dGates, 2 * H + j);
            dao.Store(dGates, 3 * H + j);
            dcp.Store(dcPrev, j);
        }
    }
}
