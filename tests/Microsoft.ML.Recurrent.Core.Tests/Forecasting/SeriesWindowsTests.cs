using Microsoft.ML.Recurrent.Forecasting;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Forecasting;

public class SeriesWindowsTests
{
    private static float[] Ramp(int n, float scale = 1f) => Enumerable.Range(0, n).Select(i => i * scale).ToArray();

    [Fact]
    public void AWindowHoldsTargetInputsAndShiftedKnownAheadValuesStepByStep()
    {
        float[] y = Ramp(10), u = Ramp(10, 10f), dow = Ramp(12, 100f);  // known-ahead series reach two steps past the end
        var w = new SeriesWindows(y, windowSize: 3, horizon: 2, inputs: [u], knownAhead: [dow]);
        Assert.Equal(3, w.FeaturesPerStep);
        Assert.Equal(2, w.FirstOrigin);
        Assert.Equal(7, w.LastLabelledOrigin);
        Assert.Equal(9, w.LastOrigin);
        // Origin 4: steps 2, 3, 4 as [y_s, u_s, dow_{s+2}]; label y_6.
        Assert.Equal([2f, 20f, 400f, 3f, 30f, 500f, 4f, 40f, 600f], w.FeaturesAt(4));
        Assert.Equal(6f, w.LabelAt(4));
        var rows = w.Labelled();
        Assert.Equal(Enumerable.Range(2, 6), rows.Select(r => r.Origin));
        Assert.All(rows, r => Assert.Equal(y[r.Origin + 2], r.Label));
        Assert.Equal(0, w.Skipped);
        // A forecast window past the labelled range (its label is the unknown future) is still available.
        Assert.Equal([7f, 70f, 900f, 8f, 80f, 1000f, 9f, 90f, 1100f], w.FeaturesAt(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.LabelAt(8));
    }

    [Fact]
    public void SplittingByLabelIndexKeepsTestLabelsOutOfTraining()
    {
        var w = new SeriesWindows(Ramp(50), windowSize: 7, horizon: 3);
        var train = w.Labelled(lastLabelIndex: 39);
        var test = w.Labelled(firstLabelIndex: 40);
        Assert.Equal(39f, train[^1].Label);
        Assert.Equal(40f, test[0].Label);
        Assert.Equal(49f, test[^1].Label);
        Assert.Equal(50 - 7 - 3 + 1, train.Count + test.Count);
    }

    [Fact]
    public void WindowsTouchingAGapAreSkippedAndCounted()
    {
        float[] y = Ramp(20);
        y[10] = float.NaN;
        var w = new SeriesWindows(y, windowSize: 4, horizon: 1);
        var rows = w.Labelled();
        // Origins 3..18; step 10 lies in the windows of origins 10..13 and is the label of origin 9.
        Assert.Equal(5, w.Skipped);
        Assert.Equal(16 - 5, rows.Count);
        Assert.DoesNotContain(rows, r => r.Origin is >= 9 and <= 13);
    }

    [Fact]
    public void AWindowLongerThanTheSeriesIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => new SeriesWindows(Ramp(30), windowSize: 28, horizon: 7));
        Assert.Contains("window of 28 steps plus a horizon of 7 needs a series of at least 35 values; the target series has 30", e.Message);
        e = Assert.Throws<ArgumentException>(() => new SeriesWindows(Ramp(30), windowSize: 3, inputs: [Ramp(29)]));
        Assert.Contains("Series 0 of inputs has 29 values; expected 30", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SeriesWindows(Ramp(30), windowSize: 0));
    }

    [Fact]
    public void RecursiveForecastFeedsPredictionsBackAndDirectUsesOneModelPerHorizon()
    {
        // y_t = 2t; a "model" that extrapolates the last two window values linearly is exact on it.
        float[] y = Ramp(20, 2f);
        float[] dow = Ramp(30);
        var one = new SeriesWindows(y, windowSize: 3, horizon: 1, knownAhead: [dow]);
        float Extrapolate(float[] x) => 2 * x[^2] - x[^4];  // F = 2: [y, dow] per step
        float[] recursive = SeriesForecast.Recursive(one, Extrapolate, origin: 14, steps: 8);
        Assert.Equal(Enumerable.Range(15, 8).Select(t => 2f * t), recursive);
        // The forecast ran past the series end (origin 19 + 3), reading the known-ahead series there.
        Assert.Equal(Enumerable.Range(20, 3).Select(t => 2f * t), SeriesForecast.Recursive(one, Extrapolate, origin: 19, steps: 3));

        var horizons = Enumerable.Range(1, 4).Select(h => new SeriesWindows(y, windowSize: 2, horizon: h)).ToList();
        var predictors = Enumerable.Range(1, 4).Select(h => (Func<float[], float>)(x => x[1] + h * (x[1] - x[0]))).ToList();
        Assert.Equal([22f, 24f, 26f, 28f], SeriesForecast.Direct(horizons, predictors, origin: 10));
        Assert.Throws<ArgumentException>(() => SeriesForecast.Direct(horizons.AsEnumerable().Reverse().ToList(), predictors, origin: 10));
        Assert.Throws<ArgumentException>(() => SeriesForecast.Recursive(horizons[1], Extrapolate, 10, 2));
    }

    [Fact]
    public void AnLstmForecastsANoisySeasonalSeriesBetterThanPersistence()
    {
        var rng = new Random(7);
        float[] y = Enumerable.Range(0, 900).Select(t => 10f + 3f * MathF.Sin(2 * MathF.PI * t / 12) + (float)(rng.NextDouble() - 0.5) * 0.5f).ToArray();
        var w = new SeriesWindows(y, windowSize: 12, horizon: 1);
        var train = w.Labelled(lastLabelIndex: 699);
        var test = w.Labelled(firstLabelIndex: 700);
        var a = new RecurrentArchitecture
        {
            Cell = RecurrentCellType.Lstm, InputKind = SequenceInputKind.Features, FeaturesPerStep = w.FeaturesPerStep, HiddenSize = 16,
            Classification = ClassificationKind.Regression,
        };
        var model = RecurrentTrainer.Train(a, new TrainingOptions { Epochs = 15, BatchSize = 32, LearningRate = 1e-2f, Seed = 1, NumberOfThreads = 2 }, w.ToDataset(train)).Model;
        double mae = test.Average(r => Math.Abs(model.PredictValues(r.Features)[0] - r.Label));
        double persistence = test.Average(r => Math.Abs(y[r.Origin] - r.Label));
        Assert.True(mae < 0.5 * persistence, $"LSTM MAE {mae:F3}, persistence {persistence:F3}");
    }
}
