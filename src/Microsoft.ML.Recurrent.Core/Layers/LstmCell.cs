using System.Runtime.CompilerServices;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The LSTM's step, forward and backward side by side: one GEMM for W_hh h over the active rows, then one fused
/// kernel pass per row (<see cref="LstmKernels"/>). Gates [T, B, 4H]; states h and c by slot [T+1, B, H].
/// </summary>
internal ref struct LstmCell(in DirectionWeights w, in DirectionGradients g, DirectionBuffers buf, int batch, int hidden) : IRecurrentCell
{
    private readonly DirectionWeights _w = w;
    private readonly DirectionGradients _g = g;
    private float[] _dc = buf.Dc, _dcPrev = buf.DcPrev;   // dL/dc_t arriving from step t+1, and the one going to t−1

    // Straight to full optimization: with dynamic PGO (on by default) the tiered build of this step ran ~4× slower in
    // batched inference (96 vs 25 µs per seq28 sequence; bisected to merge d94e5c1, see docs/performance.md).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public readonly void Forward(int t, int n, int prev, int cur)
    {
        int B = batch, H = hidden, gh = 4 * H;
        Span<float> hPrev = buf.Hs.AsSpan(prev * B * H, B * H), hCur = buf.Hs.AsSpan(cur * B * H, B * H);
        Span<float> cPrev = buf.Cs.AsSpan(prev * B * H, B * H), cCur = buf.Cs.AsSpan(cur * B * H, B * H);
        Span<float> gates = buf.Gates.AsSpan(t * B * gh, B * gh), tanhC = buf.TanhC.AsSpan(t * B * H, B * H);
        if (n > 0)
        {
            // gates[n, 4H] += h_{t-1}[n, H] · W_hhᵀ
            RecurrentLayer.HiddenProduct(n, 0, gh, hPrev, _w, gh, H, gates, gh, accumulate: true);
            for (int b = 0; b < n; b++)
                Lanes.Run(new LstmKernels.Forward
                {
                    Gates = gates.Slice(b * gh, gh), CPrev = cPrev.Slice(b * H, H), Peephole = _w.Peep,
                    C = cCur.Slice(b * H, H), TanhC = tanhC.Slice(b * H, H), HNew = hCur.Slice(b * H, H), Hidden = H,
                });
        }
        cPrev[(n * H)..].CopyTo(cCur[(n * H)..]);   // rows that did not run keep c too
    }

    // Its own method (one call a step), so a profile tells this step's dG·W_hh from the all-steps GEMMs after the loop.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Backward(int t, int n, int prev, int cur, Span<float> dh, Span<float> dhPrev)
    {
        int B = batch, H = hidden, gh = 4 * H;
        ReadOnlySpan<float> gates = buf.Gates.AsSpan(t * B * gh, B * gh);
        Span<float> dGates = buf.DGates.AsSpan(t * B * gh, B * gh);
        for (int b = 0; b < n; b++)
            Lanes.Run(new LstmKernels.Backward
            {
                Gates = gates.Slice(b * gh, gh), CPrev = buf.Cs.AsSpan((prev * B + b) * H, H), C = buf.Cs.AsSpan((cur * B + b) * H, H),
                TanhC = buf.TanhC.AsSpan((t * B + b) * H, H), Peephole = _w.Peep, Dh = dh.Slice(b * H, H), Dc = _dc.AsSpan(b * H, H),
                DGates = dGates.Slice(b * gh, gh), DcPrev = _dcPrev.AsSpan(b * H, H), DPeephole = _g.Peep, Hidden = H,
            });
        _dc.AsSpan(n * H, (B - n) * H).CopyTo(_dcPrev.AsSpan(n * H));
        // dh_{t-1}[n, H] = dG[n, 4H] · W_hh[4H, H]
        if (n > 0) Sgemm.Multiply(false, false, n, H, gh, dGates, gh, _w.Whh, H, dhPrev, H, accumulate: false);
        (_dc, _dcPrev) = (_dcPrev, _dc);
    }
}
