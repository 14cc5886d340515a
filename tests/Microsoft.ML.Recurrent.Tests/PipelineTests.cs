using Microsoft.ML.Data;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests;

public sealed class PipelineTests(SpamModelFixture spam, TopicModelFixture topic) : IClassFixture<SpamModelFixture>, IClassFixture<TopicModelFixture>
{
    [Fact]
    public void Lstm_over_TokenizeIntoWords_learns_spam_and_BinaryClassification_Evaluate_works()
    {
        var scored = spam.Model.Transform(spam.Test);
        var metrics = spam.Context.BinaryClassification.Evaluate(scored, "Label");
        Assert.True(metrics.Accuracy > 0.9, $"accuracy {metrics.Accuracy}");
        Assert.True(metrics.AreaUnderRocCurve > 0.95, $"AUC {metrics.AreaUnderRocCurve}");
        Assert.True(metrics.LogLoss < 0.5, $"log-loss {metrics.LogLoss}");

        var xf = spam.Model.LastTransformer;
        Assert.Equal(SequenceClassificationTask.Binary, xf.Task);
        Assert.Equal(SequenceColumnKind.Text, xf.InputKind);
        Assert.Equal(RecurrentCellType.Lstm, xf.Model.Architecture.Cell);
        Assert.Equal("<pad>", xf.Vocabulary[0]);
        Assert.Equal("<unk>", xf.Vocabulary[1]);
        Assert.Contains("free", xf.Vocabulary);
        Assert.Equal(xf.Vocabulary.Count, xf.Model.Architecture.VocabularySize);
        Assert.Equal(8, xf.TrainingHistory.Count);
        Assert.Equal(256, xf.MaxSequenceLength);
        Assert.True(xf.Model.Metadata.ContainsKey("mlnet.vocabulary"));
    }

    [Fact]
    public void Binary_columns_follow_MLNET_conventions()
    {
        var scored = spam.Model.Transform(spam.Test);
        var rows = spam.Context.Data.CreateEnumerable<BinaryPrediction>(scored, reuseRowObject: false).ToList();
        Assert.Equal(200, rows.Count);
        foreach (var r in rows)
        {
            Assert.Equal(1 / (1 + MathF.Exp(-r.Score)), r.Probability, 1e-5f);
            Assert.Equal(r.Probability > 0.5f, r.PredictedLabel);
        }
        var schema = scored.Schema;
        Assert.Equal(NumberDataViewType.Single, schema["Score"].Type);
        Assert.Equal(NumberDataViewType.Single, schema["Probability"].Type);
        Assert.Equal(BooleanDataViewType.Instance, schema["PredictedLabel"].Type);
        ReadOnlyMemory<char> kind = default;
        schema["Score"].Annotations.GetValue("ScoreColumnKind", ref kind);
        Assert.Equal("BinaryClassification", kind.ToString());
    }

