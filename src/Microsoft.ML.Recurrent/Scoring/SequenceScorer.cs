namespace Microsoft.ML.Recurrent;

/// <summary>A trained model with what scoring it needs: the engine predictor, the sequence encoder, the task and class names. Thread-safe.</summary>
internal sealed class SequenceScorer
{
    public SequenceScorer(RecurrentModel model, SequenceEncoder encoder, SequenceClassificationTask task, string featureColumnName, string[]? classNames,
        PredictorOptions options)
    {
        Model = model; Encoder = encoder; Task = task; FeatureColumnName = featureColumnName; ClassNames = classNames;
        Options = options;
        Predictor = model.CreatePredictor(options);
        ClassCount = model.Architecture.NumberOfClasses;
    }

    public RecurrentModel Model { get; }
    /// <summary>What the predictor was asked for (threads, precision): a transformer's With… methods change one and keep the rest.</summary>
    public PredictorOptions Options { get; }
    public RecurrentPredictor Predictor { get; }
    public SequenceEncoder Encoder { get; }
    public SequenceClassificationTask Task { get; }
    public string FeatureColumnName { get; }
    public string[]? ClassNames { get; }
    public int ClassCount { get; }

    public BoundScorer Bind(Microsoft.ML.DataViewSchema input) => new(this, input);
}
