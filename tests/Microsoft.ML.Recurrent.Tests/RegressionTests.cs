using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Forecasting;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests;

public sealed class RegressionPrediction
{
    public float Score { get; set; }
}

public sealed class WindowInput
{
    [VectorType(SeasonalSeries.Window)]
    public float[] Features { get; set; } = [];
}

/// <summary>A noisy daily-like series with a 7-step season and a slow trend, cut into 14-step windows, one step ahead.</summary>
public static class SeasonalSeries
{
    public const int Window = 14;

    public static (SeriesWindows Windows, IReadOnlyList<SeriesWindow> Train, IReadOnlyList<SeriesWindow> Test) Make(int length = 700, int testFrom = 560)
    {
        var rng = new Random(3);
        float[] y = Enumerable.Range(0, length).Select(t => 100f + 0.02f * t + 8f * MathF.Sin(2 * MathF.PI * t / 7) + (float)(rng.NextDouble() - 0.5)).ToArray();
        var windows = new SeriesWindows(y, Window, horizon: 1);
        return (windows, windows.Labelled(lastLabelIndex: testFrom - 1), windows.Labelled(firstLabelIndex: testFrom));
    }
}

/// <summary>mlContext.Regression.Trainers.Lstm/Gru/Rnn through ML.NET's evaluator, cross-validation, prediction engine and save/load.</summary>
public class RegressionTests
{
    private static GruSequenceClassifierTrainer.Options GruOptions(int epochs = 20) => Small.Options(new GruSequenceClassifierTrainer.Options { FeaturesPerStep = 1 }, epochs);

    private static (MLContext Ml, IDataView Train, IDataView Test, List<SeriesWindow> TestRows) Data()
    {
        var ml = new MLContext(seed: 1);
        var (w, train, test) = SeasonalSeries.Make();
        return (ml, ml.Data.LoadFromSeriesWindows(w, train), ml.Data.LoadFromSeriesWindows(w, test), test.ToList());
    }

    [Fact]
    public void An_LSTM_regressor_forecasts_a_seasonal_series_and_Regression_Evaluate_reads_its_Score()
    {
        var (ml, train, test, rows) = Data();
        // Inputs around 100 would saturate the gates: normalise the window slots, as for any ML.NET learner.
        // 40 epochs, not 20: at 20 the bar below was decided by the seed (9 of seeds 1-24 missed it, and an ulp-level
        // change of the gate activations made this seed miss it too); at 40, 15 of seeds 1-16 pass (seed 10: MAE 2.92).
        var options = Small.Options(new LstmSequenceClassifierTrainer.Options { FeaturesPerStep = 1 }, epochs: 40);
        var model = ml.Transforms.NormalizeMeanVariance("Features").Append(ml.Regression.Trainers.Lstm(options)).Fit(train);
        var scored = model.Transform(test);
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Score"].Type);
        var metrics = ml.Regression.Evaluate(scored);
        double persistence = rows.Average(r => Math.Abs(r.Features[^1] - r.Label));
        Assert.True(metrics.MeanAbsoluteError < 0.5 * persistence, $"MAE {metrics.MeanAbsoluteError:F3}, persistence {persistence:F3}");
        Assert.True(metrics.RSquared > 0.6, $"R² {metrics.RSquared:F3}");
        // The Score is in the label's units (the model learned the label standardised).
        Assert.InRange(TestUtil.Column(scored, "Score").Average(), 105f, 120f);
        Assert.NotNull(model.LastTransformer.Model.TargetStandardization);
    }

