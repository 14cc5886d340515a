using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// Jordan RNN step loops, forward and backward side by side. The recurrence runs through the previous step's output
/// y (R values), a learned projection of the hidden state, instead of the hidden state itself:
/// <c>h_t = act(W_ih x_t + b_ih + W_hy y_{t-1} + b_hy)</c>, <c>y_t = W_yh h_t + b_yh</c>, y_0 = 0.
/// The input projection and both input-side biases are added for all steps at once by <see cref="RecurrentLayer"/>
/// (W_hy and b_hy sit in the weight_hh/bias_hh slots), which also takes dW_ih, db_ih, db_hy and dW_hy over all steps.
/// The layer's output sequence is h, as for the Elman cell. States: h in <see cref="DirectionBuffers.Hs"/>, y in
/// <see cref="DirectionBuffers.Ys"/> (both by slot, so finished rows hold their last values).
/// </summary>
internal static class JordanLayer
{
    public static void Forward(RecurrentArchitecture a, in DirectionWeights w, DirectionBuffers buf, Span<float> y, int yOffset,
        in SequenceShard s, bool reverse)
    {
        int B = s.Batch, T = s.Steps, H = a.HiddenSize, R = a.RecurrentSize, D = a.OutputSize;
        bool relu = a.RnnActivation == RnnActivation.Relu;
        for (int step = 0; step < T; step++)
        {
            int t = reverse ? T - 1 - step : step;
            int n = s.Active[t];
            var (prev, cur) = RecurrentLayer.Slots(t, reverse);
            Span<float> hPrev = buf.Hs.AsSpan(prev * B * H, B * H), hCur = buf.Hs.AsSpan(cur * B * H, B * H);
            Span<float> oPrev = buf.Ys.AsSpan(prev * B * R, B * R), oCur = buf.Ys.AsSpan(cur * B * R, B * R);
            Span<float> at = buf.Gates.AsSpan(t * B * H, B * H);
            if (n > 0)
            {
                // a[n, H] += y_{t-1}[n, R] · W_hyᵀ
                RecurrentLayer.HiddenProduct(n, 0, H, oPrev, w, H, R, at, H, accumulate: true);
                for (int b = 0; b < n; b++) RnnKernels.ForwardRow(at.Slice(b * H, H), hCur.Slice(b * H, H), H, relu);
                // y_t[n, R] = h_t[n, H] · W_yhᵀ + b_yh
                Sgemm.Multiply(false, true, n, R, H, hCur, H, w.Wyh, H, oCur, R, accumulate: false);
                for (int b = 0; b < n; b++) TensorPrimitives.Add(oCur.Slice(b * R, R), w.Byh, oCur.Slice(b * R, R));
            }
            RecurrentLayer.HoldInactive(hCur, hPrev, n, B, H);
            RecurrentLayer.HoldInactive(oCur, oPrev, n, B, R);
            RecurrentLayer.EmitOutput(y, hCur, t, n, B, H, D, yOffset);
        }
    }

    /// <summary>
    /// Backward through time. buf.Dh holds dL/dh of the last step on entry ("last" pooling) and dy the output sequence's
    /// gradient; leaves dL/da of every step in buf.DGates and accumulates dW_yh, db_yh.
    /// </summary>
    public static void Backward(RecurrentArchitecture a, in DirectionWeights w, in DirectionGradients g, DirectionBuffers buf,
        ReadOnlySpan<float> dy, int yOffset, in SequenceShard s, bool reverse)
    {
        int B = s.Batch, T = s.Steps, H = a.HiddenSize, R = a.RecurrentSize, D = a.OutputSize;
        bool relu = a.RnnActivation == RnnActivation.Relu;
        float[] dh = buf.Dh, dhPrev = buf.DhPrev, dr = buf.DyRec, drPrev = buf.DyRecPrev;
        dr.AsSpan(0, B * R).Clear();   // nothing reads the last step's y
        for (int step = T - 1; step >= 0; step--)
        {
            int t = reverse ? T - 1 - step : step;
            int n = s.Active[t];
            var (_, cur) = RecurrentLayer.Slots(t, reverse);
            ReadOnlySpan<float> hCur = buf.Hs.AsSpan(cur * B * H, B * H);
            ReadOnlySpan<float> at = buf.Gates.AsSpan(t * B * H, B * H);
            Span<float> dat = buf.DGates.AsSpan(t * B * H, B * H);
            RecurrentLayer.AddOutputGradient(dh, dy, t, n, B, H, D, yOffset);
            if (n > 0)
            {
                // y_t = W_yh h_t + b_yh: dW_yh[R, H] += dyᵀ · h_t, db_yh += Σ dy, dh_t += dy · W_yh.
                Sgemm.Multiply(true, false, R, H, n, dr, R, hCur, H, g.Wyh, H, accumulate: true);
                for (int b = 0; b < n; b++) TensorPrimitives.Add(g.Byh, dr.AsSpan(b * R, R), g.Byh);
                Sgemm.Multiply(false, false, n, H, R, dr, R, w.Wyh, H, dh, H, accumulate: true);
                for (int b = 0; b < n; b++) RnnKernels.BackwardRow(at.Slice(b * H, H), dh.AsSpan(b * H, H), dat.Slice(b * H, H), H, relu);
            }
            RecurrentLayer.ClearInactive(dat, H, n, B);
            // Finished rows held h and y, so their gradients pass through to the step that computed them; an active
            // row's h_{t-1} reaches the loss only through y_{t-1} (and the output sequence, added at step t-1).
            RecurrentLayer.HoldInactive(dhPrev, dh, n, B, H);
            dhPrev.AsSpan(0, n * H).Clear();
            RecurrentLayer.HoldInactive(drPrev, dr, n, B, R);
            // dy_{t-1}[n, R] = da_t[n, H] · W_hy[H, R]
            if (n > 0) Sgemm.Multiply(false, false, n, R, H, dat, H, w.Whh, R, drPrev, R, accumulate: false);
            (dh, dhPrev) = (dhPrev, dh);
            (dr, drPrev) = (drPrev, dr);
        }
    }
}
