using System.Reflection;
using Microsoft.ML.Data;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests;

public sealed class BehaviourTests(SpamModelFixture spam, TopicModelFixture topic) : IClassFixture<SpamModelFixture>, IClassFixture<TopicModelFixture>
{
    // SchemaShape.Create(DataViewSchema) is internal in ML.NET; pipelines call it in EstimatorChain.Fit. Tests reach it by reflection.
    private static SchemaShape ShapeOf(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Static, [typeof(DataViewSchema)])!.Invoke(null, [schema])!;

    private static SchemaShape.Column? Find(SchemaShape shape, string name) =>
        shape.Where(c => c.Name == name).Select(c => (SchemaShape.Column?)c).LastOrDefault();

    [Fact]
    public void PredictionEngine_matches_Transform_for_original_and_loaded_models()
    {
        var ml = spam.Context;
        var rows = SyntheticData.Spam(70, seed: 20);
        var batch = ml.Data.CreateEnumerable<BinaryPrediction>(spam.Model.Transform(ml.Data.LoadFromEnumerable(rows)), false).ToList();
        var engine = ml.Model.CreatePredictionEngine<TextRow, BinaryPrediction>(spam.Model);
        for (int i = 0; i < rows.Count; i++)
        {
            var p = engine.Predict(rows[i]);
            Assert.Equal(batch[i].Score, p.Score, 1e-4f);
            Assert.Equal(batch[i].PredictedLabel, p.PredictedLabel);
        }

        string path = TestUtil.TempFile("engine.zip");
        ml.Model.Save(spam.Model, spam.Train.Schema, path);
        var fresh = new MLContext();
        var loaded = fresh.Model.Load(path, out _);
        File.Delete(path);
        var engine2 = fresh.Model.CreatePredictionEngine<TextRow, BinaryPrediction>(loaded);
        foreach (var row in rows) Assert.Equal(engine.Predict(row).Score, engine2.Predict(row).Score);
    }

    [Fact]
    public void PredictionEngine_for_multiclass_keys()
    {
        var engine = topic.Context.Model.CreatePredictionEngine<TopicRow, MulticlassPrediction>(topic.Model);
        var p = engine.Predict(new TopicRow { Text = "the coach said the match and the league", Topic = "sports" });
        Assert.Equal(3, p.Score.Length);
        var names = new VBuffer<ReadOnlyMemory<char>>();
        topic.Model.GetOutputSchema(topic.Train.Schema)["PredictedLabel"].GetKeyValues(ref names);
        Assert.Equal("sports", names.GetValues()[(int)p.PredictedLabel - 1].ToString());
    }

    [Fact]
    public void Transform_is_lazy_and_batched_scores_equal_row_by_row_scores()
    {
        var ml = spam.Context;
        int enumerated = 0;
        IEnumerable<TextRow> Rows() { foreach (var r in SyntheticData.Spam(150, seed: 21)) { enumerated++; yield return r; } }
        var input = ml.Data.LoadFromEnumerable(Rows());
        var tokens = spam.Model.First().Transform(input);
        var scored = spam.Model.LastTransformer.Transform(tokens);
        Assert.Equal(0, enumerated);  // nothing read yet

        // 150 rows = 2 full mini-batches of 64 + 22: every row gets its own score, in order, with its own input columns.
        var texts = scored.GetColumn<string>("Text").ToList();
        var scores = TestUtil.Column(scored, "Score");
        Assert.Equal(150, scores.Length);
        Assert.Equal(SyntheticData.Spam(150, seed: 21).Select(r => r.Text), texts);
        var engine = ml.Model.CreatePredictionEngine<TextRow, BinaryPrediction>(spam.Model);
        for (int i = 0; i < 150; i++) Assert.Equal(scores[i], engine.Predict(new TextRow { Text = texts[i] }).Score, 1e-4f);

        // Only input columns requested: no scoring needed, rows pass through.
        using var cursor = scored.GetRowCursor([scored.Schema["Label"]]);
        int n = 0;
        while (cursor.MoveNext()) n++;
        Assert.Equal(150, n);
    }

