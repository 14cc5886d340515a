namespace Microsoft.ML.Recurrent;

/// <summary>A trained model with what scoring it needs: the engine predictor, the sequence encoder, the task and class names. Thread-safe.</summary>
internal sealed class SequenceScorer
{
    public SequenceScorer(RecurrentModel model, SequenceEncoder encoder, SequenceClassificationTask task, string featureColumnName, string[]? classNames,
        int? numberOfThreads = null, InferencePrecision precision = InferencePrecision.Float32)
    {
        Model = model; Encoder = encoder; Task = task; FeatureColumnName = featureColumnName; ClassNames = classNames;
        Predictor = model.CreatePredictor(new PredictorOptions { NumberOfThreads = numberOfThreads, Precision = precision });
        ClassCount = model.Architecture.NumberOfClasses;
    }

    public RecurrentModel Model { get; }
    public RecurrentPredictor Predictor { get; }
    public SequenceEncoder Encoder { get; }
    public SequenceClassificationTask Task { get; }
    public string FeatureColumnName { get; }
    public string[]? ClassNames { get; }
    public int ClassCount { get; }

    public BoundScorer Bind(Microsoft.ML.DataViewSchema input) => new(this, input);
}
