using Microsoft.ML.Data;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>Issue #14: Transform scores its mini-batches on the transformer's threads; the scores never depend on how many.</summary>
public class ParallelScoringTests
{
    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: row {i} is {actual[i]:R}, one thread gave {expected[i]:R}");
    }

    [Fact]
    public void Binary_scores_are_bit_identical_on_one_two_and_three_threads()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Spam(200, seed: 1));
        // More rows than one cursor batch, the last batch partial: batches and their blocks both split across threads.
        var test = ml.Data.LoadFromEnumerable(SyntheticData.Spam(ScoringRows, seed: 2));
        var model = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens", NumberOfThreads = 1 }, epochs: 1)))
            .Fit(train);
        var tokenized = model.Take(1).Single().Transform(test);
        var fitted = model.LastTransformer;
        Assert.Equal(1, fitted.NumberOfThreads);   // the trainer's NumberOfThreads

        (float[] Score, float[] Probability) Run(int threads)
        {
            var xf = fitted.WithNumberOfThreads(threads);
            Assert.Equal(threads, xf.NumberOfThreads);
            var scored = xf.Transform(tokenized);
            return (TestUtil.Column(scored, "Score"), TestUtil.Column(scored, "Probability"));
        }
        var one = Run(1);
        Assert.Equal(ScoringRows, one.Score.Length);
        foreach (int t in new[] { 2, 3 })
        {
            var other = Run(t);
            AssertSameBits(one.Score, other.Score, $"Score on {t} threads");
            AssertSameBits(one.Probability, other.Probability, $"Probability on {t} threads");
        }
        Assert.Equal(Environment.ProcessorCount, fitted.WithNumberOfThreads(null).NumberOfThreads);
    }

    [Fact]
    public void Multiclass_float_scores_are_bit_identical_on_one_two_and_three_threads()
    {
        var ml = new MLContext(seed: 3);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Series(200, seed: 7));
        var test = ml.Data.LoadFromEnumerable(SyntheticData.Series(ScoringRows, seed: 8));
        var xf = ml.Transforms.Conversion.MapValueToKey("Label", "Shape")
            .Append(ml.MulticlassClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Values", FeaturesPerStep = 2 }, epochs: 1)))
            .Fit(train).LastTransformer;
        float[] Scores(int threads) => TestUtil.VectorColumn(xf.WithNumberOfThreads(threads).Transform(test), "Score").SelectMany(s => s).ToArray();
        var one = Scores(1);
        Assert.Equal(ScoringRows * 3, one.Length);
        AssertSameBits(one, Scores(2), "2 threads");
        AssertSameBits(one, Scores(3), "3 threads");
    }

    [Fact]
    public void A_zero_thread_count_is_rejected()
    {
        var ml = new MLContext(seed: 3);
        var xf = ml.MulticlassClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Values", FeaturesPerStep = 2 }, epochs: 1))
            .Fit(ml.Transforms.Conversion.MapValueToKey("Label", "Shape").Fit(ml.Data.LoadFromEnumerable(SyntheticData.Series(60, seed: 7)))
                .Transform(ml.Data.LoadFromEnumerable(SyntheticData.Series(60, seed: 7))));
        Assert.Throws<ArgumentOutOfRangeException>(() => xf.WithNumberOfThreads(0));
    }

    private const int ScoringRows = 2 * 256 + 77;
}
