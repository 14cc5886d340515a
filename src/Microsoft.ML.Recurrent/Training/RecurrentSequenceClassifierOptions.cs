namespace Microsoft.ML.Recurrent;

/// <summary>
/// Options shared by the LSTM, GRU and RNN sequence classifiers. Column options use ML.NET's names; network options
/// use PyTorch's (<c>hidden_size</c>, <c>num_layers</c>, <c>bidirectional</c>, <c>dropout</c>).
/// </summary>
/// <remarks>
/// <para>The feature column is one sequence per row: a variable- or fixed-length vector of text tokens, of keys, or of
/// floats (a column shaped [T, F] is read as T steps of F values; any other float vector as steps of
/// <see cref="FeaturesPerStep"/> values, 1 by default: a univariate series).</para>
/// <para><b>Validation.</b> Give the trainer validation rows with <see cref="ValidationSetFraction"/> (held out from the
/// training rows, works unchanged inside <c>pipeline.Fit</c>), <see cref="ValidationSet"/> or <c>Fit(train, validation)</c>;
/// they are scored after every epoch (loss and accuracy on <see cref="MLContext.Log"/>, <see cref="Progress"/> and the
/// trained model's <c>TrainingHistory</c>) and drive early stopping (<see cref="EarlyStoppingPatience"/>), which keeps
/// the weights of the epoch with the lowest validation loss.</para>
/// <para><b>Truncation.</b> A sequence longer than <see cref="MaxSequenceLength"/> steps keeps its FIRST
/// <see cref="MaxSequenceLength"/> steps; the rest is ignored, both when training and when scoring.</para>
/// </remarks>
public class RecurrentSequenceClassifierOptions
{
    /// <summary>Default <see cref="MaxSequenceLength"/> for token and key inputs.</summary>
    public const int DefaultTokenSequenceLength = 256;

    /// <summary>Label column: Boolean for binary classification, a key type for multiclass.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Sequence column: a vector of text, of keys, or of <see cref="float"/>.</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>Optional example weight column (<see cref="float"/>); rows with a negative or NaN weight are skipped.</summary>
    public string? ExampleWeightColumnName { get; set; }

    /// <summary>
    /// Training threads; null uses every core. A fixed count and seed give identical models. The fitted transformer's
    /// <c>Transform</c> scores on as many threads (its scores do not depend on the count; see
    /// <see cref="RecurrentSequenceClassificationTransformer.NumberOfThreads"/>).
    /// </summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>Hidden state size of each direction of each layer (PyTorch <c>hidden_size</c>).</summary>
    public int HiddenSize { get; set; } = 128;

    /// <summary>Number of stacked recurrent layers (PyTorch <c>num_layers</c>).</summary>
    public int NumberOfLayers { get; set; } = 1;

    /// <summary>Also run every layer backwards in time and concatenate both directions (PyTorch <c>bidirectional</c>).</summary>
    public bool Bidirectional { get; set; }

    /// <summary>
    /// Dropout on the outputs of every layer but the last, while training (PyTorch <c>dropout</c>). Like PyTorch, it
    /// has no effect with one layer; a warning on <see cref="MLContext.Log"/> says so.
    /// </summary>
    public float Dropout { get; set; }

    /// <summary>How the top layer's outputs are reduced to one vector per sequence.</summary>
    public SequencePooling Pooling { get; set; } = SequencePooling.Last;

    /// <summary>Embedding width for text and key inputs.</summary>
    public int EmbeddingSize { get; set; } = 64;

    /// <summary>
    /// Floats per step for <see cref="float"/>-vector inputs: 1 for a univariate series, k for k sensors sampled together,
    /// 28 for MNIST rows of 784 pixels. Null (the default): a column whose type has two dimensions [T, F]
    /// (<c>VectorDataViewType.Dimensions</c>) is read as T steps of F values; any other float vector as one value per
    /// step. A value that disagrees with a [T, F] column's F is an error. Nothing is guessed from the vector's size.
    /// </summary>
    public int? FeaturesPerStep { get; set; }

    /// <summary>
    /// Longest sequence used, in steps; longer sequences keep their first <see cref="MaxSequenceLength"/> steps.
    /// Null means <see cref="DefaultTokenSequenceLength"/> (256) for text and key inputs and no limit for float inputs.
    /// </summary>
    public int? MaxSequenceLength { get; set; }

    /// <summary>Text inputs: tokens seen fewer times than this in the training data map to the unknown token.</summary>
    public int MinimumTokenCount { get; set; } = 2;

