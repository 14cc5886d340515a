using Microsoft.ML.Runtime;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Recurrent sequence classifiers that pick binary or multiclass from the label column at <c>Fit</c> time (Boolean →
/// binary, key → multiclass), so a pipeline reads like
/// <c>mlContext.Transforms.Text.FeaturizeText(...).Append(recurrent.Lstm("Label", "Tokens"))</c> with
/// <c>var recurrent = mlContext.Recurrent();</c>.
/// </summary>
public sealed class RecurrentCatalog
{
    private readonly IHostEnvironment _env;

    internal RecurrentCatalog(IHostEnvironment env) => _env = env;

    /// <summary>An LSTM sequence classifier.</summary>
    /// <param name="labelColumnName">Label: Boolean (binary) or key (multiclass).</param>
    /// <param name="featureColumnName">Sequence: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weights.</param>
    /// <param name="hiddenSize">Hidden state size.</param>
    /// <param name="numberOfLayers">Stacked layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public LstmSequenceClassifierTrainer Lstm(string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Lstm(SimpleOptions.Fill(new LstmSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName, hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>An LSTM sequence classifier with all options.</summary>
    public LstmSequenceClassifierTrainer Lstm(LstmSequenceClassifierTrainer.Options options) => new(_env, options, SequenceClassificationTask.Auto);

    /// <summary>A GRU sequence classifier.</summary>
    /// <param name="labelColumnName">Label: Boolean (binary) or key (multiclass).</param>
    /// <param name="featureColumnName">Sequence: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weights.</param>
    /// <param name="hiddenSize">Hidden state size.</param>
    /// <param name="numberOfLayers">Stacked layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public GruSequenceClassifierTrainer Gru(string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Gru(SimpleOptions.Fill(new GruSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName, hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>A GRU sequence classifier with all options.</summary>
    public GruSequenceClassifierTrainer Gru(GruSequenceClassifierTrainer.Options options) => new(_env, options, SequenceClassificationTask.Auto);

    /// <summary>A plain RNN sequence classifier.</summary>
    /// <param name="labelColumnName">Label: Boolean (binary) or key (multiclass).</param>
    /// <param name="featureColumnName">Sequence: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weights.</param>
    /// <param name="hiddenSize">Hidden state size.</param>
    /// <param name="numberOfLayers">Stacked layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public RnnSequenceClassifierTrainer Rnn(string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Rnn(SimpleOptions.Fill(new RnnSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName, hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>A plain RNN sequence classifier with all options.</summary>
    public RnnSequenceClassifierTrainer Rnn(RnnSequenceClassifierTrainer.Options options) => new(_env, options, SequenceClassificationTask.Auto);
}
