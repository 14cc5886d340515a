using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Onnx;

/// <summary>
/// <c>mlContext.Model.ConvertToOnnx</c> on pipelines with our trainers, checked by ONNX Runtime: its outputs equal
/// ML.NET's <c>Transform</c> outputs row by row (scores within 1e-5, identical predicted labels), with
/// out-of-vocabulary tokens and sequences longer than MaxSequenceLength; an unexportable step fails loudly.
/// </summary>
public class PipelineOnnxExportTests
{
    private const int Rows = 300;

    private static readonly string[] Unseen = ["zebra", "quasar", "flummox", "ω-token", "PRIZE"];

    /// <summary>Test texts: training-like rows with out-of-vocabulary words, over-long, one-word and empty rows mixed in.</summary>
    private static List<T> WithOddRows<T>(List<T> rows, Func<T, string> text, Func<T, string, T> withText)
    {
        var rng = new Random(5);
        for (int i = 0; i < rows.Count; i++)
        {
            var words = text(rows[i]).Split(' ').ToList();
            switch (i % 5)
            {
                case 0: words.Insert(rng.Next(words.Count + 1), Unseen[rng.Next(Unseen.Length)]); break;
                case 1: words.AddRange(words.ToArray()); words.AddRange(words.ToArray()); break; // 4× longer than MaxSequenceLength allows
                case 2 when i % 3 == 0: words = [words[0]]; break;
                case 3 when i % 4 == 0: words = []; break; // an empty text: no tokens at all
            }
            rows[i] = withText(rows[i], string.Join(' ', words));
        }
        return rows;
    }

