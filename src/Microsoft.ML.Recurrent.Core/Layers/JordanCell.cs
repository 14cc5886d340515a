using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The Jordan RNN's step, forward and backward side by side. The recurrence runs through the previous step's output
/// y (R values), a learned projection of the hidden state, instead of the hidden state itself:
/// <c>h_t = act(W_ih x_t + b_ih + W_hy y_{t-1} + b_hy)</c>, <c>y_t = W_yh h_t + b_yh</c>, y_0 = 0.
/// W_hy and b_hy sit in the weight_hh/bias_hh slots, so <see cref="RecurrentLayer"/> adds the input projection and both
/// input-side biases for all steps and takes dW_ih, db_ih, db_hy and dW_hy (against the y each step read) over all
/// steps. The layer's output sequence is h, as for the Elman cell. States by slot: h [T+1, B, H] in
/// <see cref="DirectionBuffers.Hs"/>, y [T+1, B, R] in <see cref="DirectionBuffers.Ys"/>.
/// </summary>
internal ref struct JordanCell(in DirectionWeights w, in DirectionGradients g, DirectionBuffers buf, int batch, int hidden, int outputSize, bool relu) : IRecurrentCell
{
    private readonly DirectionWeights _w = w;
    private readonly DirectionGradients _g = g;
    private float[] _dr = buf.DyRec, _drPrev = buf.DyRecPrev;   // dL/dy_t arriving from step t+1, and dL/dy_{t-1} going to t−1

    public readonly void Forward(int t, int n, int prev, int cur)
    {
        int B = batch, H = hidden, R = outputSize;
        Span<float> yPrev = buf.Ys.AsSpan(prev * B * R, B * R), yCur = buf.Ys.AsSpan(cur * B * R, B * R);
        Span<float> hCur = buf.Hs.AsSpan(cur * B * H, B * H), pre = buf.Gates.AsSpan(t * B * H, B * H);
        if (n > 0)
        {
            // pre[n, H] += y_{t-1}[n, R] · W_hyᵀ
            RecurrentLayer.HiddenProduct(n, 0, H, yPrev, _w, H, R, pre, H, accumulate: true);
            for (int b = 0; b < n; b++) Lanes.Run(new RnnKernels.Forward { Pre = pre.Slice(b * H, H), HNew = hCur.Slice(b * H, H), Hidden = H, Relu = relu });
            // y_t[n, R] = h_t[n, H] · W_yhᵀ + b_yh
            Sgemm.Multiply(false, true, n, R, H, hCur, H, _w.Wyh, H, yCur, R, accumulate: false);
            for (int b = 0; b < n; b++) TensorPrimitives.Add(yCur.Slice(b * R, R), _w.Byh, yCur.Slice(b * R, R));
        }
        yPrev[(n * R)..].CopyTo(yCur[(n * R)..]);   // rows that did not run keep y too
    }

    public void Backward(int t, int n, int prev, int cur, Span<float> dh, Span<float> dhPrev)
    {
        int B = batch, H = hidden, R = outputSize;
        ReadOnlySpan<float> hCur = buf.Hs.AsSpan(cur * B * H, B * H), act = buf.Gates.AsSpan(t * B * H, B * H);
        Span<float> dPre = buf.DGates.AsSpan(t * B * H, B * H);
        if (n > 0)
        {
            // y_t = W_yh h_t + b_yh: dW_yh[R, H] += dyᵀ · h_t, db_yh += Σ dy, dh_t += dy · W_yh.
            Sgemm.Multiply(true, false, R, H, n, _dr, R, hCur, H, _g.Wyh, H, accumulate: true);
            for (int b = 0; b < n; b++) TensorPrimitives.Add(_g.Byh, _dr.AsSpan(b * R, R), _g.Byh);
            Sgemm.Multiply(false, false, n, H, R, _dr, R, _w.Wyh, H, dh, H, accumulate: true);
            for (int b = 0; b < n; b++) Lanes.Run(new RnnKernels.Backward { Act = act.Slice(b * H, H), Dh = dh.Slice(b * H, H), DPre = dPre.Slice(b * H, H), Hidden = H, Relu = relu });
            // An active row's h_{t-1} reaches the loss only through y_{t-1} (and the output sequence, added at t−1).
            dhPrev[..(n * H)].Clear();
            // dy_{t-1}[n, R] = dPre[n, H] · W_hy[H, R]
            Sgemm.Multiply(false, false, n, R, H, dPre, H, _w.Whh, R, _drPrev, R, accumulate: false);
        }
        // Rows that did not run held y, so its gradient passes straight through.
        _dr.AsSpan(n * R, (B - n) * R).CopyTo(_drPrev.AsSpan(n * R));
        (_dr, _drPrev) = (_drPrev, _dr);
    }
}
