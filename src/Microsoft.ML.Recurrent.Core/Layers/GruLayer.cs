using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// GRU step loops, forward and backward side by side, in both forms (<see cref="GruResetMode"/>).
/// Gates [T, B, 3H] arrive holding the input projection + biases (reset-after leaves b_hn out: it is added to Aux).
/// </summary>
internal static class GruLayer
{
    public static void Forward(RecurrentArchitecture a, in DirectionWeights w, DirectionBuffers buf, Span<float> y, int yOffset,
        in SequenceShard s, bool reverse)
    {
        int B = s.Batch, T = s.Steps, H = a.HiddenSize, gh = 3 * H, D = a.OutputSize;
        bool after = a.GruReset == GruResetMode.AfterRecurrentProduct;
        ReadOnlySpan<float> bhn = w.Bhh.Slice(2 * H, H);
        Span<float> proj = buf.Step.AsSpan(0, B * gh);
        for (int step = 0; step < T; step++)
        {
            int t = reverse ? T - 1 - step : step;
            int n = s.Active[t];
            var (prev, cur) = RecurrentLayer.Slots(t, reverse);
            Span<float> hPrev = buf.Hs.AsSpan(prev * B * H, B * H), hCur = buf.Hs.AsSpan(cur * B * H, B * H);
            Span<float> gt = buf.Gates.AsSpan(t * B * gh, B * gh);
            Span<float> aux = buf.Aux.AsSpan(t * B * H, B * H);
            if (n > 0 && after)
            {
                // proj[n, 3H] = h_{t-1} · W_hh^T; r,z parts join the gates, the n part (+ b_hn) is kept for r∘(.)
                RecurrentLayer.HiddenProduct(n, 0, gh, hPrev, w, gh, H, proj, gh, accumulate: false);
                for (int b = 0; b < n; b++)
                {
                    Span<float> g = gt.Slice(b * gh, gh), p = proj.Slice(b * gh, gh), hn = aux.Slice(b * H, H);
                    TensorPrimitives.Add(g[..(2 * H)], p[..(2 * H)], g[..(2 * H)]);
                    TensorPrimitives.Add(p.Slice(2 * H, H), bhn, hn);
                    GruKernels.ForwardResetAfterRow(g, hn, hPrev.Slice(b * H, H), hCur.Slice(b * H, H), H);
                }
            }
            else if (n > 0)
            {
                // gates[n, r|z] += h_{t-1} · W_h(r|z)^T; then rh = r∘h; gates[n, n] += rh · W_hn^T
                RecurrentLayer.HiddenProduct(n, 0, 2 * H, hPrev, w, gh, H, gt, gh, accumulate: true);
                for (int b = 0; b < n; b++) GruKernels.ResetGatesRow(gt.Slice(b * gh, gh), hPrev.Slice(b * H, H), aux.Slice(b * H, H), H);
                RecurrentLayer.HiddenProduct(n, 2 * H, H, aux, w, gh, H, gt[(2 * H)..], gh, accumulate: true);
                for (int b = 0; b < n; b++) GruKernels.CandidateRow(gt.Slice(b * gh, gh), hPrev.Slice(b * H, H), hCur.Slice(b * H, H), H);
            }
            // Aux rows of inactive steps are read by the W_hh gradient GEMM (reset-before) with zero gradient; keep them finite.
            aux.Slice(n * H).Clear();
            RecurrentLayer.HoldInactive(hCur, hPrev, n, B, H);
            RecurrentLayer.EmitOutput(y, hCur, t, n, B, H, D, yOffset);
        }
    }

    public static void Backward(RecurrentArchitecture a, in DirectionWeights w, in DirectionGradients g, DirectionBuffers buf,
        ReadOnlySpan<float> dy, int yOffset, in SequenceShard s, bool reverse)
    {
        int B = s.Batch, T = s.Steps, H = a.HiddenSize, gh = 3 * H, D = a.OutputSize;
        bool after = a.GruReset == GruResetMode.AfterRecurrentProduct;
        float[] dh = buf.Dh, dhPrev = buf.DhPrev;
        Span<float> drh = buf.Step.AsSpan(0, B * H);
        for (int step = T - 1; step >= 0; step--)
        {
            int t = reverse ? T - 1 - step : step;
            int n = s.Active[t];
            var (prev, _) = RecurrentLayer.Slots(t, reverse);
            ReadOnlySpan<float> hPrev = buf.Hs.AsSpan(prev * B * H, B * H);
            ReadOnlySpan<float> gt = buf.Gates.AsSpan(t * B * gh, B * gh);
            ReadOnlySpan<float> aux = buf.Aux.AsSpan(t * B * H, B * H);
            Span<float> dgt = buf.DGates.AsSpan(t * B * gh, B * gh);
            RecurrentLayer.AddOutputGradient(dh, dy, t, n, B, H, D, yOffset);
            RecurrentLayer.HoldInactive(dhPrev, dh, n, B, H);
            if (after)
            {
                Span<float> dgh = buf.DGatesH.AsSpan(t * B * gh, B * gh);
                for (int b = 0; b < n; b++)
                    GruKernels.BackwardResetAfterRow(gt.Slice(b * gh, gh), aux.Slice(b * H, H), hPrev.Slice(b * H, H), dh.AsSpan(b * H, H),
                        dgt.Slice(b * gh, gh), dgh.Slice(b * gh, gh), dhPrev.AsSpan(b * H, H), H);
                RecurrentLayer.ClearInactive(dgt, gh, n, B);
                RecurrentLayer.ClearInactive(dgh, gh, n, B);
                // dh_{t-1}[n, H] += dGh[n, 3H] · W_hh[3H, H]
                if (n > 0) Sgemm.Multiply(false, false, n, H, gh, dgh, gh, w.Whh, H, dhPrev, H, accumulate: true);
            }
            else
            {
                for (int b = 0; b < n; b++)
                    GruKernels.CandidateBackwardRow(gt.Slice(b * gh, gh), hPrev.Slice(b * H, H), dh.AsSpan(b * H, H), dgt.Slice(b * gh, gh), dhPrev.AsSpan(b * H, H), H);
                if (n > 0)
                {
                    // d(r∘h)[n, H] = dA_n[n, H] · W_hn[H, H]
                    Sgemm.Multiply(false, false, n, H, H, dgt[(2 * H)..], gh, w.Whh[(2 * H * H)..], H, drh, H, accumulate: false);
                    for (int b = 0; b < n; b++)
                        GruKernels.ResetBackwardRow(gt.Slice(b * gh, gh), hPrev.Slice(b * H, H), drh.Slice(b * H, H), dgt.Slice(b * gh, gh), dhPrev.AsSpan(b * H, H), H);
                    // dh_{t-1}[n, H] += dA_{r|z}[n, 2H] · W_h(r|z)[2H, H]
                    Sgemm.Multiply(false, false, n, H, 2 * H, dgt, gh, w.Whh, H, dhPrev, H, accumulate: true);
                }
                RecurrentLayer.ClearInactive(dgt, gh, n, B);
            }
            (dh, dhPrev) = (dhPrev, dh);
        }
    }
}
