using Microsoft.ML.Recurrent.Data;

namespace Microsoft.ML.Recurrent.Layers;

internal sealed partial class RecurrentNetwork
{
    /// <summary>
    /// Backward pass of a regression head after <see cref="Forward"/> with training = true: the loss of ws.Logits
    /// (the outputs, [B, K] in standardised units) against <paramref name="targets"/> [B, K] (standardised), then the
    /// shared backward pass. Adds this shard's gradients to <paramref name="grads"/> and returns its share of the batch loss.
    /// </summary>
    public double BackwardRegression(Workspace ws, in SequenceShard input, Span<float> grads, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, float lossScale,
        RegressionLoss loss, float huberDelta, bool inputGradient = false)
    {
        var a = Architecture;
        if (a.Classification != ClassificationKind.Regression) throw new InvalidOperationException("The network has a classification head.");
        double value = RegressionHead.LossAndGradient(ws.Logits, targets, weights, lossScale, ws.DLogits, input.Batch, a.NumberOfOutputs, loss, huberDelta);
        BackwardFromHead(ws, input, grads, inputGradient);
        return value;
    }
}
