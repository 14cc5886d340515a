namespace Microsoft.ML.Recurrent;

/// <summary>
/// Loss of a regression head (<see cref="ClassificationKind.Regression"/>), on the standardised target
/// (target minus its training-set mean, over its training-set standard deviation), averaged over outputs and examples.
/// </summary>
public enum RegressionLoss
{
    /// <summary>Squared error <c>e²</c> (PyTorch's <c>MSELoss</c>): the default; predicts the conditional mean.</summary>
    SquaredError = 0,
    /// <summary>
    /// Huber (PyTorch's <c>HuberLoss</c>): <c>½e²</c> for <c>|e| &lt; δ</c>, else <c>δ(|e| − ½δ)</c>, with
    /// δ = <see cref="TrainingOptions.HuberDelta"/>. Squared error near the target, absolute error for outliers.
    /// </summary>
    Huber = 1,
    /// <summary>Absolute error <c>|e|</c> (PyTorch's <c>L1Loss</c>): predicts the conditional median; robust to outliers.</summary>
    Absolute = 2,
}
