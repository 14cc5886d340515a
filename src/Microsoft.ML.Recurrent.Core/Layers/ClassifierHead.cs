using System.Numerics.Tensors;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// Dense head and loss, forward and backward side by side: logits [B, C] = p [B, D] · W^T + b, then softmax
/// cross-entropy (multiclass) or sigmoid binary cross-entropy (C = 1). The loss of a batch is
/// Σ w_b·ℓ_b / Σ w_b, so the loss scale passed in is 1/Σ w_b over the whole batch (all shards).
/// </summary>
internal static class ClassifierHead
{
    /// <summary>logits [B, C] = p · W^T + b.</summary>
    public static void Forward(ReadOnlySpan<float> p, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> logits, int batch, int width, int logitCount)
    {
        Sgemm.Multiply(false, true, batch, logitCount, width, p, width, weight, width, logits, logitCount, accumulate: false);
        for (int b = 0; b < batch; b++)
        {
            Span<float> row = logits.Slice(b * logitCount, logitCount);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>Class probabilities [B, classes] from logits; binary heads give [1−σ(z), σ(z)].</summary>
    public static void Probabilities(ReadOnlySpan<float> logits, Span<float> probs, int batch, ClassificationKind kind, int classes)
    {
        for (int b = 0; b < batch; b++)
        {
            if (kind == ClassificationKind.Binary)
            {
                float q = Sigmoid(logits[b]);
                probs[2 * b] = 1f - q;
                probs[2 * b + 1] = q;
            }
            else
            {
                SoftMax(logits.Slice(b * classes, classes), probs.Slice(b * classes, classes));
            }
        }
    }

    /// <summary>
    /// Loss (Σ w_b ℓ_b · lossScale) and dlogits [B, C] = dL/dlogits. labels [B], weights [B].
    /// </summary>
    public static double LossAndGradient(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, ReadOnlySpan<float> weights, float lossScale,
        Span<float> dlogits, int batch, ClassificationKind kind, int logitCount)
    {
        double loss = 0;
        for (int b = 0; b < batch; b++)
        {
            float scale = weights[b] * lossScale;
            if (kind == ClassificationKind.Binary)
            {
                float z = logits[b], y = labels[b];
                // Stable BCE with logits: max(z,0) − z·y + log(1 + e^{−|z|}).
                loss += scale * (MathF.Max(z, 0f) - z * y + MathF.Log(1f + MathF.Exp(-MathF.Abs(z))));
                dlogits[b] = scale * (Sigmoid(z) - y);
            }
            else
            {
                ReadOnlySpan<float> zb = logits.Slice(b * logitCount, logitCount);
                Span<float> db = dlogits.Slice(b * logitCount, logitCount);
                // log-softmax via the max shift, so large logits do not overflow.
                float max = TensorPrimitives.Max(zb);
                double sum = 0;
                for (int c = 0; c < logitCount; c++) sum += Math.Exp(zb[c] - max);
                float logZ = max + (float)Math.Log(sum);
                loss += scale * (logZ - zb[labels[b]]);
                for (int c = 0; c < logitCount; c++) db[c] = scale * MathF.Exp(zb[c] - logZ);
                db[labels[b]] -= scale;
            }
        }
        return loss;
    }

    /// <summary>Accumulates dW [C, D], db [C]; writes dp [B, D] = dlogits · W.</summary>
    public static void Backward(ReadOnlySpan<float> p, ReadOnlySpan<float> weight, ReadOnlySpan<float> dlogits, Span<float> dWeight, Span<float> dBias,
        Span<float> dp, int batch, int width, int logitCount)
    {
        Sgemm.Multiply(true, false, logitCount, width, batch, dlogits, logitCount, p, width, dWeight, width, accumulate: true);
        for (int b = 0; b < batch; b++) TensorPrimitives.Add(dBias, dlogits.Slice(b * logitCount, logitCount), dBias);
        Sgemm.Multiply(false, false, batch, width, logitCount, dlogits, logitCount, weight, width, dp, width, accumulate: false);
    }

    /// <summary>σ of one logit (the head's scalar, MathF's exp; the cell kernels use <see cref="VectorMath"/>).</summary>
    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>
    /// Softmax with the largest logit subtracted first, so every exponent is ≤ 0 and the sum is ≥ 1: finite
    /// probabilities for any finite logits (TensorPrimitives.SoftMax overflowed to NaN from a logit of ~88.7).
    /// </summary>
    private static void SoftMax(ReadOnlySpan<float> z, Span<float> p)
    {
        float max = z[0];
        for (int c = 1; c < z.Length; c++) max = MathF.Max(max, z[c]);
        double sum = 0;
        for (int c = 0; c < z.Length; c++)
        {
            p[c] = MathF.Exp(z[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < z.Length; c++) p[c] = (float)(p[c] / sum);
    }
}
