using Microsoft.ML.Data;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>
/// <c>transformer.WithPrecision(InferencePrecision.Int8)</c>: Transform and prediction engines score in int8, close to
/// fp32, the same row by row as in batches; the precision is not saved with the model.
/// </summary>
public sealed class ReducedPrecisionScoringTests(SpamModelFixture spam, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<SpamModelFixture>
{
    [Fact]
    public void Int8_transformer_scores_close_to_fp32_and_engines_made_from_it_score_the_same()
    {
        var ml = spam.Context;
        var rows = SyntheticData.Spam(300, seed: 21);
        var data = ml.Data.LoadFromEnumerable(rows);
        var fitted = spam.Model.LastTransformer;
        Assert.Equal(InferencePrecision.Float32, fitted.Precision);
        var int8 = fitted.WithPrecision(InferencePrecision.Int8);
        Assert.Equal(InferencePrecision.Int8, int8.Precision);
        Assert.Equal(fitted.NumberOfThreads, int8.NumberOfThreads);
        Assert.Equal(InferencePrecision.Int8, int8.WithNumberOfThreads(1).Precision);   // each With… keeps the other setting
        Assert.Equal(InferencePrecision.Float32, int8.WithPrecision(InferencePrecision.Float32).Precision);

        // The whole pipeline with its recurrent step swapped for the int8 form (the extension on ITransformer).
        var chain = spam.Model.WithPrecision(InferencePrecision.Int8);
        var swapped = ((IEnumerable<ITransformer>)chain).ToArray();
        Assert.Equal(spam.Model.Count(), swapped.Length);
        Assert.Same(spam.Model.First(), swapped[0]);   // the other steps are reused
        Assert.Equal(InferencePrecision.Int8, Assert.IsType<RecurrentSequenceClassificationTransformer>(swapped[^1]).Precision);
        float[] fp32 = TestUtil.Column(spam.Model.Transform(data), "Probability");
        float[] q = TestUtil.Column(chain.Transform(data), "Probability");
        Assert.Equal(fp32.Length, q.Length);
        double worst = fp32.Zip(q, (a, b) => (double)Math.Abs(a - b)).Max();
        output.WriteLine($"largest |Δ probability| {worst:E2} over {q.Length} rows");
        Assert.True(fp32.Zip(q).Any(p => p.First != p.Second), "int8 scores equal fp32 everywhere: the int8 path did not run");
        // Measured on this fixture (2026-11-29): largest |Δ probability| 2.8e-5 over 300 rows (a 16-unit LSTM over
        // tokens); 0.03 is the engine tests' bound for gated cells.
        Assert.True(worst < 0.03, $"int8 probabilities differ from fp32 by up to {worst}");

        // A prediction engine scores one row at a time; int8 rows are quantized one by one, so it equals Transform exactly.
        var engine = ml.Model.CreatePredictionEngine<TextRow, BinaryPrediction>(chain);
        for (int i = 0; i < rows.Count; i++) Assert.Equal(q[i], engine.Predict(rows[i]).Probability);
    }

    [Fact]
    public void The_precision_is_not_saved_and_undefined_values_are_rejected()
    {
        var ml = spam.Context;
        var steps = spam.Model.ToArray();
        steps[^1] = spam.Model.LastTransformer.WithPrecision(InferencePrecision.Int8);
        var chain = new TransformerChain<ITransformer>(steps);
        string path = TestUtil.TempFile("int8.zip");
        ml.Model.Save(chain, spam.Train.Schema, path);
        var loaded = (TransformerChain<ITransformer>)new MLContext().Model.Load(path, out _);
        File.Delete(path);
        var last = Assert.IsType<RecurrentSequenceClassificationTransformer>(loaded.LastTransformer);
        Assert.Equal(InferencePrecision.Float32, last.Precision);
        Assert.Throws<ArgumentOutOfRangeException>(() => spam.Model.LastTransformer.WithPrecision((InferencePrecision)3));
        var e = Assert.Throws<ArgumentException>(() => spam.Model.First().WithPrecision(InferencePrecision.Int8));
        Assert.Contains("no RecurrentSequenceClassificationTransformer", e.Message);
    }
}