    [Fact]
    public void CrossValidate_PredictionEngine_and_save_load_work_unchanged()
    {
        var (ml, train, test, rows) = Data();
        var pipeline = ml.Regression.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeaturesPerStep = 1 }, epochs: 3));
        var folds = ml.Regression.CrossValidate(train, pipeline, numberOfFolds: 2);
        Assert.Equal(2, folds.Count);
        Assert.All(folds, f => Assert.True(double.IsFinite(f.Metrics.MeanAbsoluteError) && f.Metrics.MeanAbsoluteError > 0));

        var model = pipeline.Fit(train);
        float[] scores = TestUtil.Column(model.Transform(test), "Score");
        var engine = ml.Model.CreatePredictionEngine<WindowInput, RegressionPrediction>(model);
        for (int i = 0; i < 5; i++)
            Assert.Equal(scores[i], engine.Predict(new WindowInput { Features = rows[i].Features }).Score, 4);

        string path = TestUtil.TempFile("regression.zip");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            Assert.Equal(scores, TestUtil.Column(loaded.Transform(test), "Score"));
            var xf = Assert.IsType<RecurrentSequenceClassificationTransformer>(loaded);
            Assert.Equal(SequenceClassificationTask.Regression, xf.Task);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Rows_with_a_NaN_label_are_skipped_and_counted_and_a_validation_set_drives_early_stopping()
    {
        var (w, train, test) = SeasonalSeries.Make();
        var rows = train.Select(r => new SeriesWindow { Origin = r.Origin, Features = r.Features, Label = r.Origin % 50 == 0 ? float.NaN : r.Label }).ToList();
        int nan = rows.Count(r => float.IsNaN(r.Label));
        var ml = new MLContext(seed: 2);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.RawMessage); };
        var options = GruOptions(epochs: 6);
        options.EarlyStoppingPatience = 2;
        var model = ml.Regression.Trainers.Gru(options).Fit(ml.Data.LoadFromSeriesWindows(w, rows), ml.Data.LoadFromSeriesWindows(w, test));
        Assert.Contains(messages, m => m.Contains($"{rows.Count - nan} of {rows.Count} rows used") && m.Contains($"{nan} missing label"));
        Assert.All(model.TrainingHistory, e => Assert.NotNull(e.ValidationLoss));
        Assert.All(TestUtil.Column(model.Transform(ml.Data.LoadFromSeriesWindows(w, test)), "Score"), s => Assert.True(float.IsFinite(s)));
    }

    [Fact]
    public void A_constant_label_is_predicted_as_the_constant()
    {
        var (w, train, _) = SeasonalSeries.Make();
        var rows = train.Select(r => new SeriesWindow { Origin = r.Origin, Features = r.Features, Label = 7.25f }).ToList();
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromSeriesWindows(w, rows);
        var model = ml.Regression.Trainers.Rnn(Small.Options(new RnnSequenceClassifierTrainer.Options { FeaturesPerStep = 1 }, epochs: 2)).Fit(data);
        Assert.All(TestUtil.Column(model.Transform(data), "Score"), s => Assert.InRange(s, 7.25f - 0.3f, 7.25f + 0.3f));
        Assert.Equal(0, ml.Regression.Evaluate(model.Transform(data)).MeanAbsoluteError, 0.3);
    }

    [Fact]
    public void The_Jordan_RNN_is_an_Rnn_option_for_regression_and_classification_and_saves_and_loads()
    {
        var (ml, train, test, rows) = Data();
        var options = Small.Options(new RnnSequenceClassifierTrainer.Options { FeaturesPerStep = 1, Recurrence = RnnRecurrence.Jordan, JordanOutputSize = 4, Pooling = SequencePooling.Last }, epochs: 15);
        var model = ml.Transforms.NormalizeMeanVariance("Features", fixZero: false).Append(ml.Regression.Trainers.Rnn(options)).Fit(train);
        var recurrent = model.LastTransformer.Model.Architecture;
        Assert.Equal((RecurrentCellType.Rnn, RnnRecurrence.Jordan, 4), (recurrent.Cell, recurrent.Recurrence, recurrent.JordanOutputSize));
        var metrics = ml.Regression.Evaluate(model.Transform(test));
        double persistence = rows.Average(r => Math.Abs(r.Features[^1] - r.Label));
        Assert.True(metrics.MeanAbsoluteError < persistence, $"MAE {metrics.MeanAbsoluteError:F3}, persistence {persistence:F3}");

        string path = TestUtil.TempFile("jordan.zip");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            Assert.Equal(TestUtil.Column(model.Transform(test), "Score"), TestUtil.Column(loaded.Transform(test), "Score"));
        }
        finally { File.Delete(path); }

        // Classification: the spam task through tokens.
        var spam = ml.Data.LoadFromEnumerable(SyntheticData.Spam(400, seed: 8));
        var classifier = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.BinaryClassification.Trainers.Rnn(
            Small.Options(new RnnSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens", Recurrence = RnnRecurrence.Jordan, JordanOutputSize = 8 })));
        var accuracy = ml.BinaryClassification.Evaluate(classifier.Fit(spam).Transform(ml.Data.LoadFromEnumerable(SyntheticData.Spam(200, seed: 9)))).Accuracy;
        Assert.True(accuracy > 0.9, $"accuracy {accuracy:F3}");
    }

    [Fact]
    public async Task A_saved_regression_model_scores_the_same_in_a_new_process()
    {
        var ml = new MLContext(seed: 6);
        var rows = SyntheticData.Spam(300, seed: 10).Select(r => new { r.Text, Count = (float)r.Text.Split(' ').Count(t => t is "free" or "winner" or "prize" or "cash" or "click") }).ToList();
        var train = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Regression.Trainers.Gru(Small.Options(new GruSequenceClassifierTrainer.Options { LabelColumnName = "Count", FeatureColumnName = "Tokens" }, epochs: 2)))
            .Fit(train);
        string path = TestUtil.TempFile("regression-process.zip"), data = TestUtil.TempFile("regression-lines.txt");
        try
        {
            ml.Model.Save(model, train.Schema, path);
            var lines = SyntheticData.Spam(10, seed: 11).Select(r => r.Text).ToList();
            File.WriteAllLines(data, lines);
            var psi = new System.Diagnostics.ProcessStartInfo(PersistenceTests.DotnetHost(), ["exec", Program.AssemblyPath, "load-and-score-regression", path, data])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            using var process = System.Diagnostics.Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(120_000), "the child process timed out");
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}\n{stdout}\n{await stderr}");
            var output = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Contains("loaded-before: False", output);
            var expected = TestUtil.Column(model.Transform(ml.Data.LoadFromEnumerable(lines.Select(l => new TextRow { Text = l }).ToList())), "Score");
            var transformed = output.Where(l => l.StartsWith("transform ")).Select(l => float.Parse(l["transform ".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var engine = output.Where(l => l.StartsWith("engine ")).Select(l => float.Parse(l["engine ".Length..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(expected, transformed);
            Assert.Equal(expected.Length, engine.Length);
            for (int i = 0; i < engine.Length; i++) Assert.Equal(expected[i], engine[i], 1e-4f);
        }
        finally
        {
            File.Delete(path);
            File.Delete(data);
        }
    }

    [Fact]
    public void A_regressor_reads_text_tokens_too_and_rejects_a_non_Single_label()
    {
        var ml = new MLContext(seed: 4);
        // Label = number of spam words in the message: a count read from the token sequence.
        var rows = SyntheticData.Spam(500, seed: 5).Select(r => new { r.Text, Count = (float)r.Text.Split(' ').Count(t => t is "free" or "winner" or "prize" or "cash" or "click") }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Regression.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { LabelColumnName = "Count", FeatureColumnName = "Tokens" }, epochs: 6)));
        var metrics = ml.Regression.Evaluate(pipeline.Fit(data).Transform(data), labelColumnName: "Count");
        Assert.True(metrics.MeanAbsoluteError < 0.25, $"MAE {metrics.MeanAbsoluteError:F3}");

        var boolLabel = ml.Data.LoadFromEnumerable(SyntheticData.Spam(20, seed: 6));
        var bad = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.Regression.Trainers.Lstm(featureColumnName: "Tokens"));
        var e = Assert.ThrowsAny<ArgumentException>(() => bad.Fit(boolLabel));
        Assert.Contains("Label column 'Label' has type Boolean; expected Single", e.Message);
    }
}
