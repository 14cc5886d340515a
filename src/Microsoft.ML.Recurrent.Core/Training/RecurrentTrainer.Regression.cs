namespace Microsoft.ML.Recurrent;

public static partial class RecurrentTrainer
{
    /// <summary>A regression head needs a dataset with targets, as many per sequence as the head has outputs, and no class weights.</summary>
    private static void CheckRegressionData(RecurrentArchitecture a, SequenceDataset data, string name)
    {
        if (a.Classification != ClassificationKind.Regression)
            throw new ArgumentException($"The {name} set holds regression targets; the architecture has a {a.Classification} head. Use ClassificationKind.Regression.", name);
        if (data.Targets is null)
            throw new ArgumentException($"The {name} set holds class labels; a regression head needs targets (SequenceDataset.ForRegression).", name);
        if (data.TargetCount != a.NumberOfOutputs)
            throw new ArgumentException($"The {name} set has {data.TargetCount} targets per sequence; the architecture has NumberOfOutputs = {a.NumberOfOutputs}.", name);
    }

    /// <summary>The validation loss (the training loss, on standardised targets) of the live parameters, for early stopping.</summary>
    private static ModelEvaluation EvaluateRegression(RecurrentArchitecture a, TrainingOptions o, float[] parameters, TargetStandardization targets, SequenceDataset validation)
    {
        var e = new RecurrentModel(a, parameters, targetStandardization: targets).EvaluateRegression(validation, o.RegressionLoss, o.HuberDelta);
        return new ModelEvaluation(e.Loss, double.NaN, e.Count);
    }
}