    /// <summary>Text inputs: at most this many distinct tokens (the most frequent) are kept, besides padding and the unknown token.</summary>
    public int MaximumVocabularySize { get; set; } = 20000;

    /// <summary>Text inputs: the vocabulary entry of token id 1, which every token outside the vocabulary maps to.</summary>
    public string UnknownToken { get; set; } = "<unk>";

    /// <summary>Passes over the training data (an upper bound with early stopping).</summary>
    public int NumberOfEpochs { get; set; } = 10;

    /// <summary>Sequences per mini-batch.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Learning rate (the peak one with a warm-up or decaying <see cref="LearningRateSchedule"/>).</summary>
    public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The gradient is rescaled to at most this global L2 norm; 0 turns clipping off.</summary>
    public float GradientClipNorm { get; set; } = 5f;

    /// <summary>Weight decay: an L2 term added to the gradient for Adam and SGD, decoupled decay for AdamW.</summary>
    public float WeightDecay { get; set; }

    /// <summary>Update rule: <see cref="OptimizerKind.Adam"/> (default), <see cref="OptimizerKind.AdamW"/> or <see cref="OptimizerKind.Sgd"/> (with <see cref="Momentum"/>).</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>SGD momentum (only with <see cref="OptimizerKind.Sgd"/>).</summary>
    public float Momentum { get; set; } = 0.9f;

    /// <summary>
    /// Learning rate over the run: <see cref="LearningRateSchedule.Constant"/> (default), or a linear warm-up over
    /// <see cref="WarmupSteps"/> optimizer steps followed by a linear (<see cref="LearningRateSchedule.WarmupLinearDecay"/>)
    /// or cosine (<see cref="LearningRateSchedule.Cosine"/>) decay to zero at the last step.
    /// </summary>
    public LearningRateSchedule LearningRateSchedule { get; set; } = LearningRateSchedule.Constant;

    /// <summary>Warm-up length, in optimizer steps (mini-batches), for the non-constant schedules.</summary>
    public int WarmupSteps { get; set; }

    /// <summary>
    /// Optional loss weight per class, multiplied into each row's weight: index = class (binary: [false, true];
    /// multiclass: key value − 1). Must have one entry per class; null weighs every class 1.
    /// </summary>
    public float[]? ClassWeights { get; set; }

    /// <summary>
    /// With validation rows (<see cref="ValidationSetFraction"/>, <see cref="ValidationSet"/> or <c>Fit(train, validation)</c>):
    /// stop after this many epochs without a lower validation loss and keep the best epoch's weights; 0 only reports
    /// the validation metrics (and keeps the last epoch's weights).
    /// </summary>
    public int EarlyStoppingPatience { get; set; } = 3;

    /// <summary>Regression trainers: the loss, on the standardised label (squared error by default; Huber or absolute error resist outliers).</summary>
    public RegressionLoss RegressionLoss { get; set; } = RegressionLoss.SquaredError;

    /// <summary>Regression with <see cref="RegressionLoss.Huber"/>: where the loss turns from squared to absolute, in standard deviations of the label.</summary>
    public float HuberDelta { get; set; } = 1f;

    /// <summary>
    /// Validation rows given with the options, so validation works inside <c>pipeline.Fit</c>. The trainer reads this
    /// view as it is, like the training rows it receives: it must have the trainer's input columns (label, features,
    /// weight), i.e. already be transformed by the pipeline's upstream part, exactly as ML.NET's own trainers expect
    /// of a validation set (e.g. <c>options.ValidationSet = featurizer.Fit(train).Transform(validation)</c>). For zero
    /// ceremony inside a pipeline use <see cref="ValidationSetFraction"/> instead. <c>Fit(train, validation)</c>
    /// overrides it. Not saved with the model.
    /// </summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>
    /// Fraction of the training rows held out as validation rows (0, the default: none), chosen by the seed
    /// (<see cref="Seed"/> or the <see cref="MLContext"/>'s), so the split is reproducible. Works inside
    /// <c>pipeline.Fit</c> with no other change: the held-out rows have gone through the same upstream transforms.
    /// Ignored when <see cref="ValidationSet"/> or <c>Fit(train, validation)</c> gives validation rows. For text
    /// inputs the vocabulary is built from the remaining training rows only.
    /// </summary>
    public float ValidationSetFraction { get; set; }

    /// <summary>Seed of initialisation, shuffling and dropout; null uses the <see cref="MLContext"/>'s seed, or a random one if it has none.</summary>
    public int? Seed { get; set; }

