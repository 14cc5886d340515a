using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>The Elman RNN's step, forward and backward side by side: <c>h' = act(W_ih x + b_ih + W_hh h + b_hh)</c>, act = tanh or ReLU.</summary>
internal readonly ref struct RnnCell(in DirectionWeights w, DirectionBuffers buf, int batch, int hidden, bool relu) : IRecurrentCell
{
    private readonly DirectionWeights _w = w;

    public void Forward(int t, int n, int prev, int cur)
    {
        if (n == 0) return;
        int B = batch, H = hidden;
        Span<float> hPrev = buf.Hs.AsSpan(prev * B * H, B * H), hCur = buf.Hs.AsSpan(cur * B * H, B * H), pre = buf.Gates.AsSpan(t * B * H, B * H);
        // pre[n, H] += h_{t-1}[n, H] · W_hhᵀ
        RecurrentLayer.HiddenProduct(n, 0, H, hPrev, _w, H, H, pre, H, accumulate: true);
        for (int b = 0; b < n; b++) Lanes.Run(new RnnKernels.Forward { Pre = pre.Slice(b * H, H), HNew = hCur.Slice(b * H, H), Hidden = H, Relu = relu });
    }

    public void Backward(int t, int n, int prev, int cur, Span<float> dh, Span<float> dhPrev)
    {
        if (n == 0) return;
        int B = batch, H = hidden;
        ReadOnlySpan<float> act = buf.Gates.AsSpan(t * B * H, B * H);
        Span<float> dPre = buf.DGates.AsSpan(t * B * H, B * H);
        for (int b = 0; b < n; b++) Lanes.Run(new RnnKernels.Backward { Act = act.Slice(b * H, H), Dh = dh.Slice(b * H, H), DPre = dPre.Slice(b * H, H), Hidden = H, Relu = relu });
        // dh_{t-1}[n, H] = dPre[n, H] · W_hh[H, H]
        Sgemm.Multiply(false, false, n, H, H, dPre, H, _w.Whh, H, dhPrev, H, accumulate: false);
    }
}
