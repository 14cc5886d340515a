using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Data;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests;

public sealed class PersistenceTests(SpamModelFixture spam, TopicModelFixture topic) : IClassFixture<SpamModelFixture>, IClassFixture<TopicModelFixture>
{
    private static (ITransformer Model, DataViewSchema Schema) RoundTrip(MLContext ml, ITransformer model, DataViewSchema schema)
    {
        string path = TestUtil.TempFile("model.zip");
        try
        {
            ml.Model.Save(model, schema, path);
            var fresh = new MLContext();  // a new context: nothing registered, nothing shared
            var loaded = fresh.Model.Load(path, out var loadedSchema);
            return (loaded, loadedSchema);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Text_binary_pipeline_round_trips_with_identical_predictions()
    {
        var (loaded, schema) = RoundTrip(spam.Context, spam.Model, spam.Train.Schema);
        Assert.Equal(spam.Train.Schema.Select(c => c.Name), schema.Select(c => c.Name));

        var chain = Assert.IsType<TransformerChain<ITransformer>>(loaded);
        var xf = Assert.IsType<RecurrentSequenceClassificationTransformer>(chain.Last());
        var original = spam.Model.LastTransformer;
        Assert.Equal(original.Vocabulary, xf.Vocabulary);
        Assert.Equal(original.Model.Parameters.ToArray(), xf.Model.Parameters.ToArray());
        Assert.Equal(original.Model.Architecture, xf.Model.Architecture);
        Assert.Equal(original.MaxSequenceLength, xf.MaxSequenceLength);

        foreach (var column in new[] { "Score", "Probability" })
            Assert.Equal(TestUtil.Column(spam.Model.Transform(spam.Test), column), TestUtil.Column(loaded.Transform(spam.Test), column));
        Assert.Equal(spam.Model.Transform(spam.Test).GetColumn<bool>("PredictedLabel"), loaded.Transform(spam.Test).GetColumn<bool>("PredictedLabel"));

        var ml = new MLContext();
        Assert.True(ml.BinaryClassification.Evaluate(loaded.Transform(spam.Test)).Accuracy > 0.9);
    }

    [Fact]
    public void Key_multiclass_pipeline_round_trips_with_labels_and_predictions()
    {
        var (loaded, _) = RoundTrip(topic.Context, topic.Model, topic.Train.Schema);
        var before = topic.Model.Transform(topic.Test);
        var after = loaded.Transform(topic.Test);
        Assert.Equal(TestUtil.VectorColumn(before, "Score"), TestUtil.VectorColumn(after, "Score"));
        Assert.Equal(before.GetColumn<uint>("PredictedLabel"), after.GetColumn<uint>("PredictedLabel"));

        VBuffer<ReadOnlyMemory<char>> a = default, b = default;
        before.Schema["Score"].GetSlotNames(ref a);
        after.Schema["Score"].GetSlotNames(ref b);
        Assert.Equal(a.DenseValues().Select(x => x.ToString()), b.DenseValues().Select(x => x.ToString()));

        var ml = new MLContext();
        var names = ml.Transforms.Conversion.MapKeyToValue("PredictedTopic", "PredictedLabel").Fit(after).Transform(after);
        Assert.All(names.GetColumn<string>("PredictedTopic"), n => Assert.Contains(n, SyntheticData.Topics));
        Assert.True(ml.MulticlassClassification.Evaluate(after).MacroAccuracy > 0.9);
    }

    [Fact]
    public void Float_model_round_trips()
    {
        var ml = new MLContext(seed: 8);
        var data = ml.Data.LoadFromEnumerable(SyntheticData.Series(200, seed: 16));
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "Shape")
            .Append(ml.MulticlassClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options
            {
                FeatureColumnName = "Values", FeaturesPerStep = 2, Bidirectional = true, NumberOfLayers = 2, Pooling = SequencePooling.Max,
            }, epochs: 1)))
            .Fit(data);
        var (loaded, _) = RoundTrip(ml, model, data.Schema);
        Assert.Equal(TestUtil.VectorColumn(model.Transform(data), "Score"), TestUtil.VectorColumn(loaded.Transform(data), "Score"));
        var xf = (RecurrentSequenceClassificationTransformer)((TransformerChain<ITransformer>)loaded).Last();
        Assert.Equal(2, xf.FeaturesPerStep);
        Assert.True(xf.Model.Architecture.Bidirectional);
    }

    [Fact]
    public void A_bare_transformer_saves_and_loads_too()
    {
        var (loaded, _) = RoundTrip(spam.Context, spam.Model.LastTransformer, spam.Model.Transform(spam.Test).Schema);
        Assert.IsType<RecurrentSequenceClassificationTransformer>(loaded);
    }

    [Fact]
    public async Task A_new_process_loads_the_model_without_any_registration()
    {
        string model = TestUtil.TempFile("model.zip"), data = TestUtil.TempFile("data.txt");
        try
        {
            spam.Context.Model.Save(spam.Model, spam.Train.Schema, model);
            var lines = SyntheticData.Spam(20, seed: 17).Select(r => r.Text).ToList();
            File.WriteAllLines(data, lines);

            var psi = new ProcessStartInfo(DotnetHost(), ["exec", Program.AssemblyPath, "load-and-score", model, data])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(120_000), "the child process timed out");
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{stdout}\n{await stderr}");

            var output = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Contains("loaded-before: False", output);   // our assembly was found through the model file alone
            Assert.Contains("loaded-after: True", output);

            var expected = spam.Context.Data.CreateEnumerable<BinaryPrediction>(
                spam.Model.Transform(spam.Context.Data.LoadFromEnumerable(lines.Select(l => new TextRow { Text = l }).ToList())), false)
                .Select(p => p.Score.ToString("R", CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(expected, output.Where(l => l.StartsWith("transform ")).Select(l => l["transform ".Length..]));
            // The prediction engine scores one row at a time: same numbers up to float rounding.
            var engine = output.Where(l => l.StartsWith("engine ")).Select(l => float.Parse(l["engine ".Length..], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(expected.Count, engine.Count);
            for (int i = 0; i < engine.Count; i++) Assert.Equal(float.Parse(expected[i], CultureInfo.InvariantCulture), engine[i], 1e-4f);
        }
        finally
        {
            File.Delete(model);
            File.Delete(data);
        }
    }

    internal static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
        : "dotnet";
}
