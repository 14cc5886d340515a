namespace Microsoft.ML.Recurrent;

public sealed partial class RecurrentModel
{
    /// <summary>
    /// How a regression head's outputs map to the target's units (learned from the training set, saved with the
    /// model); null for a classifier.
    /// </summary>
    public TargetStandardization? TargetStandardization { get; }

    /// <summary>A copy of a regression model with another target standardisation (e.g. imported PyTorch weights trained on scaled targets).</summary>
    public RecurrentModel WithTargetStandardization(TargetStandardization standardization)
    {
        ArgumentNullException.ThrowIfNull(standardization);
        return new(Architecture, _parameters, Metadata, standardization);
    }

    /// <summary>The regression outputs of one dense sequence, in the target's units (convenience; allocates the result).</summary>
    public float[] PredictValues(ReadOnlySpan<float> features)
    {
        var v = new float[Architecture.LogitCount];
        _predictor.Value.PredictValues(features, v);
        return v;
    }

    /// <summary>The regression outputs of one token sequence, in the target's units (convenience; allocates the result).</summary>
    public float[] PredictValues(ReadOnlySpan<int> tokens)
    {
        var v = new float[Architecture.LogitCount];
        _predictor.Value.PredictValues(tokens, v);
        return v;
    }

    /// <summary>Error of a regression model over a dataset with targets, in the target's units (see <see cref="RegressionEvaluation"/>).</summary>
    public RegressionEvaluation EvaluateRegression(SequenceDataset data) => _predictor.Value.EvaluateRegression(data, RegressionLoss.SquaredError, 1f);

    internal RegressionEvaluation EvaluateRegression(SequenceDataset data, RegressionLoss loss, float huberDelta) => _predictor.Value.EvaluateRegression(data, loss, huberDelta);

    private static TargetStandardization? CheckStandardization(RecurrentArchitecture a, TargetStandardization? s)
    {
        if (a.Classification != ClassificationKind.Regression)
            return s is null ? null : throw new ArgumentException("Only a regression head has a target standardisation.", nameof(s));
        if (s is null) return TargetStandardization.Identity(a.NumberOfOutputs);
        if (s.Count != a.NumberOfOutputs)
            throw new ArgumentException($"The target standardisation has {s.Count} outputs; the architecture has {a.NumberOfOutputs}.", nameof(s));
        return s;
    }
}

/// <summary>Error of a regression model over a labelled dataset, weighted by the dataset's example weights.</summary>
/// <param name="Loss">Mean training loss (the loss the model was trained with, on standardised targets): what early stopping watches.</param>
/// <param name="MeanAbsoluteError">Mean |prediction − target| in the target's units, averaged over outputs.</param>
/// <param name="RootMeanSquaredError">√(mean (prediction − target)²) in the target's units, over all outputs.</param>
/// <param name="RSquared">1 − SSE / SST per the dataset's own target mean (pooled over outputs).</param>
/// <param name="Count">Sequences evaluated.</param>
public readonly record struct RegressionEvaluation(double Loss, double MeanAbsoluteError, double RootMeanSquaredError, double RSquared, int Count);
