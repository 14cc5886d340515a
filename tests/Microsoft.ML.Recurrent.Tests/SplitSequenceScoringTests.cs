using Microsoft.ML.Data;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>
/// <c>WithSingleSequenceThreads(2)</c>: a prediction engine splits each row's recurrent layers over two cores and
/// scores exactly what one thread scores; the setting is kept by the other With… methods and not saved.
/// </summary>
public sealed class SplitSequenceScoringTests
{
    [Fact]
    public void Prediction_engines_on_two_threads_score_the_one_thread_bits()
    {
        var ml = new MLContext(seed: 4);
        var rows = SyntheticData.Spam(200, seed: 5);
        var options = Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens" }, epochs: 1);
        options.HiddenSize = 48;   // the split needs at least 32 hidden units
        var model = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.BinaryClassification.Trainers.Lstm(options))
            .Fit(ml.Data.LoadFromEnumerable(rows));
        Assert.Equal(1, model.LastTransformer.SingleSequenceThreads);

        var split = model.WithSingleSequenceThreads(2);
        var last = Assert.IsType<RecurrentSequenceClassificationTransformer>(((IEnumerable<ITransformer>)split).Last());
        Assert.Equal(2, last.SingleSequenceThreads);
        Assert.Equal(2, last.WithNumberOfThreads(1).SingleSequenceThreads);   // each With… keeps the others
        Assert.Equal(1, last.WithPrecision(InferencePrecision.Int8).SingleSequenceThreads);   // int8 runs a row on one thread
        Assert.Equal(InferencePrecision.Int8, last.WithPrecision(InferencePrecision.Int8).WithSingleSequenceThreads(2).Precision);

        var one = ml.Model.CreatePredictionEngine<TextRow, BinaryPrediction>(model);
        var two = ml.Model.CreatePredictionEngine<TextRow, BinaryPrediction>(split);
        foreach (var row in rows.Take(60))
        {
            var a = one.Predict(row);
            var b = two.Predict(row);
            Assert.Equal(BitConverter.SingleToInt32Bits(a.Score), BitConverter.SingleToInt32Bits(b.Score));
            Assert.Equal(BitConverter.SingleToInt32Bits(a.Probability), BitConverter.SingleToInt32Bits(b.Probability));
        }

        string path = TestUtil.TempFile("split.zip");
        ml.Model.Save(split, ml.Data.LoadFromEnumerable(rows).Schema, path);
        var loaded = (TransformerChain<ITransformer>)new MLContext().Model.Load(path, out _);
        File.Delete(path);
        Assert.Equal(1, Assert.IsType<RecurrentSequenceClassificationTransformer>(loaded.LastTransformer).SingleSequenceThreads);

        Assert.Throws<ArgumentOutOfRangeException>(() => last.WithSingleSequenceThreads(3));
        Assert.Throws<ArgumentException>(() => ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(ml.Data.LoadFromEnumerable(rows)).WithSingleSequenceThreads(2));
    }
}
