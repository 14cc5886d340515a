using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.MLNetInternals;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Base of the LSTM, GRU and RNN sequence classifier trainers: an <see cref="IEstimator{TTransformer}"/> that reads the
/// training <see cref="IDataView"/> once, trains the engine (<see cref="RecurrentTrainer"/>) and returns a
/// <see cref="RecurrentSequenceClassificationTransformer"/>.
/// </summary>
/// <remarks>
/// Training logs its progress to <see cref="MLContext.Log"/>, is deterministic for a given seed (the options' or the
/// <see cref="MLContext"/>'s) and thread count, and stops with <see cref="OperationCanceledException"/> when the
/// <see cref="MLContext"/>'s execution is canceled.
/// </remarks>
public abstract class RecurrentSequenceClassifierTrainer : IEstimator<RecurrentSequenceClassificationTransformer>
{
    private readonly IHostEnvironment _env;
    private readonly RecurrentSequenceClassifierOptions _options;

    private protected RecurrentSequenceClassifierTrainer(IHostEnvironment env, RecurrentSequenceClassifierOptions options, SequenceClassificationTask task)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(options);
        if (!Enum.IsDefined(task)) throw new ArgumentOutOfRangeException(nameof(task), task, "Expected a SequenceClassificationTask value.");
        options.Validate();
        _env = env;
        _options = options.Clone();
        Task = task;
    }

    /// <summary>Binary, multiclass, or decided from the label column's type at <c>Fit</c> time.</summary>
    public SequenceClassificationTask Task { get; }

    /// <summary>The recurrent cell trained.</summary>
    public abstract RecurrentCellType Cell { get; }

    /// <summary>Applies the cell-specific options to the architecture and training options.</summary>
    private protected abstract (RecurrentArchitecture, TrainingOptions) Configure(RecurrentArchitecture architecture, TrainingOptions training);

    /// <summary>Trains on <paramref name="input"/>.</summary>
    public RecurrentSequenceClassificationTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>
    /// Trains on <paramref name="trainData"/>; after each epoch the model is evaluated on <paramref name="validationData"/>
    /// (if given), which drives early stopping (<see cref="RecurrentSequenceClassifierOptions.EarlyStoppingPatience"/>):
    /// the returned model holds the weights of the epoch with the lowest validation loss.
    /// </summary>
    public RecurrentSequenceClassificationTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        var o = _options;
        var host = _env.Register(GetType().Name);
        var schema = trainData.Schema;
        var label = ColumnChecks.CheckLabel(schema, o.LabelColumnName, Task);
        var task = label.Type is BooleanDataViewType ? SequenceClassificationTask.Binary : SequenceClassificationTask.Multiclass;
        var weight = ColumnChecks.CheckWeight(schema, o.ExampleWeightColumnName);
        var featureColumn = schema.GetColumnOrNull(o.FeatureColumnName);
        var kind = featureColumn is { } fc ? ColumnChecks.KindOf(fc.Type) : null;

        using var ch = host.Start("Training");
        int featuresPerStep = kind == SequenceColumnKind.Float ? ResolveFeaturesPerStep(featureColumn!.Value, ch) : 0;
        var features = ColumnChecks.CheckSequence(schema, o.FeatureColumnName, null, Math.Max(1, featuresPerStep), out var inputKind);
        kind = inputKind;
        int maxSteps = o.MaxSequenceLength ?? (kind == SequenceColumnKind.Float ? 0 : RecurrentSequenceClassifierOptions.DefaultTokenSequenceLength);

        int classCount = 2;
        string[]? classNames = null;
        if (task == SequenceClassificationTask.Multiclass)
        {
            ulong count = ((KeyDataViewType)label.Type).Count;
            if (count > 1 << 16) throw new ArgumentOutOfRangeException(nameof(trainData), $"Label column '{label.Name}' has {count} classes; at most 65536 are supported.");
            classCount = (int)count;
            classNames = ColumnChecks.KeyValuesAsText(label);
            if (classNames is not null && classNames.Length != classCount) classNames = null;
        }

        void CheckAlive()
        {
            if (MLNetAccess.IsCanceled(host)) throw new OperationCanceledException("Operation was canceled.");
        }

        // Read the data (one cursor pass each).
        SequenceEncoder encoder;
        SequenceDataset train;
        TrainingData.Counts counts;
        if (kind == SequenceColumnKind.Text)
            train = TrainingData.ReadText(trainData, label, features, weight, task, maxSteps, o.MinimumTokenCount, o.MaximumVocabularySize, o.UnknownToken,
                CheckAlive, out encoder, out counts);
        else
        {
            encoder = kind == SequenceColumnKind.Key
                ? SequenceEncoder.ForKeys(((KeyDataViewType)((VectorDataViewType)features.Type).ItemType).Count, maxSteps)
                : SequenceEncoder.ForFloats(featuresPerStep, maxSteps);
            train = TrainingData.Read(trainData, label, features, weight, task, encoder, CheckAlive, out counts);
        }
        ch.Info(counts.Describe("Training data"));
        if (counts.Rows != counts.Used) ch.Warning(counts.Describe("Training data"));
        if (train.Count == 0) throw new InvalidOperationException($"No usable training rows: {counts.Describe("training data")}");
        if (kind == SequenceColumnKind.Text) ch.Info($"Vocabulary: {encoder.VocabularySize - 2} tokens seen at least {o.MinimumTokenCount} times (ids 2..), plus padding (0) and '{o.UnknownToken}' (1).");

        SequenceDataset? validation = null;
        if (validationData is not null)
        {
            var vs = validationData.Schema;
            var vLabel = ColumnChecks.CheckLabel(vs, o.LabelColumnName, task);
            var vFeatures = ColumnChecks.CheckSequence(vs, o.FeatureColumnName, kind, Math.Max(1, featuresPerStep), out _);
            var vWeight = ColumnChecks.CheckWeight(vs, o.ExampleWeightColumnName);
            validation = TrainingData.Read(validationData, vLabel, vFeatures, vWeight, task, encoder, CheckAlive, out var vCounts);
            ch.Info(vCounts.Describe("Validation data"));
            if (validation.Count == 0) validation = null;
        }

        var architecture = new RecurrentArchitecture
        {
            Cell = Cell,
            InputKind = kind == SequenceColumnKind.Float ? SequenceInputKind.Features : SequenceInputKind.Tokens,
            VocabularySize = kind == SequenceColumnKind.Float ? 0 : encoder.VocabularySize,
            EmbeddingSize = o.EmbeddingSize,
            FeaturesPerStep = featuresPerStep,
            HiddenSize = o.HiddenSize,
            NumberOfLayers = o.NumberOfLayers,
            Bidirectional = o.Bidirectional,
            Dropout = o.Dropout,
            Pooling = o.Pooling,
            Classification = task == SequenceClassificationTask.Binary ? ClassificationKind.Binary : ClassificationKind.Multiclass,
            NumberOfClasses = classCount,
        };
        int seed = o.Seed ?? MLNetAccess.GetSeed(_env) ?? Random.Shared.Next();
        var training = new TrainingOptions
        {
            Epochs = o.NumberOfEpochs,
            BatchSize = o.BatchSize,
            LearningRate = o.LearningRate,
            GradientClipNorm = o.GradientClipNorm,
            WeightDecay = o.WeightDecay,
            EarlyStoppingPatience = validation is null ? 0 : o.EarlyStoppingPatience,
            Seed = seed,
            NumberOfThreads = o.NumberOfThreads,
        };
        (architecture, training) = Configure(architecture, training);
        ch.Info($"Training a {(architecture.Bidirectional ? "bidirectional " : "")}{architecture.Cell} ({architecture.NumberOfLayers} × {architecture.HiddenSize}) " +
            $"{task.ToString().ToLowerInvariant()} classifier on {train.Count} sequences for {training.Epochs} epochs (seed {seed}).");

        TrainingResult result;
        // MLContext.CancelExecution() only sets a flag on the environment's hosts: poll it (here and in progress reports).
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(o.CancellationToken))
        using (var timer = new Timer(_ => PollCancellation(host, cts), null, 100, 100))
        {
            try
            {
                result = RecurrentTrainer.Train(architecture, training, train, validation, new ChannelProgress(ch, host, cts, o.Progress), cts.Token);
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                ch.Info("Training canceled.");
                throw new OperationCanceledException("Operation was canceled.");
            }
        }
        if (validation is not null && training.EarlyStoppingPatience > 0)
            ch.Info($"Keeping the weights of epoch {result.BestEpoch} (lowest validation loss).");

        var model = result.Model.WithMetadata(ModelMetadata.Describe(task, inputKind, o.FeatureColumnName, encoder, classNames));
        return new RecurrentSequenceClassificationTransformer(_env, model, encoder, task, o.FeatureColumnName, classNames, result.History);
    }

    private static void PollCancellation(IHost host, CancellationTokenSource cts)
    {
        try
        {
            if (MLNetAccess.IsCanceled(host)) cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A tick that raced with the end of training.
        }
    }

    private int ResolveFeaturesPerStep(DataViewSchema.Column column, IChannel ch)
    {
        if (_options.FeaturesPerStep is { } f) return f;
        int size = ((VectorDataViewType)column.Type).Size;
        int root = (int)Math.Round(Math.Sqrt(size));
        if (size > 1 && root * root == size)
        {
            ch.Info($"FeaturesPerStep not set: reading the {size} values of '{column.Name}' as an image, {root} steps of {root} values (row by row). Set FeaturesPerStep to choose.");
            return root;
        }
        ch.Info($"FeaturesPerStep not set: reading '{column.Name}' as one value per step. Set FeaturesPerStep to choose.");
        return 1;
    }

    /// <summary>The input columns plus the prediction columns this trainer's transformer adds; validates the label, feature and weight columns.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var task = ColumnChecks.CheckLabel(inputSchema, _options.LabelColumnName, Task, out var label);
        ColumnChecks.CheckSequence(inputSchema, _options.FeatureColumnName, 1);
        ColumnChecks.CheckWeight(inputSchema, _options.ExampleWeightColumnName);
        var columns = inputSchema.ToDictionary(c => c.Name);
        foreach (var c in PredictionColumns.Shape(task, label)) columns[c.Name] = c;
        return new SchemaShape(columns.Values);
    }

    /// <summary>Forwards engine progress to the ML.NET channel (→ <see cref="MLContext.Log"/>) and the user's sink, and watches for cancellation.</summary>
    private sealed class ChannelProgress(IChannel ch, IHost host, CancellationTokenSource cts, IProgress<TrainingProgress>? user) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            PollCancellation(host, cts);
            user?.Report(p);
            if (p.EpochCompleted)
            {
                string validation = p.ValidationLoss is { } vl ? $", validation loss {vl:F4}, validation accuracy {p.ValidationAccuracy:P2}" : "";
                ch.Info($"Epoch {p.Epoch}/{p.Epochs}: training loss {p.Loss:F4}{validation} ({p.SequencesPerSecond:F0} sequences/s).");
            }
            else
                ch.Trace($"Epoch {p.Epoch}/{p.Epochs}, step {p.Step}/{p.TotalSteps}: loss {p.Loss:F4}, learning rate {p.LearningRate:G3}.");
        }
    }
}

/// <summary>Metadata stored in the engine model, so an exported <see cref="RecurrentModel"/> is self-describing.</summary>
internal static class ModelMetadata
{
    public static Dictionary<string, string> Describe(SequenceClassificationTask task, SequenceColumnKind kind, string featureColumn, SequenceEncoder encoder, string[]? classNames)
    {
        var m = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["mlnet.task"] = task.ToString(),
            ["mlnet.inputKind"] = kind.ToString(),
            ["mlnet.featureColumn"] = featureColumn,
            ["mlnet.maxSequenceLength"] = encoder.MaxSteps.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (encoder.Vocabulary is { } v) m["mlnet.vocabulary"] = System.Text.Json.JsonSerializer.Serialize(v);
        if (kind == SequenceColumnKind.Key) m["mlnet.keyCount"] = encoder.KeyCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (classNames is not null) m["mlnet.classNames"] = System.Text.Json.JsonSerializer.Serialize(classNames);
        return m;
    }
}
