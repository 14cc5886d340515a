using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// LSTM step loops, forward and backward side by side. Per step: one GEMM for W_hh h over the active rows, then one
/// fused kernel pass per row (<see cref="LstmKernels"/>). Gates [T, B, 4H] arrive holding the input projection + biases.
/// </summary>
internal static class LstmLayer
{
    public static void Forward(RecurrentArchitecture a, in DirectionWeights w, DirectionBuffers buf, Span<float> y, int yOffset,
        in SequenceShard s, bool reverse)
    {
        int B = s.Batch, T = s.Steps, H = a.HiddenSize, gh = 4 * H, D = a.OutputSize;
        for (int step = 0; step < T; step++)
        {
            int t = reverse ? T - 1 - step : step;
            int n = s.Active[t];
            var (prev, cur) = RecurrentLayer.Slots(t, reverse);
            Span<float> hPrev = buf.Hs.AsSpan(prev * B * H, B * H), hCur = buf.Hs.AsSpan(cur * B * H, B * H);
            Span<float> cPrev = buf.Cs.AsSpan(prev * B * H, B * H), cCur = buf.Cs.AsSpan(cur * B * H, B * H);
            Span<float> gt = buf.Gates.AsSpan(t * B * gh, B * gh);
            Span<float> tanhC = buf.TanhC.AsSpan(t * B * H, B * H);
            if (n > 0)
            {
                // gates[n, 4H] += h_{t-1}[n, H] · W_hh^T
                RecurrentLayer.HiddenProduct(n, 0, gh, hPrev, w, gh, H, gt, gh, accumulate: true);
                for (int b = 0; b < n; b++)
                    LstmKernels.ForwardRow(gt.Slice(b * gh, gh), cPrev.Slice(b * H, H), w.Peep,
                        cCur.Slice(b * H, H), tanhC.Slice(b * H, H), hCur.Slice(b * H, H), H);
            }
            RecurrentLayer.HoldInactive(hCur, hPrev, n, B, H);
            RecurrentLayer.HoldInactive(cCur, cPrev, n, B, H);
            RecurrentLayer.EmitOutput(y, hCur, t, n, B, H, D, yOffset);
        }
    }

    public static void Backward(RecurrentArchitecture a, in DirectionWeights w, in DirectionGradients g, DirectionBuffers buf,
        ReadOnlySpan<float> dy, int yOffset, in SequenceShard s, bool reverse)
    {
        int B = s.Batch, T = s.Steps, H = a.HiddenSize, gh = 4 * H, D = a.OutputSize;
        float[] dh = buf.Dh, dhPrev = buf.DhPrev, dc = buf.Dc, dcPrev = buf.DcPrev;
        dc.AsSpan(0, B * H).Clear();
        // Walk the steps in the opposite order of the forward pass.
        for (int step = T - 1; step >= 0; step--)
        {
            int t = reverse ? T - 1 - step : step;
            int n = s.Active[t];
            var (prev, cur) = RecurrentLayer.Slots(t, reverse);
            Span<float> dgt = buf.DGates.AsSpan(t * B * gh, B * gh);
            RecurrentLayer.AddOutputGradient(dh, dy, t, n, B, H, D, yOffset);
            ReadOnlySpan<float> gt = buf.Gates.AsSpan(t * B * gh, B * gh);
            for (int b = 0; b < n; b++)
                LstmKernels.BackwardRow(gt.Slice(b * gh, gh), buf.Cs.AsSpan((prev * B + b) * H, H), buf.Cs.AsSpan((cur * B + b) * H, H),
                    buf.TanhC.AsSpan((t * B + b) * H, H), w.Peep, dh.AsSpan(b * H, H), dc.AsSpan(b * H, H),
                    dgt.Slice(b * gh, gh), dcPrev.AsSpan(b * H, H), g.Peep, H);
            RecurrentLayer.ClearInactive(dgt, gh, n, B);
            RecurrentLayer.HoldInactive(dcPrev, dc, n, B, H);
            RecurrentLayer.HoldInactive(dhPrev, dh, n, B, H);
            // dh_{t-1}[n, H] = dG[n, 4H] · W_hh[4H, H]
            if (n > 0) Sgemm.Multiply(false, false, n, H, gh, dgt, gh, w.Whh, H, dhPrev, H, accumulate: false);
            (dh, dhPrev) = (dhPrev, dh);
            (dc, dcPrev) = (dcPrev, dc);
        }
    }
}
