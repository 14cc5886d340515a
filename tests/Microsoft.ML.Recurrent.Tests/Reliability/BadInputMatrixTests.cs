using System.Buffers.Binary;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Reliability;

/// <summary>
/// Issue #11's bad inputs, each through ML.NET's public API (items 2, 3, 4: corrupted model zips; 7: non-finite
/// features at prediction time; 8: a hidden size beyond the limit; 9: single-class training data). The zip fuzzing is
/// in <see cref="ZipPayloadTests"/>, the engine file fuzzing in the engine's tests.
/// </summary>
public sealed class BadInputMatrixTests(SpamModelFixture spam) : IClassFixture<SpamModelFixture>
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Reliability", "Fixtures", name);

    private byte[] SpamZip()
    {
        var ms = new MemoryStream();
        spam.Context.Model.Save(spam.Model, spam.Train.Schema, ms);
        return ms.ToArray();
    }

    /// <summary>Items 2, 3 and 4: each corruption of the payload is an InvalidDataException at load, never later.</summary>
    [Theory]
    [InlineData("2: engine model length 2,000,000,000")]
    [InlineData("2: engine model length beyond the bytes present")]
    [InlineData("3: first-format vocabulary changed beside the engine model")]
    [InlineData("3: first-format maximum sequence length changed")]
    [InlineData("3: engine model metadata changed (checksum catches it)")]
    [InlineData("4: first-format FeaturesPerStep = 0")]
    [InlineData("4: payload truncated")]
    [InlineData("4: bad magic")]
    public void Corrupted_payloads_fail_at_load_with_InvalidDataException(string item)
    {
        ModelZip zip;
        if (item.Contains("first-format"))
        {
            string fixture = item.Contains("FeaturesPerStep") ? "v1-float-multiclass-rnn.zip" : "v1-text-binary-lstm.zip";
            zip = ModelZip.Read(Fixture(fixture));
            var payload = zip.Payload.ToArray();
            // Offsets in the first format: magic 4, task 1, kind 1, feature column (7-bit length + UTF-8), max steps, features per step, ...
            int column = 6 + 1 + payload[6];
            if (item.Contains("vocabulary")) payload[column + 8 + 4 + 1 + 5 + 1 + 5 + 2] ^= 0x01;   // a byte of the third token ('<pad>', '<unk>', ...)
            else if (item.Contains("maximum")) BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(column), 3);
            else BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(column + 4), 0);
            zip.ReplacePayload(payload);
        }
        else
        {
            zip = ModelZip.Read(SpamZip());
            var payload = zip.Payload.ToArray();
            if (item.Contains("2,000,000,000")) BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(4), 2_000_000_000);
            else if (item.Contains("beyond")) BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(4), payload.Length);
            else if (item.Contains("metadata")) payload[^40] ^= 0x20;
            else if (item.Contains("truncated")) payload = payload[..(payload.Length / 2)];
            else payload[0] ^= 0xFF;
            zip.ReplacePayload(payload);
        }
        var e = ZipPayloadTests.TryLoad(zip.ToBytes(), out _);
        var invalid = ZipPayloadTests.AssertInvalidData(e, item);
        Assert.Contains("recurrent", invalid.Message, StringComparison.OrdinalIgnoreCase);
    }

    private static (List<ImageRow> Rows, List<string> Warnings, MLContext Ml, ITransformer Model) ImageModelWithNonFiniteRows()
    {
        var ml = new MLContext(seed: 5);
        var model = ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Pixels", FeaturesPerStep = 4 }, epochs: 4))
            .Fit(ml.Data.LoadFromEnumerable(SyntheticData.Images(300, seed: 1)));
        var rows = SyntheticData.Images(12, seed: 2);
        rows[1].Pixels[3] = float.NaN;
        rows[5].Pixels[0] = float.PositiveInfinity;
        rows[9].Pixels[15] = float.NegativeInfinity;
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == ChannelMessageKind.Warning) lock (warnings) warnings.Add(e.Message); };
        return (rows, warnings, ml, model);
    }

    /// <summary>
    /// Item 7: NaN and ±∞ features are not hidden. Documented behaviour: the row is kept, its Score and Probability
    /// are NaN and its PredictedLabel false; each cursor reports the count once as a warning on MLContext.Log (ML.NET's
    /// evaluators then skip those rows, so the warning is where the user learns why 12 rows gave 9 counted).
    /// </summary>
    [Fact]
    public void Non_finite_features_score_NaN_and_each_cursor_warns_with_the_count()
    {
        var (rows, warnings, ml, model) = ImageModelWithNonFiniteRows();
        var scored = model.Transform(ml.Data.LoadFromEnumerable(rows));
        var predictions = ml.Data.CreateEnumerable<BinaryPrediction>(scored, reuseRowObject: false).ToList();
        Assert.Equal(12, predictions.Count);
        for (int i = 0; i < 12; i++)
        {
            bool bad = i is 1 or 5 or 9;
            Assert.Equal(bad, float.IsNaN(predictions[i].Score));
            Assert.Equal(bad, float.IsNaN(predictions[i].Probability));
            if (bad) Assert.False(predictions[i].PredictedLabel);
        }
        var warning = Assert.Single(warnings);
        Assert.Contains("Feature column 'Pixels': 3 of 12 rows could not be scored", warning);
        Assert.Contains("NaN", warning);

        // A second pass is a second cursor: reported again, once.
        var metrics = ml.BinaryClassification.Evaluate(scored);
        Assert.Equal(2, warnings.Count);
        Assert.InRange(metrics.Accuracy, 0, 1);

        // A clean input raises no warning.
        ml.Data.CreateEnumerable<BinaryPrediction>(model.Transform(ml.Data.LoadFromEnumerable(SyntheticData.Images(12, seed: 3))), false).ToList();
        Assert.Equal(2, warnings.Count);
    }

    [Fact]
    public void A_prediction_engine_scores_a_non_finite_row_NaN_and_warns_once()
    {
        var (rows, warnings, ml, model) = ImageModelWithNonFiniteRows();
        var engine = ml.Model.CreatePredictionEngine<ImageRow, BinaryPrediction>(model);
        var predictions = rows.Select(engine.Predict).Select(p => p.Score).ToList();
        Assert.Equal(new[] { 1, 5, 9 }, predictions.Select((s, i) => (s, i)).Where(x => float.IsNaN(x.s)).Select(x => x.i));
        Assert.Contains("Feature column 'Pixels'", Assert.Single(warnings));
    }

    /// <summary>Item 8: a hidden size past the limit is rejected by name before any weight is allocated.</summary>
    [Fact]
    public void A_hidden_size_beyond_the_limit_is_rejected_naming_the_option()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SyntheticData.Images(50, seed: 1));
        long before = GC.GetTotalAllocatedBytes(precise: true);
        // Refused when the trainer is made, before any row is read or any weight allocated.
        var e = Assert.ThrowsAny<ArgumentException>(() => ml.BinaryClassification.Trainers
            .Gru(new GruSequenceClassifierTrainer.Options { FeatureColumnName = "Pixels", FeaturesPerStep = 4, HiddenSize = 20_000 }).Fit(data));
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 64L << 20);
        Assert.Contains("HiddenSize", e.Message);
        Assert.Contains("20000", e.Message);
        Assert.Contains("8192", e.Message);
    }

    /// <summary>Item 9: single-class training data is an error naming the label column and the one class found.</summary>
    [Fact]
    public void Binary_training_data_with_one_class_is_rejected_naming_the_column_and_class()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Spam(100, seed: 1).Where(r => r.Label).ToList();
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens" }, epochs: 1)));
        var e = Assert.Throws<InvalidOperationException>(() => pipeline.Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("Label column 'Label'", e.Message);
        Assert.Contains("every label is true", e.Message);
        Assert.Contains("at least two classes", e.Message);
    }

    [Fact]
    public void Multiclass_training_data_with_one_class_is_rejected_naming_the_class()
    {
        var ml = new MLContext(seed: 1);
        // The key type knows three topics (from all rows); the training rows are one of them.
        var all = ml.Data.LoadFromEnumerable(SyntheticData.Topic(90, seed: 1));
        var keys = ml.Transforms.Conversion.MapValueToKey("Label", "Topic").Fit(all);
        var sportsOnly = ml.Data.FilterByCustomPredicate<TopicRow>(all, r => r.Topic != "sports");
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Words", "Text")
            .Append(ml.MulticlassClassification.Trainers.Gru(Small.Options(new GruSequenceClassifierTrainer.Options { FeatureColumnName = "Words" }, epochs: 1)));
        var e = Assert.Throws<InvalidOperationException>(() => pipeline.Fit(keys.Transform(sportsOnly)));
        Assert.Contains("Label column 'Label'", e.Message);
        Assert.Contains("('sports')", e.Message);
    }

    [Fact]
    public void The_engine_trainer_rejects_single_class_data_too()
    {
        var data = SequenceDataset.FromTokens([[2, 3], [3, 4, 2]], [1, 1]);
        var a = new RecurrentArchitecture { InputKind = SequenceInputKind.Tokens, VocabularySize = 5, EmbeddingSize = 4, HiddenSize = 4, Classification = ClassificationKind.Binary };
        var e = Assert.Throws<ArgumentException>(() => RecurrentTrainer.Train(a, new TrainingOptions { Epochs = 1 }, data));
        Assert.Contains("label 1", e.Message);
        Assert.Contains("at least two classes", e.Message);
    }
}
