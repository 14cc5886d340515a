namespace Microsoft.ML.Recurrent;

/// <summary>
/// Options shared by the LSTM, GRU and RNN sequence classifiers. Column options use ML.NET's names; network options
/// use PyTorch's (<c>hidden_size</c>, <c>num_layers</c>, <c>bidirectional</c>, <c>dropout</c>).
/// </summary>
/// <remarks>
/// <para>The feature column is one sequence per row: a variable- or fixed-length vector of text tokens, of keys, or of
/// floats (<see cref="FeaturesPerStep"/> values per step, e.g. an MNIST row of 784 pixels as 28 steps of 28).</para>
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

    /// <summary>Training threads; null uses every core. A fixed count and seed give identical models.</summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>Hidden state size of each direction of each layer (PyTorch <c>hidden_size</c>).</summary>
    public int HiddenSize { get; set; } = 128;

    /// <summary>Number of stacked recurrent layers (PyTorch <c>num_layers</c>).</summary>
    public int NumberOfLayers { get; set; } = 1;

    /// <summary>Also run every layer backwards in time and concatenate both directions (PyTorch <c>bidirectional</c>).</summary>
    public bool Bidirectional { get; set; }

    /// <summary>Dropout on the outputs of every layer but the last, while training (PyTorch <c>dropout</c>).</summary>
    public float Dropout { get; set; }

    /// <summary>How the top layer's outputs are reduced to one vector per sequence.</summary>
    public SequencePooling Pooling { get; set; } = SequencePooling.Last;

    /// <summary>Embedding width for text and key inputs.</summary>
    public int EmbeddingSize { get; set; } = 64;

    /// <summary>
    /// Floats per step for <see cref="float"/>-vector inputs: 28 for MNIST rows of 784 pixels, 1 for a univariate series,
    /// k for k sensors sampled together. Null: a fixed-size vector whose size is a perfect square n × n (784 = 28 × 28)
    /// is read as an image, n steps of n values (row by row); any other vector as one value per step. The choice is logged.
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

    /// <summary>Adam learning rate.</summary>
    public float LearningRate { get; set; } = 1e-3f;

    /// <summary>The gradient is rescaled to at most this global L2 norm; 0 turns clipping off.</summary>
    public float GradientClipNorm { get; set; } = 5f;

    /// <summary>L2 penalty on every weight.</summary>
    public float WeightDecay { get; set; }

    /// <summary>
    /// With <c>Fit(train, validation)</c>: stop after this many epochs without a lower validation loss and keep the best
    /// epoch's weights; 0 only reports the validation metrics.
    /// </summary>
    public int EarlyStoppingPatience { get; set; } = 3;

    /// <summary>Regression trainers: the loss, on the standardised label (squared error by default; Huber or absolute error resist outliers).</summary>
    public RegressionLoss RegressionLoss { get; set; } = RegressionLoss.SquaredError;

    /// <summary>Regression with <see cref="RegressionLoss.Huber"/>: where the loss turns from squared to absolute, in standard deviations of the label.</summary>
    public float HuberDelta { get; set; } = 1f;

    /// <summary>Seed of initialisation, shuffling and dropout; null uses the <see cref="MLContext"/>'s seed, or a random one if it has none.</summary>
    public int? Seed { get; set; }

    /// <summary>
    /// Optional live progress (epoch, step, loss, sequences/s, validation metrics), reported on the training thread,
    /// in addition to the messages sent to <see cref="MLContext.Log"/>. Not saved with the model.
    /// </summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>
    /// Stops training between mini-batches with <see cref="OperationCanceledException"/>. (ML.NET 5.0 keeps
    /// <c>MLContext.CancelExecution</c> internal; when ML.NET itself cancels the context, training stops too.)
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    internal RecurrentSequenceClassifierOptions Clone() => (RecurrentSequenceClassifierOptions)MemberwiseClone();

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
        Require(HiddenSize > 0, nameof(HiddenSize), HiddenSize, "> 0");
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
    }
}
