using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.MLNetInternals;

namespace Microsoft.ML;

/// <summary>
/// Entry points of the recurrent sequence regressors: <c>mlContext.Regression.Trainers.Lstm/Gru/Rnn</c>. The label
/// is a Single column; the model learns it standardised (mean and standard deviation of the training labels, kept in
/// the model) and the <c>Score</c> column gives the prediction back in the label's units, so
/// <c>mlContext.Regression.Evaluate</c> and <c>CrossValidate</c> work unchanged. Rows whose label is NaN are skipped
/// (and counted in the log). The sequence inputs are those of the classifiers: text tokens, keys or float steps.
/// </summary>
/// <remarks>
/// The trainers are the classifiers' types with <see cref="SequenceClassificationTask.Regression"/>: the same options
/// (plus <see cref="RecurrentSequenceClassifierOptions.RegressionLoss"/>), the same <c>Fit(train, validation)</c> with
/// early stopping on the validation loss, the same save and load. For a time series, cut it into windows with
/// <see cref="Recurrent.Forecasting.SeriesWindows"/> and set <c>featuresPerStep</c> to its <c>FeaturesPerStep</c>.
/// </remarks>
public static class RecurrentRegressionCatalogExtensions
{
    /// <summary>An LSTM sequence regressor; the label column is Single.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="labelColumnName">Label column (Single).</param>
    /// <param name="featureColumnName">Sequence column: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weight column.</param>
    /// <param name="hiddenSize">Hidden state size of each layer and direction.</param>
    /// <param name="numberOfLayers">Stacked recurrent layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the training data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public static LstmSequenceClassifierTrainer Lstm(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Lstm(catalog, SimpleOptions.Fill(new LstmSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName,
            hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>An LSTM sequence regressor with all options.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="options">Trainer options.</param>
    public static LstmSequenceClassifierTrainer Lstm(this RegressionCatalog.RegressionTrainers catalog, LstmSequenceClassifierTrainer.Options options)
        => new(MLNetAccess.GetEnvironment(catalog), options, SequenceClassificationTask.Regression);

    /// <summary>A GRU sequence regressor; the label column is Single.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="labelColumnName">Label column (Single).</param>
    /// <param name="featureColumnName">Sequence column: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weight column.</param>
    /// <param name="hiddenSize">Hidden state size of each layer and direction.</param>
    /// <param name="numberOfLayers">Stacked recurrent layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the training data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public static GruSequenceClassifierTrainer Gru(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Gru(catalog, SimpleOptions.Fill(new GruSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName,
            hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>A GRU sequence regressor with all options.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="options">Trainer options.</param>
    public static GruSequenceClassifierTrainer Gru(this RegressionCatalog.RegressionTrainers catalog, GruSequenceClassifierTrainer.Options options)
        => new(MLNetAccess.GetEnvironment(catalog), options, SequenceClassificationTask.Regression);

    /// <summary>An Elman RNN sequence regressor; the label column is Single.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="labelColumnName">Label column (Single).</param>
    /// <param name="featureColumnName">Sequence column: a vector of text tokens, of keys, or of Single.</param>
    /// <param name="exampleWeightColumnName">Optional example weight column.</param>
    /// <param name="hiddenSize">Hidden state size of each layer and direction.</param>
    /// <param name="numberOfLayers">Stacked recurrent layers.</param>
    /// <param name="bidirectional">Also read the sequences backwards.</param>
    /// <param name="numberOfEpochs">Passes over the training data.</param>
    /// <param name="featuresPerStep">Float inputs: values per step (null: the column's [T, F] dimensions, else 1; see <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/>).</param>
    /// <param name="learningRate">Learning rate (see <see cref="RecurrentSequenceClassifierOptions.LearningRate"/>).</param>
    /// <param name="batchSize">Sequences per mini-batch.</param>
    public static RnnSequenceClassifierTrainer Rnn(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", string? exampleWeightColumnName = null,
        int hiddenSize = 128, int numberOfLayers = 1, bool bidirectional = false, int numberOfEpochs = 10, int? featuresPerStep = null,
        float learningRate = 1e-3f, int batchSize = 64)
        => Rnn(catalog, SimpleOptions.Fill(new RnnSequenceClassifierTrainer.Options(), labelColumnName, featureColumnName, exampleWeightColumnName,
            hiddenSize, numberOfLayers, bidirectional, numberOfEpochs, featuresPerStep, learningRate, batchSize));

    /// <summary>An Elman RNN sequence regressor with all options.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="options">Trainer options.</param>
    public static RnnSequenceClassifierTrainer Rnn(this RegressionCatalog.RegressionTrainers catalog, RnnSequenceClassifierTrainer.Options options)
        => new(MLNetAccess.GetEnvironment(catalog), options, SequenceClassificationTask.Regression);
}
