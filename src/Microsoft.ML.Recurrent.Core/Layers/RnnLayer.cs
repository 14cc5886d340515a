using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>Elman RNN step loops, forward and backward side by side: <c>h' = act(W_ih x + b_ih + W_hh h + b_hh)</c>.</summary>
internal static class RnnLayer
{
    public static void Forward(RecurrentArchitecture a, in DirectionWeights w, DirectionBuffers buf, Span<float> y, int yOffset,
        in SequenceShard s, bool reverse)
    {
        int B = s.Batch, T = s.Steps, H = a.HiddenSize, D = a.OutputSize;
        bool relu = a.RnnActivation == RnnActivation.Relu;
        for (int step = 0; step < T; step++)
        {
            int t = reverse ? T - 1 - step : step;
            int n = s.Active[t];
            var (prev, cur) = RecurrentLayer.Slots(t, reverse);
            Span<float> hPrev = buf.Hs.AsSpan(prev * B * H, B * H), hCur = buf.Hs.AsSpan(cur * B * H, B * H);
            Span<float> at = buf.Gates.AsSpan(t * B * H, B * H);
            if (n > 0)
            {
                // a[n, H] += h_{t-1}[n, H] · W_hh^T
                RecurrentLayer.HiddenProduct(n, 0, H, hPrev, w, H, H, at, H, accumulate: true);
                for (int b = 0; b < n; b++) RnnKernels.ForwardRow(at.Slice(b * H, H), hCur.Slice(b * H, H), H, relu);
            }
            RecurrentLayer.HoldInactive(hCur, hPrev, n, B, H);
            RecurrentLayer.EmitOutput(y, hCur, t, n, B, H, D, yOffset);
        }
    }

    public static void Backward(RecurrentArchitecture a, in DirectionWeights w, DirectionBuffers buf,
        ReadOnlySpan<float> dy, int yOffset, in SequenceShard s, bool reverse)
    {
        int B = s.Batch, T = s.Steps, H = a.HiddenSize, D = a.OutputSize;
        bool relu = a.RnnActivation == RnnActivation.Relu;
        float[] dh = buf.Dh, dhPrev = buf.DhPrev;
        for (int step = T - 1; step >= 0; step--)
        {
            int t = reverse ? T - 1 - step : step;
            int n = s.Active[t];
            Span<float> dat = buf.DGates.AsSpan(t * B * H, B * H);
            RecurrentLayer.AddOutputGradient(dh, dy, t, n, B, H, D, yOffset);
            ReadOnlySpan<float> at = buf.Gates.AsSpan(t * B * H, B * H);
            for (int b = 0; b < n; b++) RnnKernels.BackwardRow(at.Slice(b * H, H), dh.AsSpan(b * H, H), dat.Slice(b * H, H), H, relu);
            RecurrentLayer.ClearInactive(dat, H, n, B);
            RecurrentLayer.HoldInactive(dhPrev, dh, n, B, H);
            if (n > 0) Sgemm.Multiply(false, false, n, H, H, dat, H, w.Whh, H, dhPrev, H, accumulate: false);
            (dh, dhPrev) = (dhPrev, dh);
        }
    }
}
