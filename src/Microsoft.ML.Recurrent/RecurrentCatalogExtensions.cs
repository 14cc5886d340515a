using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.MLNetInternals;

namespace Microsoft.ML;

/// <summary>
/// Entry points of the recurrent sequence classifiers: <c>mlContext.BinaryClassification.Trainers.Lstm/Gru/Rnn</c>,
/// <c>mlContext.MulticlassClassification.Trainers.Lstm/Gru/Rnn</c> and <c>mlContext.Recurrent()</c>.
/// </summary>
public static class RecurrentCatalogExtensions
{
    /// <summary>
    /// Recurrent trainers that choose binary or multiclass from the label column, for pipelines written as
    /// <c>var recurrent = mlContext.Recurrent(); ... .Append(recurrent.Lstm("Label", "Tokens"))</c>.
    /// </summary>
    public static RecurrentCatalog Recurrent(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new RecurrentCatalog(mlContext);
    }

    /// <summary>An LSTM binary sequence classifier; the label column is Boolean.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column (Boolean).</param>
    /// <param name="featureColumnName">Sequence column: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weight column.</param>
    /// <param name="hiddenSize">Hidden state size of each layer and direction.</param>
    /// <param name="numberOfLayers">Stacked recurrent layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the training data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public static LstmSequenceClassifierTrainer Lstm(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Lstm(catalog, SimpleOptions.Fill(new LstmSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName,
            hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>An LSTM binary sequence classifier with all options.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="options">Trainer options.</param>
    public static LstmSequenceClassifierTrainer Lstm(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, LstmSequenceClassifierTrainer.Options options)
        => new(MLNetAccess.GetEnvironment(catalog), options, SequenceClassificationTask.Binary);

    /// <summary>A GRU binary sequence classifier; the label column is Boolean.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column (Boolean).</param>
    /// <param name="featureColumnName">Sequence column: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weight column.</param>
    /// <param name="hiddenSize">Hidden state size of each layer and direction.</param>
    /// <param name="numberOfLayers">Stacked recurrent layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the training data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public static GruSequenceClassifierTrainer Gru(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Gru(catalog, SimpleOptions.Fill(new GruSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName,
            hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>A GRU binary sequence classifier with all options.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="options">Trainer options.</param>
    public static GruSequenceClassifierTrainer Gru(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, GruSequenceClassifierTrainer.Options options)
        => new(MLNetAccess.GetEnvironment(catalog), options, SequenceClassificationTask.Binary);

    /// <summary>A plain RNN binary sequence classifier; the label column is Boolean.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column (Boolean).</param>
    /// <param name="featureColumnName">Sequence column: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weight column.</param>
    /// <param name="hiddenSize">Hidden state size of each layer and direction.</param>
    /// <param name="numberOfLayers">Stacked recurrent layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the training data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public static RnnSequenceClassifierTrainer Rnn(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Rnn(catalog, SimpleOptions.Fill(new RnnSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName,
            hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>A plain RNN binary sequence classifier with all options.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="options">Trainer options.</param>
    public static RnnSequenceClassifierTrainer Rnn(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, RnnSequenceClassifierTrainer.Options options)
        => new(MLNetAccess.GetEnvironment(catalog), options, SequenceClassificationTask.Binary);

    /// <summary>An LSTM multiclass sequence classifier; the label column is key-typed (e.g. from MapValueToKey).</summary>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column (key-typed (e.g. from MapValueToKey)).</param>
    /// <param name="featureColumnName">Sequence column: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weight column.</param>
    /// <param name="hiddenSize">Hidden state size of each layer and direction.</param>
    /// <param name="numberOfLayers">Stacked recurrent layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the training data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public static LstmSequenceClassifierTrainer Lstm(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Lstm(catalog, SimpleOptions.Fill(new LstmSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName,
            hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>An LSTM multiclass sequence classifier with all options.</summary>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="options">Trainer options.</param>
    public static LstmSequenceClassifierTrainer Lstm(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, LstmSequenceClassifierTrainer.Options options)
        => new(MLNetAccess.GetEnvironment(catalog), options, SequenceClassificationTask.Multiclass);

    /// <summary>A GRU multiclass sequence classifier; the label column is key-typed (e.g. from MapValueToKey).</summary>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column (key-typed (e.g. from MapValueToKey)).</param>
    /// <param name="featureColumnName">Sequence column: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weight column.</param>
    /// <param name="hiddenSize">Hidden state size of each layer and direction.</param>
    /// <param name="numberOfLayers">Stacked recurrent layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the training data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public static GruSequenceClassifierTrainer Gru(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Gru(catalog, SimpleOptions.Fill(new GruSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName,
            hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>A GRU multiclass sequence classifier with all options.</summary>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="options">Trainer options.</param>
    public static GruSequenceClassifierTrainer Gru(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, GruSequenceClassifierTrainer.Options options)
        => new(MLNetAccess.GetEnvironment(catalog), options, SequenceClassificationTask.Multiclass);

    /// <summary>A plain RNN multiclass sequence classifier; the label column is key-typed (e.g. from MapValueToKey).</summary>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="labelColumnName">Label column (key-typed (e.g. from MapValueToKey)).</param>
    /// <param name="featureColumnName">Sequence column: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weight column.</param>
    /// <param name="hiddenSize">Hidden state size of each layer and direction.</param>
    /// <param name="numberOfLayers">Stacked recurrent layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the training data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public static RnnSequenceClassifierTrainer Rnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Rnn(catalog, SimpleOptions.Fill(new RnnSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName,
            hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>A plain RNN multiclass sequence classifier with all options.</summary>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="options">Trainer options.</param>
    public static RnnSequenceClassifierTrainer Rnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, RnnSequenceClassifierTrainer.Options options)
        => new(MLNetAccess.GetEnvironment(catalog), options, SequenceClassificationTask.Multiclass);
}
