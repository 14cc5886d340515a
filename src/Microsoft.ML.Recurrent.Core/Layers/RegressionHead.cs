namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// Loss of the regression head. The dense layer itself is <see cref="ClassifierHead.Forward"/> /
/// <see cref="ClassifierHead.Backward"/> (outputs [B, K] = p · W^T + b, no activation); this is what follows it:
/// the loss of the outputs z [B, K] against standardised targets t [B, K] and dL/dz.
/// The loss of a batch is Σ_b w_b · (1/K) Σ_k ℓ(z_bk − t_bk) / Σ_b w_b, so with unit weights it is PyTorch's
/// <c>reduction="mean"</c> over all B·K elements, and the loss scale passed in is 1/Σ w_b over the whole batch.
/// </summary>
internal static class RegressionHead
{
    /// <summary>Loss (Σ w_b ℓ_b · lossScale) and doutputs [B, K]. targets [B, K], weights [B].</summary>
    public static double LossAndGradient(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, ReadOnlySpan<float> weights, float lossScale,
        Span<float> doutputs, int batch, int outputCount, RegressionLoss kind, float huberDelta)
    {
        double loss = 0;
        for (int b = 0; b < batch; b++)
        {
            float scale = weights[b] * lossScale / outputCount;
            for (int k = 0; k < outputCount; k++)
            {
                int i = b * outputCount + k;
                float e = outputs[i] - targets[i];
                var (l, g) = Element(e, kind, huberDelta);
                loss += scale * l;
                doutputs[i] = scale * g;
            }
        }
        return loss;
    }

    /// <summary>ℓ(e) and dℓ/de of one residual e = prediction − target.</summary>
    public static (double Loss, float Gradient) Element(float e, RegressionLoss kind, float huberDelta)
    {
        switch (kind)
        {
            case RegressionLoss.Huber:
                // PyTorch's huber_loss: ½e² inside |e| < δ, δ(|e| − ½δ) outside; the gradient is e clipped to ±δ.
                float a = MathF.Abs(e);
                return a < huberDelta ? (0.5 * e * e, e) : (huberDelta * (a - 0.5 * huberDelta), MathF.CopySign(huberDelta, e));
            case RegressionLoss.Absolute:
                // |e|, subgradient sign(e) with sign(0) = 0 as torch.sign.
                return (MathF.Abs(e), e > 0 ? 1f : e < 0 ? -1f : 0f);
            default:
                return ((double)e * e, 2f * e);
        }
    }
}
