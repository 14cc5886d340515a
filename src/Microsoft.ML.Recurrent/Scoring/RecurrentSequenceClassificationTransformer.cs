using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// A fitted LSTM/GRU/RNN sequence classifier in an ML.NET pipeline. Appends ML.NET's standard prediction columns:
/// binary — <c>Score</c> (the logit), <c>Probability</c>, <c>PredictedLabel</c> (Boolean); multiclass — <c>Score</c>
/// (one probability per class, slot names = the label's key values) and <c>PredictedLabel</c> (key type with the
/// label's key values). <see cref="Transform"/> is lazy and scores rows in mini-batches as a cursor moves; the
/// transformer is a row-to-row mapper (so <c>CreatePredictionEngine</c> works) and saves with
/// <c>mlContext.Model.Save</c> like any ML.NET transformer.
/// </summary>
/// <remarks>
/// A row whose float sequence holds NaN or ±∞, or whose length is not a multiple of <see cref="FeaturesPerStep"/>, is
/// kept but not scored: its <c>Score</c> and <c>Probability</c> are NaN and its <c>PredictedLabel</c> false (binary) or
/// missing, key 0 (multiclass). Each cursor that met such rows logs one warning with their count on
/// <see cref="MLContext.Log"/> (a prediction engine logs the first one); ML.NET's evaluators skip rows with a NaN score.
/// Loading a saved model that is corrupted fails at load time with an <see cref="System.IO.InvalidDataException"/>
/// (inside ML.NET's <see cref="System.Reflection.TargetInvocationException"/>).
/// </remarks>
public sealed class RecurrentSequenceClassificationTransformer : ITransformer
{
    private readonly SequenceScorer _scorer;