    [Fact]
    public void SchemaShape_propagation_validates_pipelines_before_fitting()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(SyntheticData.Spam(10, seed: 22));
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.BinaryClassification.Trainers.Lstm("Label", "Tokens"));
        var shape = pipeline.GetOutputSchema(ShapeOf(data.Schema));
        Assert.True(Find(shape, "Score") is { Kind: SchemaShape.Column.VectorKind.Scalar } s && s.ItemType == NumberDataViewType.Single);
        Assert.True(Find(shape, "Probability") is { Kind: SchemaShape.Column.VectorKind.Scalar });
        Assert.True(Find(shape, "PredictedLabel") is { } pl && pl.ItemType == BooleanDataViewType.Instance);

        var topics = ml.Data.LoadFromEnumerable(SyntheticData.Topic(10, seed: 23));
        var multi = ml.Transforms.Conversion.MapValueToKey("Label", "Topic")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
            .Append(ml.MulticlassClassification.Trainers.Gru("Label", "Tokens"));
        var mshape = multi.GetOutputSchema(ShapeOf(topics.Schema));
        var score = Find(mshape, "Score")!.Value;
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, score.Kind);
        Assert.NotNull(Find(score.Annotations, "SlotNames"));
        var predicted = Find(mshape, "PredictedLabel")!.Value;
        Assert.True(predicted.IsKey);
        Assert.NotNull(Find(predicted.Annotations, "KeyValues"));

        // Downstream estimators see our columns before anything is fitted.
        var withNames = multi.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedTopic", "PredictedLabel"));
        Assert.NotNull(Find(withNames.GetOutputSchema(ShapeOf(topics.Schema)), "PredictedTopic"));

        // A wrong label type fails in schema propagation, i.e. before any transform is fitted.
        var wrong = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.MulticlassClassification.Trainers.Lstm("Label", "Tokens"));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => wrong.GetOutputSchema(ShapeOf(data.Schema)));
        Assert.Contains("Label column 'Label'", e.Message);
        Assert.Contains("key type", e.Message);
    }

    [Fact]
    public void Wrong_column_types_give_errors_naming_the_column_type_and_expectation()
    {
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(SyntheticData.Spam(20, seed: 24));

        // Untokenized text.
        var e1 = Assert.ThrowsAny<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm("Label", "Text").Fit(data));
        Assert.Contains("'Text'", e1.Message);
        Assert.Contains("String", e1.Message);
        Assert.Contains("vector of text tokens", e1.Message);
        Assert.Contains("TokenizeIntoWords", e1.Message);

        // Missing column.
        var e2 = Assert.ThrowsAny<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm("Label", "Nope").Fit(data));
        Assert.Contains("'Nope'", e2.Message);

        // Boolean label given to the multiclass trainer.
        var tokens = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(data).Transform(data);
        var e3 = Assert.ThrowsAny<ArgumentException>(() => ml.MulticlassClassification.Trainers.Gru("Label", "Tokens").Fit(tokens));
        Assert.Contains("Label column 'Label' has type Boolean", e3.Message);

        // Float vector whose length is not a multiple of FeaturesPerStep.
        var series = ml.Data.LoadFromEnumerable(SyntheticData.Series(20, seed: 25));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", "Shape").Fit(series).Transform(series);
        var e4 = Assert.ThrowsAny<ArgumentException>(() => ml.MulticlassClassification.Trainers.Lstm(
            new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Values", FeaturesPerStep = 3 }).Fit(keyed));
        Assert.Contains("'Values'", e4.Message);
        Assert.Contains("Vector<Single, 16>", e4.Message);
        Assert.Contains("multiple of FeaturesPerStep = 3", e4.Message);

        // Weight column of the wrong type.
        var e5 = Assert.ThrowsAny<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm("Label", "Tokens", exampleWeightColumnName: "Text").Fit(tokens));
        Assert.Contains("Example weight column 'Text' has type String; expected Single", e5.Message);

        // A fitted text model given key-typed tokens.
        var keys = ml.Transforms.Conversion.MapValueToKey("Tokens").Fit(spam.Model.First().Transform(spam.Test)).Transform(spam.Model.First().Transform(spam.Test));
        var e6 = Assert.ThrowsAny<ArgumentException>(() => spam.Model.LastTransformer.GetOutputSchema(keys.Schema));
        Assert.Contains("Feature column 'Tokens' has type Vector<Key<UInt32", e6.Message);
        Assert.Contains("trained on a vector of text tokens", e6.Message);
    }

    [Fact]
    public void CrossValidate_works()
    {
        var ml = new MLContext(seed: 9);
        var data = ml.Data.LoadFromEnumerable(SyntheticData.Spam(450, seed: 26));
        var pipeline = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens" }, epochs: 6)));
        var folds = ml.BinaryClassification.CrossValidate(data, pipeline, numberOfFolds: 3);
        Assert.Equal(3, folds.Count);
        Assert.All(folds, f => Assert.True(f.Metrics.Accuracy > 0.85, $"fold accuracy {f.Metrics.Accuracy}"));

        var topics = ml.Data.LoadFromEnumerable(SyntheticData.Topic(300, seed: 27));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", "Topic").Fit(topics).Transform(topics);
        var multi = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.MulticlassClassification.Trainers.Gru(Small.Options(new GruSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens" }, epochs: 2)));
        Assert.Equal(2, ml.MulticlassClassification.CrossValidate(keyed, multi, numberOfFolds: 2).Count);
    }

    [Fact]
    public void The_MLContext_seed_makes_training_deterministic()
    {
        float[] Train(int? contextSeed, int? optionSeed)
        {
            var ml = new MLContext(seed: contextSeed);
            var data = ml.Data.LoadFromEnumerable(SyntheticData.Spam(200, seed: 28));
            var model = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
                .Append(ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options
                {
                    FeatureColumnName = "Tokens", Seed = optionSeed, Dropout = 0.2f, NumberOfLayers = 2,
                }, epochs: 2)))
                .Fit(data);
            return model.LastTransformer.Model.Parameters.ToArray();
        }
        Assert.Equal(Train(7, null), Train(7, null));
        Assert.NotEqual(Train(7, null), Train(8, null));
        Assert.Equal(Train(7, 123), Train(8, 123));  // the options' seed wins over the context's
    }

    [Fact]
    public void Fit_with_validation_reports_it_and_progress_reaches_MLContext_Log()
    {
        var ml = new MLContext(seed: 10);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.RawMessage); };
        var tokenizer = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(ml.Data.LoadFromEnumerable(SyntheticData.Spam(1, seed: 0)));
        var train = tokenizer.Transform(ml.Data.LoadFromEnumerable(SyntheticData.Spam(300, seed: 29)));
        // Validation labels are flipped: the better the model learns, the worse its validation loss, so early stopping must stop it.
        var flipped = SyntheticData.Spam(100, seed: 30);
        foreach (var r in flipped) r.Label = !r.Label;
        var validation = tokenizer.Transform(ml.Data.LoadFromEnumerable(flipped));
        var trainer = ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options
        {
            FeatureColumnName = "Tokens", EarlyStoppingPatience = 2, LearningRate = 0.05f,
        }, epochs: 30));
        var model = trainer.Fit(train, validation);
        Assert.All(model.TrainingHistory, h => Assert.NotNull(h.ValidationLoss));
        Assert.True(model.TrainingHistory.Count < 30, $"early stopping never triggered in {model.TrainingHistory.Count} epochs");
        var best = model.TrainingHistory.MinBy(h => h.ValidationLoss!.Value)!;
        var eval = model.Model.Evaluate(SequenceDataset.FromTokens([], []));  // engine API still usable on the exposed model
        Assert.Equal(0, eval.Count);
        lock (messages)
        {
            Assert.Contains(messages, m => m.StartsWith("Epoch 1/30: training loss") && m.Contains("validation loss"));
            Assert.Contains(messages, m => m.Contains($"Keeping the weights of epoch {best.Epoch}"));
        }
    }

    [Fact]
    public void CancelExecution_stops_training()
    {
        var ml = new MLContext(seed: 11);
        var data = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(ml.Data.LoadFromEnumerable(SyntheticData.Spam(1, seed: 0)))
            .Transform(ml.Data.LoadFromEnumerable(SyntheticData.Spam(2000, seed: 31)));
        // MLContext.CancelExecution() is internal in ML.NET 5.0 (used by AutoML/Model Builder); call it like they do.
        var cancel = typeof(MLContext).GetMethod("CancelExecution", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)!;
        bool canceled = false;
        ml.Log += (_, e) =>
        {
            if (!canceled && e.RawMessage.StartsWith("Epoch 1/")) { canceled = true; cancel.Invoke(ml, null); }
        };
        var trainer = ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens" }, epochs: 1000));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Fit(data));
        Assert.True(canceled);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void Options_token_cancels_and_progress_sink_receives_epochs()
    {
        var ml = new MLContext(seed: 12);
        var data = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(ml.Data.LoadFromEnumerable(SyntheticData.Spam(1, seed: 0)))
            .Transform(ml.Data.LoadFromEnumerable(SyntheticData.Spam(2000, seed: 32)));
        using var cts = new CancellationTokenSource();
        var epochs = new List<int>();
        var options = Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens" }, epochs: 1000);
        options.CancellationToken = cts.Token;
        options.Progress = new SyncProgress(p => { if (p.EpochCompleted) { epochs.Add(p.Epoch); if (p.Epoch == 2) cts.Cancel(); } });
        Assert.ThrowsAny<OperationCanceledException>(() => ml.BinaryClassification.Trainers.Lstm(options).Fit(data));
        Assert.Equal(new[] { 1, 2 }, epochs);
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    [Fact]
    public void The_trained_engine_model_is_exposed_and_exportable()
    {
        var xf = spam.Model.LastTransformer;
        var model = xf.Model;
        Assert.Equal(xf.Vocabulary.Count, model.Architecture.VocabularySize);
        Assert.Contains(model.Tensors, t => t.Name == "weight_hh_l0");
        Assert.Equal("Binary", model.Metadata["mlnet.task"]);
        Assert.Equal("Tokens", model.Metadata["mlnet.featureColumn"]);
        var stream = new MemoryStream();
        model.Save(stream);
        stream.Position = 0;
        var copy = RecurrentModel.Load(stream);
        Assert.Equal(model.Parameters.ToArray(), copy.Parameters.ToArray());
        Assert.Equal(model.Metadata["mlnet.vocabulary"], copy.Metadata["mlnet.vocabulary"]);
    }

    [Fact]
    public void Unusable_rows_score_as_missing_and_empty_sequences_score_normally()
    {
        var ml = new MLContext(seed: 12);
        var rows = SyntheticData.Series(64, seed: 32);
        var model = ml.Transforms.Conversion.MapValueToKey("Label", "Shape")
            .Append(ml.MulticlassClassification.Trainers.Gru(Small.Options(new GruSequenceClassifierTrainer.Options { FeatureColumnName = "Values", FeaturesPerStep = 2 }, epochs: 1)))
            .Fit(ml.Data.LoadFromEnumerable(rows));
        rows[3].Values[5] = float.NaN;
        var scored = ml.Data.CreateEnumerable<MulticlassPrediction>(model.Transform(ml.Data.LoadFromEnumerable(rows)), false).ToList();
        Assert.All(scored[3].Score, v => Assert.True(float.IsNaN(v)));
        Assert.Equal(0u, scored[3].PredictedLabel);  // missing key
        Assert.All(scored.Where((_, i) => i != 3), r => Assert.True(r.Score.All(float.IsFinite) && r.PredictedLabel is >= 1 and <= 3));

        var engine = spam.Context.Model.CreatePredictionEngine<TextRow, BinaryPrediction>(spam.Model);
        var empty = engine.Predict(new TextRow { Text = "" });
        Assert.True(float.IsFinite(empty.Score));
        var unknown = engine.Predict(new TextRow { Text = "zzz qqq never seen" });
        Assert.True(float.IsFinite(unknown.Score));
    }

    [Fact]
    public void The_public_API_exposes_only_public_MLNET_types()
    {
        // The assembly is compiled against publicized ML.NET references (for MLNetInternals): make sure no internal
        // ML.NET type leaked into a public signature, where users' compilers could not see it.
        var bad = new List<string>();
        foreach (var type in typeof(RecurrentSequenceClassificationTransformer).Assembly.GetExportedTypes())
        {
            if (type.BaseType is { } b && !b.IsVisible) bad.Add($"{type} : {b}");
            bad.AddRange(type.GetInterfaces().Where(i => !i.IsVisible).Select(i => $"{type} : {i}"));
            foreach (var m in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                IEnumerable<Type> used = m switch
                {
                    MethodInfo mi => mi.GetParameters().Select(p => p.ParameterType).Append(mi.ReturnType),
                    ConstructorInfo ci => ci.GetParameters().Select(p => p.ParameterType),
                    PropertyInfo pi => [pi.PropertyType],
                    FieldInfo fi => [fi.FieldType],
                    _ => [],
                };
                bad.AddRange(used.Select(t => t.IsByRef ? t.GetElementType()! : t).Where(t => !t.IsVisible).Select(t => $"{type}.{m.Name}: {t}"));
            }
        }
        Assert.Empty(bad);
    }
}