    [Fact]
    public void Gru_over_FeaturizeText_tokens_learns_spam()
    {
        var ml = new MLContext(seed: 2);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Spam(600, seed: 5));
        var test = ml.Data.LoadFromEnumerable(SyntheticData.Spam(200, seed: 6));
        var pipeline = ml.Transforms.Text.FeaturizeText("Features", TestUtil.FeaturizeWithTokens("Tokens"), "Text")
            .Append(ml.BinaryClassification.Trainers.Gru(Small.Options(new GruSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens" })));
        var model = pipeline.Fit(train);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.Accuracy > 0.9, $"accuracy {metrics.Accuracy}");
        Assert.Equal(RecurrentCellType.Gru, model.LastTransformer.Model.Architecture.Cell);
    }

    [Fact]
    public void Keys_from_MapValueToKey_multiclass_Evaluate_and_MapKeyToValue_work()
    {
        var ml = topic.Context;
        var scored = topic.Model.Transform(topic.Test);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.True(metrics.MacroAccuracy > 0.9, $"macro accuracy {metrics.MacroAccuracy}");
        Assert.True(metrics.LogLoss < 0.5, $"log-loss {metrics.LogLoss}");

        // Score: one probability per class, named by the label's key values.
        var score = scored.Schema["Score"];
        Assert.Equal(3, ((VectorDataViewType)score.Type).Size);
        VBuffer<ReadOnlyMemory<char>> slots = default;
        score.GetSlotNames(ref slots);
        var labelNames = new VBuffer<ReadOnlyMemory<char>>();
        scored.Schema["Label"].GetKeyValues(ref labelNames);
        Assert.Equal(labelNames.DenseValues().Select(v => v.ToString()), slots.DenseValues().Select(v => v.ToString()));

        // PredictedLabel: the label's key type; MapKeyToValue gives back the topic names.
        Assert.Equal(3UL, ((KeyDataViewType)scored.Schema["PredictedLabel"].Type).Count);
        var named = ml.Transforms.Conversion.MapKeyToValue("PredictedTopic", "PredictedLabel").Fit(scored).Transform(scored);
        var predicted = named.GetColumn<string>("PredictedTopic").ToList();
        var actual = named.GetColumn<string>("Topic").ToList();
        Assert.All(predicted, p => Assert.Contains(p, SyntheticData.Topics));
        Assert.True(predicted.Zip(actual).Count(p => p.First == p.Second) > 0.9 * actual.Count);

        foreach (var row in ml.Data.CreateEnumerable<MulticlassPrediction>(scored, false))
        {
            Assert.Equal(1f, row.Score.Sum(), 1e-4f);
            Assert.Equal((uint)Array.IndexOf(row.Score, row.Score.Max()) + 1, row.PredictedLabel);
        }
    }

    [Fact]
    public void Float_series_are_cut_into_steps_multiclass()
    {
        var ml = new MLContext(seed: 3);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Series(600, seed: 7));
        var test = ml.Data.LoadFromEnumerable(SyntheticData.Series(200, seed: 8));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Shape")
            .Append(ml.MulticlassClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Values", FeaturesPerStep = 2 })));
        var model = pipeline.Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.MacroAccuracy > 0.9, $"macro accuracy {metrics.MacroAccuracy}");
        var xf = model.LastTransformer;
        Assert.Equal(SequenceColumnKind.Float, xf.InputKind);
        Assert.Equal(2, xf.FeaturesPerStep);
        Assert.Equal(2, xf.Model.Architecture.FeaturesPerStep);
        Assert.Equal(0, xf.MaxSequenceLength);
    }