    [Fact]
    public void TokenizedLstmMatchesMLNet()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Spam(400, seed: 1));
        var options = Small.Options(new LstmSequenceClassifierTrainer.Options
        {
            LabelColumnName = "Label", FeatureColumnName = "Tokens", Peephole = true, Bidirectional = true, NumberOfLayers = 2,
            Pooling = SequencePooling.Max, MaxSequenceLength = 12,
        }, epochs: 2);
        var model = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.BinaryClassification.Trainers.Lstm(options)).Fit(train);
        var rows = WithOddRows(SyntheticData.Spam(Rows, seed: 2), r => r.Text, (r, t) => new TextRow { Text = t, Label = r.Label });
        var data = ml.Data.LoadFromEnumerable(rows);
        using var session = Convert(ml, model, data);
        Assert.Equal(["Label", "Text", "Weight"], session.InputMetadata.Keys.Order());

        var scored = model.Transform(data);
        var score = scored.GetColumn<float>("Score").ToArray();
        var probability = scored.GetColumn<float>("Probability").ToArray();
        var predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        for (int i = 0; i < rows.Count; i++)
        {
            using var result = session.Run(
            [
                NamedOnnxValue.CreateFromTensor("Text", new DenseTensor<string>(new[] { rows[i].Text }, [1, 1])),
                NamedOnnxValue.CreateFromTensor("Label", new DenseTensor<bool>(new[] { rows[i].Label }, [1, 1])),
                NamedOnnxValue.CreateFromTensor("Weight", new DenseTensor<float>(new[] { rows[i].Weight }, [1, 1])),
            ]);
            Close(score[i], Single<float>(result, "Score.output"), $"row {i} '{rows[i].Text}' Score");
            Close(probability[i], Single<float>(result, "Probability.output"), $"row {i} Probability");
            Assert.Equal(predicted[i], Single<bool>(result, "PredictedLabel.output"));
        }
    }

    [Fact]
    public void KeyGruMulticlassWithMapKeyToValueMatchesMLNet()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Topic(400, seed: 3));
        var options = Small.Options(new GruSequenceClassifierTrainer.Options
        {
            FeatureColumnName = "TokenKeys", ResetMode = GruResetMode.BeforeRecurrentProduct, Pooling = SequencePooling.Mean, MaxSequenceLength = 7,
        }, epochs: 2);
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "Topic")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Words", "Text"))
            .Append(ml.Transforms.Conversion.MapValueToKey("TokenKeys", "Words"))
            .Append(ml.MulticlassClassification.Trainers.Gru(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedTopic", "PredictedLabel"))
            .Fit(train);
        var rows = WithOddRows(SyntheticData.Topic(Rows, seed: 4), r => r.Text, (r, t) => new TopicRow { Text = t, Topic = r.Topic });
        var data = ml.Data.LoadFromEnumerable(rows);
        using var session = Convert(ml, model, data);

        var scored = model.Transform(data);
        var score = scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
        var topic = scored.GetColumn<string>("PredictedTopic").ToArray();
        for (int i = 0; i < rows.Count; i++)
        {
            using var result = session.Run(
            [
                NamedOnnxValue.CreateFromTensor("Text", new DenseTensor<string>(new[] { rows[i].Text }, [1, 1])),
                NamedOnnxValue.CreateFromTensor("Topic", new DenseTensor<string>(new[] { rows[i].Topic }, [1, 1])),
            ]);
            var onnxScore = result.Single(r => r.Name == "Score.output").AsTensor<float>().ToArray();
            Assert.Equal(3, onnxScore.Length);
            for (int c = 0; c < 3; c++) Close(score[i][c], onnxScore[c], $"row {i} '{rows[i].Text}' Score[{c}]");
            Assert.Equal(predicted[i], Single<uint>(result, "PredictedLabel.output"));
            Assert.Equal(topic[i], Single<string>(result, "PredictedTopic.output"));
        }
    }

    [Fact]
    public void FloatSeriesRnnMatchesMLNet()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Series(400, seed: 5));
        var options = Small.Options(new RnnSequenceClassifierTrainer.Options
        {
            FeatureColumnName = "Values", FeaturesPerStep = 2, Activation = RnnActivation.Relu, Bidirectional = true, NumberOfLayers = 3,
            Pooling = SequencePooling.Last, MaxSequenceLength = 6, // the series have 8 steps: the last 2 are cut, as in ML.NET
        }, epochs: 2);
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "Shape")
            .Append(ml.MulticlassClassification.Trainers.Rnn(options)).Fit(train);
        var rows = SyntheticData.Series(Rows, seed: 6);
        var data = ml.Data.LoadFromEnumerable(rows);
        using var session = Convert(ml, model, data);
        Assert.Equal(new[] { -1, SyntheticData.SeriesSteps * 2 }, session.InputMetadata["Values"].Dimensions);

        var scored = model.Transform(data);
        var score = scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
        // Rows as one batch: fixed-size float vectors export with a dynamic batch axis.
        var values = rows.SelectMany(r => r.Values).ToArray();
        using var result = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("Values", new DenseTensor<float>(values, [rows.Count, SyntheticData.SeriesSteps * 2])),
            NamedOnnxValue.CreateFromTensor("Shape", new DenseTensor<string>(rows.Select(r => r.Shape).ToArray(), [rows.Count, 1])),
        ]);
        var onnxScore = result.Single(r => r.Name == "Score.output").AsTensor<float>();
        var onnxPredicted = result.Single(r => r.Name == "PredictedLabel.output").AsTensor<uint>();
        for (int i = 0; i < rows.Count; i++)
        {
            for (int c = 0; c < 3; c++) Close(score[i][c], onnxScore[i, c], $"row {i} Score[{c}]");
            Assert.Equal(predicted[i], onnxPredicted[i, 0]);
        }
    }

    [Fact]
    public void UnexportableStepBeforeTheTrainerFailsLoudly()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Spam(100, seed: 1));
        // CustomMapping has no ONNX form: ML.NET's converter only warns and stops there.
        var model = ml.Transforms.CustomMapping<TextRow, TokensRow>((input, output) => output.Tokens = input.Text.Split(' '), contractName: null)
            .Append(ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens" }, epochs: 1)))
            .Fit(train);
        var e = Assert.Throws<InvalidOperationException>(() => ml.Model.ConvertToOnnx(model, train, new MemoryStream()));
        Assert.Contains("'Tokens'", e.Message);
        Assert.Contains("ONNX", e.Message);
    }

    [Fact]
    public void OpsetBelowTwelveFailsLoudly()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Series(60, seed: 5));
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "Shape")
            .Append(ml.MulticlassClassification.Trainers.Gru(Small.Options(new GruSequenceClassifierTrainer.Options { FeatureColumnName = "Values", FeaturesPerStep = 2 }, epochs: 1)))
            .Fit(train);
        var e = Assert.Throws<InvalidOperationException>(() => ml.Model.ConvertToOnnx(model, train, 11, new MemoryStream()));
        Assert.Contains("opset 12", e.Message);
    }

    [Fact]
    public void TransformedViewReappliesToOtherData()
    {
        // The view Transform returns is an ML.NET data transform (so ConvertToOnnx can walk it); ML.NET re-applies
        // such transforms to new data through ITransformTemplate.ApplyToData (internal, so reached by reflection here).
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Series(60, seed: 5));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", "Shape").Fit(train).Transform(train);
        var model = ml.MulticlassClassification.Trainers.Gru(Small.Options(new GruSequenceClassifierTrainer.Options { FeatureColumnName = "Values", FeaturesPerStep = 2 }, epochs: 1))
            .Fit(keyed);
        var other = ml.Transforms.Conversion.MapValueToKey("Label", "Shape").Fit(train).Transform(ml.Data.LoadFromEnumerable(SyntheticData.Series(20, seed: 9)));
        var view = model.Transform(keyed);
        var reapplied = (IDataView)view.GetType().GetMethod("ApplyToData")!.Invoke(view, [ml, other])!;
        var expected = model.Transform(other).GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        var actual = reapplied.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.Equal(20, actual.Length);
        Assert.Equal(expected, actual);
    }

    public sealed class TokensRow
    {
        public string[] Tokens { get; set; } = [];
    }

    [Fact]
    public void RegressionLstmScoreMatchesMLNetInTheLabelsUnits()
    {
        var ml = new MLContext(seed: 1);
        var (windows, trainRows, testRows) = SeasonalSeries.Make();
        var model = ml.Regression.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeaturesPerStep = 1 }, epochs: 2))
            .Fit(ml.Data.LoadFromSeriesWindows(windows, trainRows));
        var rows = testRows.Take(Rows).ToList();
        var data = ml.Data.LoadFromSeriesWindows(windows, rows);
        using var session = Convert(ml, model, data);
        float[] score = model.Transform(data).GetColumn<float>("Score").ToArray();
        int W = SeasonalSeries.Window;
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("Features", new DenseTensor<float>(rows.SelectMany(r => r.Features).ToArray(), [rows.Count, W])),
            NamedOnnxValue.CreateFromTensor("Label", new DenseTensor<float>(rows.Select(r => r.Label).ToArray(), [rows.Count, 1])),
            NamedOnnxValue.CreateFromTensor("Origin", new DenseTensor<int>(rows.Select(r => r.Origin).ToArray(), [rows.Count, 1])),
        };
        using var result = session.Run(inputs.Where(i => session.InputMetadata.ContainsKey(i.Name)).ToList());
        var onnxScore = result.Single(r => r.Name == "Score.output").AsTensor<float>();
        Assert.InRange(score.Average(), 90f, 130f);   // in the label's units, not standardised
        for (int i = 0; i < rows.Count; i++)
            Assert.True(Math.Abs(score[i] - onnxScore[i, 0]) <= 1e-3, $"row {i}: ML.NET {score[i]}, ONNX Runtime {onnxScore[i, 0]}");
    }

    private static InferenceSession Convert(MLContext ml, ITransformer model, IDataView data)
    {
        var stream = new MemoryStream();
        ml.Model.ConvertToOnnx(model, data, stream);
        var session = new InferenceSession(stream.ToArray());
        // The real graph, not a pass-through: the prediction columns are outputs, never inputs.
        Assert.DoesNotContain("Score", session.InputMetadata.Keys);
        Assert.Contains("Score.output", session.OutputMetadata.Keys);
        return session;
    }

    private static T Single<T>(IDisposableReadOnlyCollection<DisposableNamedOnnxValue> result, string name)
    {
        var tensor = result.Single(r => r.Name == name).AsTensor<T>();
        Assert.Equal(1, tensor.Length);
        return tensor.GetValue(0);
    }

    private static void Close(float expected, float actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-5, $"{what}: ML.NET {expected}, ONNX Runtime {actual}");
}
