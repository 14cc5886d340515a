using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Data;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// Pooling over time of the top layer's output y [T, B, D] into p [B, D], forward and backward side by side.
/// "Last" reads the final states directly (forward direction: slot T, reverse direction: slot 0).
/// A sequence of length 0 pools to zeros.
/// </summary>
internal static class Pooling
{
    public static void Forward(SequencePooling pooling, ReadOnlySpan<float> y, ReadOnlySpan<float> finalForward, ReadOnlySpan<float> finalReverse,
        Span<float> p, Span<int> argMax, int hidden, int width, in SequenceShard s)
    {
        int B = s.Batch;
        for (int b = 0; b < B; b++)
        {
            Span<float> pb = p.Slice(b * width, width);
            int len = s.Lengths[b];
            switch (pooling)
            {
                case SequencePooling.Last:
                    finalForward.Slice(b * hidden, hidden).CopyTo(pb);
                    if (width > hidden) finalReverse.Slice(b * hidden, hidden).CopyTo(pb[hidden..]);
                    break;
                case SequencePooling.Mean:
                    pb.Clear();
                    for (int t = 0; t < len; t++) TensorPrimitives.Add(pb, y.Slice((t * B + b) * width, width), pb);
                    if (len > 0) TensorPrimitives.Multiply(pb, 1f / len, pb);
                    break;
                default:
                    Span<int> arg = argMax.Slice(b * width, width);
                    if (len == 0) { pb.Clear(); arg.Fill(-1); break; }
                    y.Slice(b * width, width).CopyTo(pb);
                    arg.Clear();
                    for (int t = 1; t < len; t++)
                    {
                        ReadOnlySpan<float> yt = y.Slice((t * B + b) * width, width);
                        // Strictly greater: ties keep the first step, so the gradient goes to exactly one step.
                        for (int j = 0; j < width; j++)
                            if (yt[j] > pb[j]) { pb[j] = yt[j]; arg[j] = t; }
                    }
                    break;
            }
        }
    }

    /// <summary>
    /// dp [B, D] → dy [T, B, D] (mean/max; cleared first) or, for "last", nothing: the caller feeds dp to the
    /// recurrent backward as the final-state gradient.
    /// </summary>
    public static void Backward(SequencePooling pooling, ReadOnlySpan<float> dp, ReadOnlySpan<int> argMax, Span<float> dy, int width, in SequenceShard s)
    {
        if (pooling == SequencePooling.Last) return;
        int B = s.Batch;
        dy.Slice(0, s.Steps * B * width).Clear();
        for (int b = 0; b < B; b++)
        {
            ReadOnlySpan<float> dpb = dp.Slice(b * width, width);
            int len = s.Lengths[b];
            if (len == 0) continue;
            if (pooling == SequencePooling.Mean)
            {
                for (int t = 0; t < len; t++) TensorPrimitives.Multiply(dpb, 1f / len, dy.Slice((t * B + b) * width, width));
            }
            else
            {
                ReadOnlySpan<int> arg = argMax.Slice(b * width, width);
                for (int j = 0; j < width; j++) dy[(arg[j] * B + b) * width + j] = dpb[j];
            }
        }
    }
}
