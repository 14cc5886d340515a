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
/// Training logs its progress to <see cref="MLContext.Log"/> and ML.NET's progress channel, is deterministic for a given seed (the options' or the
/// <see cref="MLContext"/>'s) and thread count, and stops with <see cref="OperationCanceledException"/> when the
/// <see cref="MLContext"/>'s execution is canceled. Training data whose usable rows all carry one class is rejected
/// with <see cref="InvalidOperationException"/> naming the label column and the class (a classifier cannot learn from it).
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
    /// (if given; it takes the place of <see cref="RecurrentSequenceClassifierOptions.ValidationSet"/> and
    /// <see cref="RecurrentSequenceClassifierOptions.ValidationSetFraction"/>), which drives early stopping
    /// (<see cref="RecurrentSequenceClassifierOptions.EarlyStoppingPatience"/>): the returned model holds the weights of
    /// the epoch with the lowest validation loss. <paramref name="validationData"/> must have the trainer's input
    /// columns, i.e. be transformed like <paramref name="trainData"/>.
    /// </summary>
    public RecurrentSequenceClassificationTransformer Fit(IDataView trainData, IDataView? validationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        var o = _options;
        var host = _env.Register(GetType().Name);
        using var ch = host.Start("Training");
        using var monitor = new TrainingMonitor(ch, host, o.Progress, o.CancellationToken);
        var columns = ResolveColumns(trainData.Schema, ch);
        WarnAboutIneffectiveOptions(ch);
        int seed = o.Seed ?? MLNetAccess.GetSeed(_env) ?? Random.Shared.Next();
        var validationView = validationData ?? o.ValidationSet;
        if (validationView is not null && o.ValidationSetFraction > 0)
            ch.Warning(MessageSensitivity.None, $"ValidationSetFraction = {o.ValidationSetFraction} is ignored: validation rows were given ({(validationData is null ? "Options.ValidationSet" : "Fit's validationData")}).");
        var split = validationView is null && o.ValidationSetFraction > 0 ? new ValidationSplit(o.ValidationSetFraction, seed) : null;
        var (train, heldOut, encoder) = ReadTrainingData(trainData, columns, split, monitor, ch);
        var validation = validationView is null ? heldOut : ReadValidationData(validationView, columns, encoder, monitor, ch);
        if (validation is { Count: 0 })
        {
            ch.Warning(MessageSensitivity.None, "No usable validation rows: training without validation (no validation metrics, no early stopping).");
            validation = null;
        }
        var (architecture, training) = Configure(BuildArchitecture(columns, encoder), BuildTrainingOptions(seed, validation is not null, columns));
        ch.Info(MessageSensitivity.None, $"Training a {(architecture.Bidirectional ? "bidirectional " : "")}{architecture.Cell} ({architecture.NumberOfLayers} × {architecture.HiddenSize}) " +
            $"{columns.Task.ToString().ToLowerInvariant()} classifier on {train.Count} sequences for {training.Epochs} epochs in batches of {training.BatchSize} (seed {training.Seed}, " +
            $"{training.Optimizer}, learning rate {training.LearningRate:G3}{(training.Schedule == LearningRateSchedule.Constant ? "" : $" with {training.Schedule} schedule, {training.WarmupSteps} warm-up steps")}).");
        var result = RunEngine(architecture, training, train, validation, monitor, ch);
        if (validation is not null && training.EarlyStoppingPatience > 0)
            ch.Info(MessageSensitivity.None, $"Keeping the weights of epoch {result.BestEpoch} (lowest validation loss).");
        var model = result.Model.WithMetadata(ModelMetadata.Describe(columns.Task, columns.Kind, o.FeatureColumnName, encoder, columns.ClassNames));
        return new RecurrentSequenceClassificationTransformer(_env, model, encoder, columns.Task, o.FeatureColumnName, columns.ClassNames, result.History,
            new PredictorOptions { NumberOfThreads = o.NumberOfThreads });
    }

    /// <summary>Step 1: finds and checks the label, feature and weight columns; decides the task, the input kind, the steps and the classes.</summary>
    private TrainingColumns ResolveColumns(DataViewSchema schema, IChannel ch)
    {
        var o = _options;
        var label = ColumnChecks.CheckLabel(schema, o.LabelColumnName, Task);
        var task = Task == SequenceClassificationTask.Regression ? Task
            : label.Type is BooleanDataViewType ? SequenceClassificationTask.Binary : SequenceClassificationTask.Multiclass;
        var weight = ColumnChecks.CheckWeight(schema, o.ExampleWeightColumnName);
        var featureColumn = schema.GetColumnOrNull(o.FeatureColumnName);
        bool isFloat = featureColumn is { } fc && ColumnChecks.KindOf(fc.Type) == SequenceColumnKind.Float;
        int featuresPerStep = isFloat ? FloatColumnShape.FeaturesPerStep(featureColumn!.Value, o.FeaturesPerStep) : 0;
        var features = ColumnChecks.CheckSequence(schema, o.FeatureColumnName, null, Math.Max(1, featuresPerStep), out var kind);
        if (isFloat)
        {
            FloatColumnShape.CheckIsSequence(features, featuresPerStep, o);
            ch.Info(MessageSensitivity.None, $"Reading '{features.Name}' ({features.Type}) as steps of {featuresPerStep} value(s).");
        }
        int maxSteps = o.MaxSequenceLength ?? (kind == SequenceColumnKind.Float ? 0 : RecurrentSequenceClassifierOptions.DefaultTokenSequenceLength);

        int classCount = 2;
        string[]? classNames = null;
        if (task == SequenceClassificationTask.Multiclass)
        {
            ulong count = ((KeyDataViewType)label.Type).Count;
            if (count > 1 << 16) throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{label.Name}' has {count} classes; at most 65536 are supported.");
            classCount = (int)count;
            classNames = KeyColumns.KeyValuesAsText(label);
            if (classNames is not null && classNames.Length != classCount) classNames = null;
        }
        if (o.ClassWeights is { } cw && cw.Length != classCount)
            throw new ArgumentOutOfRangeException(nameof(o.ClassWeights),
                $"Options.ClassWeights has {cw.Length} entries; label column '{label.Name}' ({label.Type}) has {classCount} classes" +
                (task == SequenceClassificationTask.Binary ? " (binary: [weight of false, weight of true])." : " (one weight per key value, in key order)."));
        return new TrainingColumns(label, features, weight, task, kind, featuresPerStep, maxSteps, classCount, classNames);
    }

    /// <summary>Options that do nothing in this configuration get a warning, as PyTorch gives one for dropout with one layer.</summary>
    private void WarnAboutIneffectiveOptions(IChannel ch)
    {
        var o = _options;
        if (o.Dropout > 0 && o.NumberOfLayers == 1)
            ch.Warning(MessageSensitivity.None, $"Dropout = {o.Dropout} has no effect with NumberOfLayers = 1: dropout applies to the outputs of every layer but the last " +
                "(as in PyTorch, which warns too). Use NumberOfLayers > 1 or leave Dropout at 0.");
        if (o.WarmupSteps > 0 && o.LearningRateSchedule == LearningRateSchedule.Constant)
            ch.Warning(MessageSensitivity.None, $"WarmupSteps = {o.WarmupSteps} has no effect with LearningRateSchedule = Constant.");
    }

    /// <summary>Step 2: reads the training rows (one cursor pass), holding out validation rows if asked; for text, builds the vocabulary.</summary>
    private (SequenceDataset Train, SequenceDataset? HeldOut, SequenceEncoder Encoder) ReadTrainingData(IDataView data, TrainingColumns c, ValidationSplit? split,
        TrainingMonitor monitor, IChannel ch)
    {
        var o = _options;
        SequenceEncoder encoder;
        SequenceDataset train;
        SequenceDataset? heldOut;
        RowCounts counts;
        if (c.Kind == SequenceColumnKind.Text)
            train = TextTrainingDataReader.Read(data, c.Label, c.Features, c.Weight, c.Task, c.MaxSteps, o.MinimumTokenCount, o.MaximumVocabularySize, o.UnknownToken,
                monitor.ThrowIfCanceled, split, out encoder, out counts, out heldOut);
        else
        {
            encoder = c.Kind == SequenceColumnKind.Key
                ? SequenceEncoder.ForKeys(((KeyDataViewType)((VectorDataViewType)c.Features.Type).ItemType).Count, c.MaxSteps)
                : SequenceEncoder.ForFloats(c.FeaturesPerStep, c.MaxSteps);
            train = TrainingDataReader.Read(data, c.Label, c.Features, c.Weight, c.Task, encoder, monitor.ThrowIfCanceled, split, out counts, out heldOut);
        }
        ch.Info(MessageSensitivity.None, counts.Describe("Training data"));
        if (counts.Rows != counts.Used + counts.HeldOut) ch.Warning(MessageSensitivity.None, counts.Describe("Training data"));
        if (train.Count == 0) throw new InvalidOperationException($"No usable training rows: {counts.Describe("training data")}");
        if (c.Task != SequenceClassificationTask.Regression && train.LabelList.All(y => y == train.LabelList[0]))
            throw new InvalidOperationException($"Label column '{c.Label.Name}' holds a single class in the {train.Count} usable training rows: every label is " +
                (c.Task == SequenceClassificationTask.Binary ? (train.LabelList[0] == 1 ? "true" : "false")
                    : $"key {train.LabelList[0] + 1}" + (c.ClassNames is { } names ? $" ('{names[train.LabelList[0]]}')" : "")) +
                ". A classifier needs examples of at least two classes.");
        if (split is not null)
            ch.Info(MessageSensitivity.None, $"Validation data: {heldOut!.Count} training rows held out (ValidationSetFraction = {split.Fraction}, seed-chosen).");
        if (c.Kind == SequenceColumnKind.Text)
            ch.Info(MessageSensitivity.None, $"Vocabulary: {encoder.VocabularySize - 2} tokens seen at least {o.MinimumTokenCount} times (ids 2..), plus padding (0) and '{o.UnknownToken}' (1).");
        return (train, heldOut, encoder);
    }

    /// <summary>Step 3: reads the validation rows (Fit's argument or Options.ValidationSet) with the training encoder.</summary>
    private SequenceDataset ReadValidationData(IDataView data, TrainingColumns c, SequenceEncoder encoder, TrainingMonitor monitor, IChannel ch)
    {
        var o = _options;
        var schema = data.Schema;
        DataViewSchema.Column label, features;
        DataViewSchema.Column? weight;
        try
        {
            label = ColumnChecks.CheckLabel(schema, o.LabelColumnName, c.Task);
            features = ColumnChecks.CheckSequence(schema, o.FeatureColumnName, c.Kind, Math.Max(1, c.FeaturesPerStep), out _);
            weight = ColumnChecks.CheckWeight(schema, o.ExampleWeightColumnName);
        }
        catch (ArgumentOutOfRangeException e)
        {
            // The usual cause: raw rows where the trainer needs its input columns (what the upstream transforms produce).
            throw new ArgumentOutOfRangeException("validationData",
                $"Validation data (Options.ValidationSet or Fit's validationData): {e.Message.Split(" (Parameter")[0]} It must have the trainer's input columns: " +
                "pass it through the pipeline's upstream part first (e.g. upstream.Fit(train).Transform(validation)), or use Options.ValidationSetFraction.");
        }
        var validation = TrainingDataReader.Read(data, label, features, weight, c.Task, encoder, monitor.ThrowIfCanceled, null, out var counts, out _);
        ch.Info(MessageSensitivity.None, counts.Describe("Validation data"));
        return validation;
    }

    /// <summary>Step 4a: the network's shape from the options and the data.</summary>
    private RecurrentArchitecture BuildArchitecture(TrainingColumns c, SequenceEncoder encoder)
    {
        var o = _options;
        bool dense = c.Kind == SequenceColumnKind.Float;
        return new RecurrentArchitecture
        {
            Cell = Cell,
            InputKind = dense ? SequenceInputKind.Features : SequenceInputKind.Tokens,
            VocabularySize = dense ? 0 : encoder.VocabularySize,
            EmbeddingSize = o.EmbeddingSize,
            FeaturesPerStep = c.FeaturesPerStep,
            HiddenSize = o.HiddenSize,
            NumberOfLayers = o.NumberOfLayers,
            Bidirectional = o.Bidirectional,
            Dropout = o.Dropout,
            Pooling = o.Pooling,
            Classification = c.Task switch
            {
                SequenceClassificationTask.Binary => ClassificationKind.Binary,
                SequenceClassificationTask.Regression => ClassificationKind.Regression,
                _ => ClassificationKind.Multiclass,
            },
            NumberOfClasses = c.ClassCount,
        };
    }

    /// <summary>Step 4b: the engine's training options from the trainer options (the seed: the options', else the MLContext's, else random).</summary>
    private TrainingOptions BuildTrainingOptions(int seed, bool hasValidation, TrainingColumns c)
    {
        var o = _options;
        return new TrainingOptions
        {
            Epochs = o.NumberOfEpochs,
            BatchSize = o.BatchSize,
            LearningRate = o.LearningRate,
            Optimizer = o.Optimizer,
            Momentum = o.Momentum,
            Schedule = o.LearningRateSchedule,
            WarmupSteps = o.WarmupSteps,
            GradientClipNorm = o.GradientClipNorm,
            WeightDecay = o.WeightDecay,
            ClassWeights = o.ClassWeights is { } cw && cw.Length == c.ClassCount ? (float[])cw.Clone() : null,
            EarlyStoppingPatience = hasValidation ? o.EarlyStoppingPatience : 0,
            Seed = seed,
            NumberOfThreads = o.NumberOfThreads,
            RegressionLoss = o.RegressionLoss,
            HuberDelta = o.HuberDelta,
        };
    }

    /// <summary>Step 5: runs the engine; cancellation (options token or MLContext) surfaces as <see cref="OperationCanceledException"/>.</summary>
    private static TrainingResult RunEngine(RecurrentArchitecture architecture, TrainingOptions training, SequenceDataset train, SequenceDataset? validation,
        TrainingMonitor monitor, IChannel ch)
    {
        try
        {
            return RecurrentTrainer.Train(architecture, training, train, validation, monitor, monitor.Token);
        }
        catch (OperationCanceledException) when (monitor.IsCancellationRequested)
        {
            ch.Info(MessageSensitivity.None, "Training canceled.");
            throw new OperationCanceledException("Operation was canceled.");
        }
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
}
