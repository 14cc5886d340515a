using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The GRU's step in PyTorch's form (<see cref="GruResetMode.AfterRecurrentProduct"/>), forward and backward side
/// by side: n = tanh(W_in x + b_in + r∘(W_hn h + b_hn)). Gates [T, B, 3H] arrive without b_hn, which goes into Hn.
/// </summary>
internal readonly ref struct GruResetAfterCell(in DirectionWeights w, DirectionBuffers buf, int batch, int hidden) : IRecurrentCell
{
    private readonly DirectionWeights _w = w;

    public void Forward(int t, int n, int prev, int cur)
    {
        int B = batch, H = hidden, gh = 3 * H;
        Span<float> hPrev = buf.Hs.AsSpan(prev * B * H, B * H), hCur = buf.Hs.AsSpan(cur * B * H, B * H);
        Span<float> gates = buf.Gates.AsSpan(t * B * gh, B * gh), hn = buf.Hn.AsSpan(t * B * H, B * H), proj = buf.Step.AsSpan(0, B * gh);
        ReadOnlySpan<float> bhn = _w.Bhh.Slice(2 * H, H);
        if (n > 0)
        {
            // proj[n, 3H] = h_{t-1} · W_hhᵀ; the r,z parts join the gates, the n part (+ b_hn) is kept for r∘(.)
            RecurrentLayer.HiddenProduct(n, 0, gh, hPrev, _w, gh, H, proj, gh, accumulate: false);
            for (int b = 0; b < n; b++)
            {
                Span<float> g = gates.Slice(b * gh, gh), p = proj.Slice(b * gh, gh);
                TensorPrimitives.Add(g[..(2 * H)], p[..(2 * H)], g[..(2 * H)]);
                TensorPrimitives.Add(p.Slice(2 * H, H), bhn, hn.Slice(b * H, H));
                Lanes.Run(new GruKernels.ForwardResetAfter { Gates = g, Hn = hn.Slice(b * H, H), HPrev = hPrev.Slice(b * H, H), HNew = hCur.Slice(b * H, H), Hidden = H });
            }
        }
        hn[(n * H)..].Clear();
    }

    public void Backward(int t, int n, int prev, int cur, Span<float> dh, Span<float> dhPrev)
    {
        int B = batch, H = hidden, gh = 3 * H;
        ReadOnlySpan<float> hPrev = buf.Hs.AsSpan(prev * B * H, B * H), gates = buf.Gates.AsSpan(t * B * gh, B * gh), hn = buf.Hn.AsSpan(t * B * H, B * H);
        Span<float> dGates = buf.DGates.AsSpan(t * B * gh, B * gh), dGatesH = buf.DGatesH.AsSpan(t * B * gh, B * gh);
        for (int b = 0; b < n; b++)
            Lanes.Run(new GruKernels.BackwardResetAfter
            {
                Gates = gates.Slice(b * gh, gh), Hn = hn.Slice(b * H, H), HPrev = hPrev.Slice(b * H, H), Dh = dh.Slice(b * H, H),
                DGx = dGates.Slice(b * gh, gh), DGh = dGatesH.Slice(b * gh, gh), DhPrev = dhPrev.Slice(b * H, H), Hidden = H,
            });
        dGatesH[(n * gh)..].Clear();
        // dh_{t-1}[n, H] += dGh[n, 3H] · W_hh[3H, H]
        if (n > 0) Sgemm.Multiply(false, false, n, H, gh, dGatesH, gh, _w.Whh, H, dhPrev, H, accumulate: true);
    }
}

/// <summary>
/// The GRU's step in the textbook form (<see cref="GruResetMode.BeforeRecurrentProduct"/>), forward and backward side
/// by side: n = tanh(W_in x + b_in + W_hn (r∘h) + b_hn). The product with r∘h sits between the gate pass and the
/// candidate pass, so each direction has two kernel passes and two GEMMs a step.
/// </summary>
internal readonly ref struct GruResetBeforeCell(in DirectionWeights w, DirectionBuffers buf, int batch, int hidden) : IRecurrentCell
{
    private readonly DirectionWeights _w = w;

    public void Forward(int t, int n, int prev, int cur)
    {
        int B = batch, H = hidden, gh = 3 * H;
        Span<float> hPrev = buf.Hs.AsSpan(prev * B * H, B * H), hCur = buf.Hs.AsSpan(cur * B * H, B * H);
        Span<float> gates = buf.Gates.AsSpan(t * B * gh, B * gh), rh = buf.ResetH.AsSpan(t * B * H, B * H);
        if (n > 0)
        {
            // gates[n, r|z] += h_{t-1} · W_h(r|z)ᵀ; then rh = r∘h; gates[n, n] += rh · W_hnᵀ
            RecurrentLayer.HiddenProduct(n, 0, 2 * H, hPrev, _w, gh, H, gates, gh, accumulate: true);
            for (int b = 0; b < n; b++)
                Lanes.Run(new GruKernels.ResetGates { Gates = gates.Slice(b * gh, gh), HPrev = hPrev.Slice(b * H, H), Rh = rh.Slice(b * H, H), Hidden = H });
            RecurrentLayer.HiddenProduct(n, 2 * H, H, rh, _w, gh, H, gates[(2 * H)..], gh, accumulate: true);
            for (int b = 0; b < n; b++)
                Lanes.Run(new GruKernels.Candidate { Gates = gates.Slice(b * gh, gh), HPrev = hPrev.Slice(b * H, H), HNew = hCur.Slice(b * H, H), Hidden = H });
        }
        // The W_hh gradient GEMM reads rh of every row, with zero gradient for inactive ones: keep them finite.
        rh[(n * H)..].Clear();
    }

    public void Backward(int t, int n, int prev, int cur, Span<float> dh, Span<float> dhPrev)
    {
        if (n == 0) return;
        int B = batch, H = hidden, gh = 3 * H;
        ReadOnlySpan<float> hPrev = buf.Hs.AsSpan(prev * B * H, B * H), gates = buf.Gates.AsSpan(t * B * gh, B * gh);
        Span<float> dGates = buf.DGates.AsSpan(t * B * gh, B * gh), drh = buf.Step.AsSpan(0, B * H);
        for (int b = 0; b < n; b++)
            Lanes.Run(new GruKernels.CandidateBackward
            {
                Gates = gates.Slice(b * gh, gh), HPrev = hPrev.Slice(b * H, H), Dh = dh.Slice(b * H, H), DGates = dGates.Slice(b * gh, gh), DhPrev = dhPrev.Slice(b * H, H), Hidden = H,
            });
        // d(r∘h)[n, H] = dA_n[n, H] · W_hn[H, H]
        Sgemm.Multiply(false, false, n, H, H, dGates[(2 * H)..], gh, _w.Whh[(2 * H * H)..], H, drh, H, accumulate: false);
        for (int b = 0; b < n; b++)
            Lanes.Run(new GruKernels.ResetBackward
            {
                Gates = gates.Slice(b * gh, gh), HPrev = hPrev.Slice(b * H, H), Drh = drh.Slice(b * H, H), DGates = dGates.Slice(b * gh, gh), DhPrev = dhPrev.Slice(b * H, H), Hidden = H,
            });
        // dh_{t-1}[n, H] += dA_{r|z}[n, 2H] · W_h(r|z)[2H, H]
        Sgemm.Multiply(false, false, n, H, 2 * H, dGates, gh, _w.Whh, H, dhPrev, H, accumulate: true);
    }
}