    internal RecurrentSequenceClassificationTransformer(IHostEnvironment env, RecurrentModel model, SequenceEncoder encoder,
        SequenceClassificationTask task, string featureColumnName, string[]? classNames, IReadOnlyList<EpochSummary>? history,
        PredictorOptions? scoring = null)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (task is not (SequenceClassificationTask.Binary or SequenceClassificationTask.Multiclass or SequenceClassificationTask.Regression))
            throw new ArgumentOutOfRangeException(nameof(task), task, "Expected Binary, Multiclass or Regression.");
        var head = task switch { SequenceClassificationTask.Binary => ClassificationKind.Binary, SequenceClassificationTask.Regression => ClassificationKind.Regression, _ => ClassificationKind.Multiclass };
        if (model.Architecture.Classification != head)
            throw new ArgumentException($"A {task} transformer needs a model with a {head} head; this one has {model.Architecture.Classification}.", nameof(model));
        if (scoring?.NumberOfThreads is <= 0) throw new ArgumentOutOfRangeException(nameof(scoring), scoring.NumberOfThreads, "NumberOfThreads: expected null (every core) or > 0.");
        if (classNames is not null && classNames.Length != model.Architecture.NumberOfClasses)
            throw new ArgumentException($"{classNames.Length} class names for {model.Architecture.NumberOfClasses} classes.", nameof(classNames));
        Host = env.Register(nameof(RecurrentSequenceClassificationTransformer));
        _scorer = new SequenceScorer(model, encoder, task, featureColumnName, classNames, scoring ?? new PredictorOptions());
        TrainingHistory = history ?? [];
        _env = env;
    }

    private readonly IHostEnvironment _env;

    /// <summary>
    /// Threads <see cref="Transform"/>'s cursors score each mini-batch of rows on (the calling thread included): the
    /// trainer's <c>NumberOfThreads</c> for a fitted transformer, every core for a loaded one. Scores do not depend on
    /// it. A prediction engine scores one row at a time on its calling thread.
    /// </summary>
    public int NumberOfThreads => _scorer.Predictor.NumberOfThreads;

    /// <summary>
    /// The same fitted model scoring on <paramref name="numberOfThreads"/> threads (null = every core); see
    /// <see cref="NumberOfThreads"/>. Use it on a loaded model to choose how many cores its <see cref="Transform"/> uses.
    /// </summary>
    public RecurrentSequenceClassificationTransformer WithNumberOfThreads(int? numberOfThreads)
        => With(_scorer.Options with { NumberOfThreads = numberOfThreads });

    /// <summary>The same fitted model scoring with other predictor options (the others kept); nothing of them is saved.</summary>
    private RecurrentSequenceClassificationTransformer With(PredictorOptions scoring)
        => new(_env, _scorer.Model, _scorer.Encoder, _scorer.Task, _scorer.FeatureColumnName, _scorer.ClassNames, TrainingHistory, scoring);

    /// <summary>
    /// Threads one row uses when this transformer scores rows one at a time (prediction engines): 1, or 2 after
    /// <see cref="WithSingleSequenceThreads"/> for an fp32 LSTM, GRU (reset-after) or Elman RNN model.
    /// </summary>
    public int SingleSequenceThreads => _scorer.Predictor.SingleSequenceThreads;

    /// <summary>
    /// The same fitted model scoring a single row on <paramref name="threads"/> threads (1 or 2): with 2, each recurrent
    /// layer's hidden units are split between the calling thread and a helper thread that spins briefly between calls,
    /// which lowers a prediction engine's latency when a second core is free (see
    /// <see cref="PredictorOptions.SingleSequenceThreads"/>). Scores are bit-identical to one thread. Not saved with the
    /// model. Keeps <see cref="NumberOfThreads"/> and <see cref="Precision"/>.
    /// </summary>
    public RecurrentSequenceClassificationTransformer WithSingleSequenceThreads(int threads)
    {
        if (threads is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Expected 1 or 2.");
        return With(_scorer.Options with { SingleSequenceThreads = threads });
    }

    /// <summary>
    /// Arithmetic of the recurrent products when this transformer scores (<see cref="Transform"/> and prediction
    /// engines made from it): <see cref="InferencePrecision.Float32"/> unless <see cref="WithPrecision"/> chose otherwise.
    /// </summary>
    public InferencePrecision Precision => _scorer.Predictor.Precision;

    /// <summary>
    /// The same fitted model scoring with <paramref name="precision"/>, e.g. <see cref="InferencePrecision.Int8"/>: faster,
    /// with scores that differ from fp32 within the bound that value documents. Opt-in and a property of the returned
    /// transformer only: <c>mlContext.Model.Save</c> saves the model, not the precision (a loaded model scores in fp32
    /// until asked again). Keeps <see cref="NumberOfThreads"/> and <see cref="SingleSequenceThreads"/>.
    /// </summary>
    public RecurrentSequenceClassificationTransformer WithPrecision(InferencePrecision precision)
    {
        if (precision is not (InferencePrecision.Float32 or InferencePrecision.Int8))
            throw new ArgumentOutOfRangeException(nameof(precision), precision, "Expected InferencePrecision.Float32 or Int8.");
        return With(_scorer.Options with { Precision = precision });
    }

    internal IHost Host { get; }

    internal SequenceScorer Scorer => _scorer;

    /// <summary>The trained engine model: architecture, weights (PyTorch names) and metadata (vocabulary, classes), for inspection and export.</summary>
    public RecurrentModel Model => _scorer.Model;

    /// <summary><see cref="SequenceClassificationTask.Binary"/> or <see cref="SequenceClassificationTask.Multiclass"/>.</summary>
    public SequenceClassificationTask Task => _scorer.Task;

    /// <summary>The sequence column read.</summary>
    public string FeatureColumnName => _scorer.FeatureColumnName;

    /// <summary>What the sequence column held when training.</summary>
    public SequenceColumnKind InputKind => _scorer.Encoder.Kind;

    /// <summary>Text inputs: the token of each id (0 = padding, 1 = the unknown token, then by descending training frequency); otherwise empty.</summary>
    public IReadOnlyList<string> Vocabulary => _scorer.Encoder.Vocabulary ?? [];

    /// <summary>Float inputs: values per step; otherwise 0.</summary>
    public int FeaturesPerStep => _scorer.Encoder.FeaturesPerStep;

    /// <summary>Longest sequence read, in steps (longer ones keep their first steps); 0 = no limit.</summary>
    public int MaxSequenceLength => _scorer.Encoder.MaxSteps;

    /// <summary>Multiclass: the class names (the label's key values as text), in key order; null if the label had none.</summary>
    public IReadOnlyList<string>? ClassNames => _scorer.ClassNames;

    /// <summary>Per-epoch losses of the training run (empty for a loaded model).</summary>
    public IReadOnlyList<EpochSummary> TrainingHistory { get; }

    /// <summary>Always true: each row is scored from its own columns.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the prediction columns; throws if the feature column is missing or of the wrong type.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return _scorer.Bind(inputSchema).OutputSchema;
    }

    /// <summary>A lazy view adding the prediction columns; rows are scored in mini-batches as a cursor moves.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var bound = _scorer.Bind(input.Schema);
        // Wrapped so that mlContext.Model.ConvertToOnnx sees this step (MLNetInternals/OnnxExportableView.cs).
        return MLNetInternals.OnnxExportableView.Wrap(new ScoredDataView(input, bound, Host), input, bound);
    }

    /// <summary>A row-to-row mapper for <paramref name="inputSchema"/> (used by prediction engines).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new SequenceRowMapper(_scorer.Bind(inputSchema), Host);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => MLNetInternals.ModelPersistence.Save(this, ctx);
}
