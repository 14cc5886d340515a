using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>The regression head end to end: training, target standardisation, model file version 2, bad input.</summary>
public class RegressionTests
{
    /// <summary>
    /// Two targets of a variable-length dense sequence (2 features a step, 3..15 steps), in large units so that
    /// standardisation matters: y0 = 1000 + 100·Σ x_t0 (needs memory over the sequence), y1 = −5 + 2·x_last,1.
    /// </summary>
    internal static SequenceDataset SumTask(int count, int seed)
    {
        var rng = new Random(seed);
        var seqs = new List<float[]>();
        var targets = new List<float[]>();
        for (int i = 0; i < count; i++)
        {
            int len = rng.Next(3, 16);
            var x = Enumerable.Range(0, 2 * len).Select(_ => (float)(rng.NextDouble() * 2 - 1) * 0.5f).ToArray();
            float sum = 0;
            for (int t = 0; t < len; t++) sum += x[2 * t];
            seqs.Add(x);
            targets.Add([1000f + 100f * sum, -5f + 2f * x[2 * len - 1]]);
        }
        return SequenceDataset.ForRegression(seqs, 2, targets);
    }

    internal static readonly RecurrentArchitecture SumArchitecture = new()
    {
        Cell = RecurrentCellType.Lstm, InputKind = SequenceInputKind.Features, FeaturesPerStep = 2, HiddenSize = 24,
        Classification = ClassificationKind.Regression, NumberOfOutputs = 2,
    };

    private static readonly TrainingOptions SumOptions = new() { Epochs = 30, BatchSize = 32, LearningRate = 1e-2f, Seed = 3, NumberOfThreads = 2 };

    private static readonly Lazy<TrainingResult> Trained = new(() =>
        RecurrentTrainer.Train(SumArchitecture, SumOptions with { EarlyStoppingPatience = 5 }, SumTask(1000, 1), SumTask(200, 2)));

    [Fact]
    public void LearnsTwoTargetsInTheirOwnUnits()
    {
        var model = Trained.Value.Model;
        var test = SumTask(300, 4);
        var eval = model.EvaluateRegression(test);
        // The targets' spread: y0 has sd ≈ 100·0.29·√9 ≈ 90, y1 ≈ 0.58; a model that learned nothing has R² ≈ 0.
        Assert.True(eval.RSquared > 0.97, $"R² {eval.RSquared:F4}, MAE {eval.MeanAbsoluteError:F3}");
        // Standardisation was learned from the training targets and predictions come back in their units.
        var st = model.TargetStandardization!;
        Assert.InRange(st.Mean[0], 950f, 1050f);
        Assert.InRange(st.Mean[1], -5.2f, -4.8f);
        Assert.InRange(st.Scale[0], 40f, 200f);
        Assert.InRange(st.Scale[1], 0.3f, 1f);
        float[] x = [0.5f, 0.1f, 0.5f, 0.2f, 0.5f, 0.3f];
        float[] y = model.PredictValues(x);
        Assert.InRange(y[0], 1150f - 25f, 1150f + 25f);
        Assert.InRange(y[1], -4.4f - 0.2f, -4.4f + 0.2f);
        // Batch and single predictions agree.
        var many = new float[2 * 2];
        model.CreatePredictor().PredictValues(new List<float[]> { x, new[] { 0.1f, 0.1f } }, many);
        Assert.Equal(y[0], many[0], 3);
        Assert.Equal(y[1], many[1], 4);
    }

    [Fact]
    public void EarlyStoppingWatchesTheValidationLoss()
    {
        var r = Trained.Value;
        Assert.All(r.History, e => Assert.NotNull(e.ValidationLoss));
        Assert.All(r.History, e => Assert.Null(e.ValidationAccuracy));
        double best = r.History.Min(e => e.ValidationLoss!.Value);
        Assert.Equal(best, r.History.Single(e => e.Epoch == r.BestEpoch).ValidationLoss!.Value);
    }