    /// <summary>
    /// Optional live progress (epoch, step, loss, sequences/s, validation metrics), reported on the training thread,
    /// in addition to the messages sent to <see cref="MLContext.Log"/> and the per-epoch checkpoints on ML.NET's progress
    /// channel (<c>IProgressChannel</c> "Training recurrent sequence classifier": loss, validation loss and accuracy;
    /// epochs and steps). Not saved with the model.
    /// </summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>
    /// Stops training between mini-batches with <see cref="OperationCanceledException"/>. (ML.NET 5.0 keeps
    /// <c>MLContext.CancelExecution</c> internal; when ML.NET itself cancels the context, training stops too.)
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    internal RecurrentSequenceClassifierOptions Clone()
    {
        var copy = (RecurrentSequenceClassifierOptions)MemberwiseClone();
        copy.ClassWeights = (float[]?)ClassWeights?.Clone();
        return copy;
    }

    internal void Validate()
    {
        static void Require(bool ok, string name, object? value, string expected)
        {
            if (!ok) throw new ArgumentOutOfRangeException(name, value, $"Options.{name} is {value ?? "null"}; expected {expected}.");
        }
        Require(!string.IsNullOrWhiteSpace(LabelColumnName), nameof(LabelColumnName), LabelColumnName, "a column name");
        Require(!string.IsNullOrWhiteSpace(FeatureColumnName), nameof(FeatureColumnName), FeatureColumnName, "a column name");
        Require(ExampleWeightColumnName is null || ExampleWeightColumnName.Length > 0, nameof(ExampleWeightColumnName), ExampleWeightColumnName, "null or a column name");
        Require(NumberOfThreads is null or > 0, nameof(NumberOfThreads), NumberOfThreads, "null or > 0");
        Require(HiddenSize is > 0 and <= RecurrentArchitecture.MaxHiddenSize, nameof(HiddenSize), HiddenSize, $"1..{RecurrentArchitecture.MaxHiddenSize}");
        Require(NumberOfLayers > 0, nameof(NumberOfLayers), NumberOfLayers, "> 0");
        Require(Dropout is >= 0f and < 1f, nameof(Dropout), Dropout, "0 <= p < 1");
        Require(Enum.IsDefined(Pooling), nameof(Pooling), Pooling, "a SequencePooling value");
        Require(EmbeddingSize > 0, nameof(EmbeddingSize), EmbeddingSize, "> 0");
        Require(FeaturesPerStep is null or > 0, nameof(FeaturesPerStep), FeaturesPerStep, "null or > 0");
        Require(MaxSequenceLength is null or > 0, nameof(MaxSequenceLength), MaxSequenceLength, "null or > 0");
        Require(MinimumTokenCount >= 1, nameof(MinimumTokenCount), MinimumTokenCount, ">= 1");
        Require(MaximumVocabularySize >= 1, nameof(MaximumVocabularySize), MaximumVocabularySize, ">= 1");
        Require(UnknownToken is not null, nameof(UnknownToken), UnknownToken, "a string");
        Require(NumberOfEpochs > 0, nameof(NumberOfEpochs), NumberOfEpochs, "> 0");
        Require(BatchSize > 0, nameof(BatchSize), BatchSize, "> 0");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "a finite value > 0");
        Require(GradientClipNorm >= 0, nameof(GradientClipNorm), GradientClipNorm, ">= 0");
        Require(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, ">= 0");
        Require(Enum.IsDefined(RegressionLoss), nameof(RegressionLoss), RegressionLoss, "a RegressionLoss value");
        Require(HuberDelta > 0 && float.IsFinite(HuberDelta), nameof(HuberDelta), HuberDelta, "a finite value > 0");
        Require(EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience, ">= 0");
        Require(Enum.IsDefined(Optimizer), nameof(Optimizer), Optimizer, "an OptimizerKind value");
        Require(Momentum is >= 0f and < 1f, nameof(Momentum), Momentum, "0 <= momentum < 1");
        Require(Enum.IsDefined(LearningRateSchedule), nameof(LearningRateSchedule), LearningRateSchedule, "a LearningRateSchedule value");
        Require(WarmupSteps >= 0, nameof(WarmupSteps), WarmupSteps, ">= 0");
        Require(ClassWeights is null || (ClassWeights.Length > 0 && ClassWeights.All(w => w >= 0f && float.IsFinite(w))), nameof(ClassWeights),
            ClassWeights is null ? null : $"[{string.Join(", ", ClassWeights)}]", "null or one finite weight >= 0 per class");
        Require(ValidationSetFraction is >= 0f and < 1f, nameof(ValidationSetFraction), ValidationSetFraction, "0 <= fraction < 1");
    }
}
