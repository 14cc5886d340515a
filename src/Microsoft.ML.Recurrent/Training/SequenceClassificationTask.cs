namespace Microsoft.ML.Recurrent;

/// <summary>Which prediction columns a recurrent trainer produces.</summary>
public enum SequenceClassificationTask
{
    /// <summary>Decided at <c>Fit</c> time from the label column: Boolean → <see cref="Binary"/>, key → <see cref="Multiclass"/>.</summary>
    Auto = 0,
    /// <summary>Boolean label; adds <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c> (Boolean).</summary>
    Binary = 1,
    /// <summary>Key-typed label; adds <c>Score</c> (one probability per class) and <c>PredictedLabel</c> (the label's key type).</summary>
    Multiclass = 2,
    /// <summary>Single label (regression, <c>mlContext.Regression.Trainers</c>); adds <c>Score</c> (Single), the prediction in the label's units.</summary>
    Regression = 3,
}