    [Fact]
    public void SaveLoadRoundTripKeepsTheStandardisationAndWritesVersion2()
    {
        var model = Trained.Value.Model.WithMetadata(new Dictionary<string, string> { ["k"] = "v" });
        var ms = new MemoryStream();
        model.Save(ms);
        byte[] bytes = ms.ToArray();
        Assert.Equal(2u, BitConverter.ToUInt32(bytes, 8));
        var loaded = RecurrentModel.Load(new MemoryStream(bytes));
        Assert.Equal(model.Architecture, loaded.Architecture);
        Assert.Equal(model.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Equal(model.TargetStandardization!.Mean.ToArray(), loaded.TargetStandardization!.Mean.ToArray());
        Assert.Equal(model.TargetStandardization!.Scale.ToArray(), loaded.TargetStandardization!.Scale.ToArray());
        float[] x = [0.3f, -0.2f, 0.1f, 0.4f];
        Assert.Equal(model.PredictValues(x), loaded.PredictValues(x));
        var again = new MemoryStream();
        loaded.Save(again);
        Assert.Equal(bytes, again.ToArray());
        // Damage anywhere is an InvalidDataException, never a crash.
        foreach (int n in Enumerable.Range(0, 120).Concat([bytes.Length - 40, bytes.Length - 1]))
            Assert.Throws<InvalidDataException>(() => RecurrentModel.Load(new MemoryStream(bytes, 0, n)));
    }

    /// <summary>Saved by the library before regression heads existed (format version 1, commit 9eee991).</summary>
    private const string Version1Gru = "TUxSTk4NChoBAAAADwAAAAIAAAAAAAAAAAAAAAAAAAABAAAAAAAAAEAAAAADAAAABAAAAAEAAAAAAAAAAAAAAAAAAAABAAAAAwAAAAYAAAAMAHdlaWdodF9paF9sMAIMAAAAAwAAAAwAd2VpZ2h0X2hoX2wwAgwAAAAEAAAACgBiaWFzX2loX2wwAQwAAAAKAGJpYXNfaGhfbDABDAAAAAsAaGVhZC53ZWlnaHQCAwAAAAQAAAAJAGhlYWQuYmlhcwEDAAAAewAAAAAAAAAAAAAApGrXPrfH6D7DgZA9z73BvhB89b6MDw++RjCoPpVG/T4yAVM++ESLvlz//77YXIm+IiBXPnKY/T5EeaY+EGgTviUe9r6zQMC+aXmZPci26T4QL9Y+FQWRu+eh2L780+e+OIeHvQg3wz4O1fQ+KrQKPunjqb6k7/y+Bt5Ovk0qjT45+v8+9nGHPsI6W7445f2+6r6kvp+9Fz5Lu/Y+vL++Pvttor0ooeq+Me/UvqEDETzQ1Nk+mtvmPugTfT1WrMS+Iin0vv9VBr4klKs+oJP8PrS2Sj7NDI++9O//vl6Ehb79UF8+5yz+PkMBoz4jEBy+f1P3vvI6vb5LX6s91IbrPgur0z7OgVm8WwPbvpfe5b5NFGu9sx3GPlF48z4j9QE+7UCtvowy/L5Ri0a+buyQPo7g/z4YlIM+vGJjvn1v/r5XQKG+hl8gPrzm9z5csrs+K020vcZn7L6nYtK+0P2QPIIt3D733OQ++w9ZPReLx76ewvK+ViP7vT3qrj5ozPs+8ltCPifJkr4FzP++LqGBvu1vZz74rP4+L3yfPrGrJL4Adfi+Aya6vm03vT36Q+0+CxbRPs83tbw+U92+wNbjvk8HR7169Mg+DQjyPl1X8j0LkLC+OGH7vq4oPr7vopQ+W7L/PlVXfz4BAAAACAAAAHNhdmVkLWJ5EAAAAGZvcm1hdCB2ZXJzaW9uIDGHQkWN";

    [Fact]
    public void AVersion1FileSavedBeforeRegressionStillLoadsAndClassifiersStillWriteIt()
    {
        byte[] v1 = Convert.FromBase64String(Version1Gru);
        var model = RecurrentModel.Load(new MemoryStream(v1));
        Assert.Equal(ClassificationKind.Multiclass, model.Architecture.Classification);
        Assert.Null(model.TargetStandardization);
        Assert.Equal("format version 1", model.Metadata["saved-by"]);
        // The weights the old library wrote (p[i] = 0.5 sin i) and its prediction, printed by it at save time.
        Assert.Equal(Enumerable.Range(0, 123).Select(i => 0.5f * MathF.Sin(i)), model.Parameters.ToArray());
        float[] p = model.PredictProbabilities(new float[] { 0.1f, -0.2f, 0.3f, 0.5f, 0.0f, -1f });
        Assert.Equal([0.17793863f, 0.51304275f, 0.30901864f], p.Select(v => MathF.Round(v, 6)).ToArray(), (a, b) => MathF.Abs(a - b) < 2e-6f);
        // A classifier is still written as version 1, byte for byte.
        var ms = new MemoryStream();
        model.Save(ms);
        Assert.Equal(v1, ms.ToArray());
    }

    [Fact]
    public void AConstantTargetIsPredictedAsTheConstant()
    {
        var rng = new Random(5);
        var seqs = Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, 6).Select(_ => (float)rng.NextDouble()).ToArray()).ToList();
        var targets = seqs.Select(_ => new[] { 42.5f }).ToList();
        var a = SumArchitecture with { NumberOfOutputs = 1, HiddenSize = 4 };
        var model = RecurrentTrainer.Train(a, SumOptions with { Epochs = 2 }, SequenceDataset.ForRegression(seqs, 2, targets)).Model;
        Assert.Equal(42.5f, model.TargetStandardization!.Mean[0]);
        Assert.Equal(1f, model.TargetStandardization!.Scale[0]);
        Assert.InRange(model.PredictValues(seqs[0])[0], 42.5f - 0.5f, 42.5f + 0.5f);
        Assert.InRange(model.EvaluateRegression(SequenceDataset.ForRegression(seqs, 2, targets)).MeanAbsoluteError, 0, 0.5);
    }

    [Fact]
    public void BadTargetsAreRejectedWithTheirPosition()
    {
        float[][] seqs = [[1f, 2f], [3f, 4f]];
        var e = Assert.Throws<ArgumentException>(() => SequenceDataset.ForRegression(seqs, 2, [[1f], [float.NaN]]));
        Assert.Contains("Target 0 of sequence 1 is NaN", e.Message);
        e = Assert.Throws<ArgumentException>(() => SequenceDataset.ForRegression(seqs, 2, [[1f], [1f, 2f]]));
        Assert.Contains("Target row 1 has 2 values", e.Message);
        // The head's output count must match the targets, and a classifier rejects a regression dataset.
        var data = SequenceDataset.ForRegression(seqs, 2, [[1f], [2f]]);
        e = Assert.Throws<ArgumentException>(() => RecurrentTrainer.Train(SumArchitecture, SumOptions, data));
        Assert.Contains("NumberOfOutputs = 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => RecurrentTrainer.Train(SumArchitecture with { Classification = ClassificationKind.Binary, NumberOfClasses = 2 }, SumOptions, data));
        Assert.Contains("regression targets", e.Message);
        e = Assert.Throws<ArgumentException>(() => RecurrentTrainer.Train(SumArchitecture, SumOptions, SequenceDataset.FromFeatures(seqs, 2, [0, 1])));
        Assert.Contains("class labels", e.Message);
        Assert.Throws<ArgumentException>(() => new TargetStandardization([0f], [0f]));
    }
}
