using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Text;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>Small, fast settings shared by the tests.</summary>
public static class Small
{
    public static T Options<T>(T o, int epochs = 8) where T : RecurrentSequenceClassifierOptions
    {
        o.HiddenSize = 16;
        o.EmbeddingSize = 16;
        o.NumberOfEpochs = epochs;
        o.BatchSize = 32;
        o.LearningRate = 0.01f;
        o.MinimumTokenCount = 1;
        return o;
    }
}

/// <summary>An LSTM spam classifier over TokenizeIntoWords, trained once for the tests that only use it.</summary>
public sealed class SpamModelFixture
{
    public SpamModelFixture()
    {
        var ml = new MLContext(seed: 1);
        Train = ml.Data.LoadFromEnumerable(SyntheticData.Spam(600, seed: 1));
        Test = ml.Data.LoadFromEnumerable(SyntheticData.Spam(200, seed: 2));
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { LabelColumnName = "Label", FeatureColumnName = "Tokens" })));
        Model = pipeline.Fit(Train);
        Context = ml;
    }

    public MLContext Context { get; }
    public IDataView Train { get; }
    public IDataView Test { get; }
    public TransformerChain<RecurrentSequenceClassificationTransformer> Model { get; }
}

/// <summary>A GRU topic classifier over key-typed tokens (MapValueToKey), trained once.</summary>
public sealed class TopicModelFixture
{
    public TopicModelFixture()
    {
        var ml = new MLContext(seed: 1);
        Train = ml.Data.LoadFromEnumerable(SyntheticData.Topic(600, seed: 3));
        Test = ml.Data.LoadFromEnumerable(SyntheticData.Topic(200, seed: 4));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Topic")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Words", "Text"))
            .Append(ml.Transforms.Conversion.MapValueToKey("TokenKeys", "Words"))
            .Append(ml.MulticlassClassification.Trainers.Gru(Small.Options(new GruSequenceClassifierTrainer.Options { FeatureColumnName = "TokenKeys" })));
        Model = pipeline.Fit(Train);
        Context = ml;
    }

    public MLContext Context { get; }
    public IDataView Train { get; }
    public IDataView Test { get; }
    public ITransformer Model { get; }
}

internal static class TestUtil
{
    public static string TempFile(string name) => Path.Combine(Path.GetTempPath(), $"mlrnn-{Environment.ProcessId}-{Guid.NewGuid():N}-{name}");

    public static float[] Column(IDataView view, string name) => view.GetColumn<float>(name).ToArray();

    public static List<float[]> VectorColumn(IDataView view, string name) => view.GetColumn<VBuffer<float>>(name).Select(v => v.DenseValues().ToArray()).ToList();

    public static TextFeaturizingEstimator.Options FeaturizeWithTokens(string tokens) => new() { OutputTokensColumnName = tokens };
}