    [Fact]
    public void A_T_by_F_float_column_is_read_as_T_steps_of_F_with_the_Recurrent_catalog()
    {
        var ml = new MLContext(seed: 4);
        var train = ml.Data.LoadFromEnumerable(SyntheticData.ShapedImages(400, seed: 9));
        var test = ml.Data.LoadFromEnumerable(SyntheticData.ShapedImages(200, seed: 10));
        Assert.Equal([4, 4], ((VectorDataViewType)train.Schema["Pixels"].Type).Dimensions.ToArray());
        var recurrent = ml.Recurrent();
        var pipeline = ml.Transforms.CopyColumns("Features", "Pixels")
            .Append(recurrent.Gru(Small.Options(new GruSequenceClassifierTrainer.Options())));
        var model = pipeline.Fit(train);
        Assert.Equal(4, model.LastTransformer.FeaturesPerStep); // [4, 4]: 4 steps of 4
        Assert.Equal(4, model.LastTransformer.Model.Architecture.FeaturesPerStep);
        Assert.Equal(SequenceClassificationTask.Binary, model.LastTransformer.Task);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.Accuracy > 0.9, $"accuracy {metrics.Accuracy}");
    }

    [Fact]
    public void A_float_vector_without_dimensions_is_one_value_per_step_even_when_its_length_is_a_square()
    {
        var ml = new MLContext(seed: 4);
        var data = ml.Data.LoadFromEnumerable(SyntheticData.Images(100, seed: 9)); // 16 values: once guessed as 4 × 4
        var model = ml.BinaryClassification.Trainers.Lstm("Label", "Pixels", hiddenSize: 4, numberOfEpochs: 1).Fit(data);
        Assert.Equal(1, model.FeaturesPerStep);
        Assert.Equal(1, model.Model.Architecture.FeaturesPerStep);

        // An explicit FeaturesPerStep that disagrees with a [T, F] column is an error naming both.
        var shaped = ml.Data.LoadFromEnumerable(SyntheticData.ShapedImages(10, seed: 9));
        var e = Assert.ThrowsAny<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm("Label", "Pixels", featuresPerStep: 2, numberOfEpochs: 1).Fit(shaped));
        Assert.Contains("'Pixels' has dimensions [4, 4]", e.Message);
        Assert.Contains("FeaturesPerStep = 2", e.Message);
    }

    [Fact]
    public void Recurrent_catalog_reads_like_the_design_card_and_picks_the_task_from_the_label()
    {
        var ml = new MLContext(seed: 5);
        var recurrent = ml.Recurrent();
        var data = ml.Data.LoadFromEnumerable(SyntheticData.Spam(300, seed: 11));
        var binary = ml.Transforms.Text.FeaturizeText("Features", TestUtil.FeaturizeWithTokens("Tokens"), "Text")
            .Append(recurrent.Lstm("Label", "Tokens", hiddenSize: 8, numberOfEpochs: 1))
            .Fit(data);
        Assert.Equal(SequenceClassificationTask.Binary, binary.LastTransformer.Task);

        var topics = ml.Data.LoadFromEnumerable(SyntheticData.Topic(300, seed: 12));
        var multiclass = ml.Transforms.Conversion.MapValueToKey("Label", "Topic")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
            .Append(recurrent.Rnn("Label", "Tokens", hiddenSize: 8, numberOfEpochs: 1))
            .Fit(topics);
        Assert.Equal(SequenceClassificationTask.Multiclass, multiclass.LastTransformer.Task);
        Assert.Equal(RecurrentCellType.Rnn, multiclass.LastTransformer.Model.Architecture.Cell);
        Assert.Equal(SequencePooling.Mean, multiclass.LastTransformer.Model.Architecture.Pooling);
        Assert.Equal(3, ml.MulticlassClassification.Evaluate(multiclass.Transform(topics)).PerClassLogLoss.Count);
    }

    [Fact]
    public void Rnn_binary_with_example_weights_and_simple_arguments()
    {
        var ml = new MLContext(seed: 6);
        var rows = SyntheticData.Spam(600, seed: 13);
        // Weight 0 on every row with the word "free" teaches nothing about it; the rest is still learnable.
        foreach (var r in rows) r.Weight = r.Text.Contains("free") ? 0 : 1;
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.BinaryClassification.Trainers.Rnn(Small.Options(new RnnSequenceClassifierTrainer.Options
            {
                FeatureColumnName = "Tokens", ExampleWeightColumnName = "Weight",
            })))
            .Fit(data);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(SyntheticData.Spam(200, seed: 14).Where(r => !r.Text.Contains("free")))));
        Assert.True(metrics.Accuracy > 0.9, $"accuracy {metrics.Accuracy}");

        var simple = ml.BinaryClassification.Trainers.Rnn("Label", "Tokens", hiddenSize: 4, numberOfEpochs: 1);
        Assert.Equal(RecurrentCellType.Rnn, simple.Cell);
        Assert.Equal(SequenceClassificationTask.Binary, simple.Task);
    }

    [Fact]
    public void Long_sequences_keep_their_first_MaxSequenceLength_steps()
    {
        var ml = new MLContext(seed: 7);
        // The label depends only on the first word; 40 noise words follow.
        var rng = new Random(15);
        var rows = Enumerable.Range(0, 400).Select(_ =>
        {
            bool label = rng.Next(2) == 0;
            var words = new[] { label ? "alpha" : "beta" }.Concat(Enumerable.Range(0, 40).Select(_ => "w" + rng.Next(30)));
            return new TextRow { Text = string.Join(' ', words), Label = label };
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens", MaxSequenceLength = 3 }, epochs: 5)))
            .Fit(data);
        Assert.Equal(3, model.LastTransformer.MaxSequenceLength);
        Assert.True(ml.BinaryClassification.Evaluate(model.Transform(data)).Accuracy > 0.95);
        // Words after step 3 were never read: the vocabulary holds exactly the words of the first 3 steps.
        var early = rows.SelectMany(r => r.Text.Split(' ').Take(3)).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(early, model.LastTransformer.Vocabulary.Skip(2).Order(StringComparer.Ordinal));
    }
}
