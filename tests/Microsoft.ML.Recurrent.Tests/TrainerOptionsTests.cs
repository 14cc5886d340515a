using System.Collections;
using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>The ML.NET surface of the trainers: validation inside pipeline.Fit, engine options, input checks, logging.</summary>
public class TrainerOptionsTests
{
    private static (IDataView Train, IDataView FlippedValidation, IEstimator<ITransformer> Tokenizer) SpamWithFlippedValidation(MLContext ml)
    {
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Spam(300, seed: 29));
        // Validation labels are flipped: the better the model learns, the worse its validation loss, so early stopping must stop it.
        var flipped = SyntheticData.Spam(100, seed: 30);
        foreach (var r in flipped) r.Label = !r.Label;
        return (train, ml.Data.LoadFromEnumerable(flipped), ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"));
    }

    private static List<string> Capture(MLContext ml)
    {
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.RawMessage); };
        return messages;
    }

    [Fact]
    public void Options_ValidationSet_drives_early_stopping_inside_pipeline_Fit()
    {
        var ml = new MLContext(seed: 10);
        var messages = Capture(ml);
        var (train, flipped, tokenizer) = SpamWithFlippedValidation(ml);
        var options = Small.Options(new LstmSequenceClassifierTrainer.Options
        {
            FeatureColumnName = "Tokens", EarlyStoppingPatience = 2, LearningRate = 0.05f,
            // The trainer's input columns: the validation rows go through the upstream part (the tokenizer) first.
            ValidationSet = tokenizer.Fit(train).Transform(flipped),
        }, epochs: 30);
        var model = tokenizer.Append(ml.BinaryClassification.Trainers.Lstm(options)).Fit(train).LastTransformer;

        Assert.All(model.TrainingHistory, h => Assert.NotNull(h.ValidationLoss));
        Assert.True(model.TrainingHistory.Count < 30, $"early stopping never triggered in {model.TrainingHistory.Count} epochs");
        var best = model.TrainingHistory.MinBy(h => h.ValidationLoss!.Value)!;
        lock (messages)
        {
            Assert.Contains(messages, m => m.StartsWith("Validation data: 100 of 100 rows used"));
            Assert.Contains(messages, m => m.Contains($"Keeping the weights of epoch {best.Epoch}"));
        }

        // Raw rows (not through the tokenizer) fail at Fit, saying what the validation set must be.
        options.ValidationSet = flipped;
        var e = Assert.ThrowsAny<ArgumentException>(() => tokenizer.Append(ml.BinaryClassification.Trainers.Lstm(options)).Fit(train));
        Assert.Contains("Validation data (Options.ValidationSet or Fit's validationData): Feature column 'Tokens' was not found", e.Message);
        Assert.Contains("upstream.Fit(train).Transform(validation)", e.Message);
    }

    [Fact]
    public void ValidationSetFraction_holds_out_seeded_training_rows_inside_pipeline_Fit()
    {
        TransformerChain<RecurrentSequenceClassificationTransformer> Fit(int seed, List<string> log)
        {
            var ml = new MLContext(seed: seed);
            ml.Log += (_, e) => { lock (log) log.Add(e.RawMessage); };
            var data = ml.Data.LoadFromEnumerable(SyntheticData.Spam(400, seed: 33));
            return ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
                .Append(ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options
                {
                    FeatureColumnName = "Tokens", ValidationSetFraction = 0.25f, EarlyStoppingPatience = 0, NumberOfThreads = 1,
                }, epochs: 3)))
                .Fit(data);
        }
        var log1 = new List<string>();
        var a = Fit(1, log1).LastTransformer;
        Assert.Equal(3, a.TrainingHistory.Count);
        Assert.All(a.TrainingHistory, h => { Assert.NotNull(h.ValidationLoss); Assert.NotNull(h.ValidationAccuracy); });
        var counts = log1.Single(m => m.StartsWith("Training data:"));
        var match = System.Text.RegularExpressions.Regex.Match(counts, @"Training data: (\d+) of 400 rows used, (\d+) more held out for validation\.");
        Assert.True(match.Success, counts);
        int used = int.Parse(match.Groups[1].Value), held = int.Parse(match.Groups[2].Value);
        Assert.Equal(400, used + held);
        Assert.InRange(held, 60, 140);  // 25 % of 400, drawn row by row

        // Same seed, same split and the same model; another seed, another split.
        var b = Fit(1, []).LastTransformer;
        Assert.Equal(a.TrainingHistory.Select(h => h.ValidationLoss), b.TrainingHistory.Select(h => h.ValidationLoss));
        Assert.Equal(a.Model.Parameters.ToArray(), b.Model.Parameters.ToArray());
        var log3 = new List<string>();
        Fit(2, log3);
        Assert.NotEqual(counts, log3.Single(m => m.StartsWith("Training data:")));
    }

    [Fact]
    public void Optimizer_schedule_and_class_weights_reach_the_engine()
    {
        // The ML.NET trainer and a direct engine run with the same settings give bit-identical weights.
        var ml = new MLContext(seed: 3);
        var rows = SyntheticData.Series(200, seed: 7);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new LstmSequenceClassifierTrainer.Options
        {
            LabelColumnName = "Label", FeatureColumnName = "Values", FeaturesPerStep = 2, HiddenSize = 8, NumberOfEpochs = 3, BatchSize = 16,
            LearningRate = 0.05f, Optimizer = OptimizerKind.Sgd, Momentum = 0.8f, LearningRateSchedule = LearningRateSchedule.Cosine, WarmupSteps = 5,
            ClassWeights = [1f, 3f, 0.5f], WeightDecay = 1e-3f, Seed = 17, NumberOfThreads = 1,
        };
        var trained = ml.Transforms.Conversion.MapValueToKey("Label", "Shape")
            .Append(ml.MulticlassClassification.Trainers.Lstm(options)).Fit(data).LastTransformer.Model;

        // MapValueToKey numbers the classes by first occurrence.
        var classes = rows.Select(r => r.Shape).Distinct().ToList();
        var dataset = SequenceDataset.FromFeatures(rows.Select(r => r.Values).ToList(), 2, rows.Select(r => classes.IndexOf(r.Shape)).ToList());
        var engine = new TrainingOptions
        {
            Epochs = 3, BatchSize = 16, LearningRate = 0.05f, Optimizer = OptimizerKind.Sgd, Momentum = 0.8f, Schedule = LearningRateSchedule.Cosine,
            WarmupSteps = 5, ClassWeights = [1f, 3f, 0.5f], WeightDecay = 1e-3f, Seed = 17, NumberOfThreads = 1,
        };
        var architecture = trained.Architecture;
        Assert.Equal(trained.Parameters.ToArray(), RecurrentTrainer.Train(architecture, engine, dataset).Model.Parameters.ToArray());
        // Each setting matters: the same run with any one of them at its default gives other weights.
        foreach (var other in new[]
        {
            engine with { Optimizer = OptimizerKind.Adam }, engine with { Schedule = LearningRateSchedule.Constant },
            engine with { ClassWeights = null }, engine with { Momentum = 0.9f },
        })
            Assert.NotEqual(trained.Parameters.ToArray(), RecurrentTrainer.Train(architecture, other, dataset).Model.Parameters.ToArray());

        Assert.Contains("ClassWeights has 2 entries; label column 'Label'",
            Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.Conversion.MapValueToKey("Label", "Shape")
                .Append(ml.MulticlassClassification.Trainers.Lstm(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Values", ClassWeights = [1f, 2f] }))
                .Fit(data)).Message);
    }

    [Fact]
    public void Gru_UpdateGateTimescale_reaches_the_engine()
    {
        // The same GRU through ML.NET and directly through the engine: bit-identical weights for a non-default
        // timescale, and different weights from the default one.
        var ml = new MLContext(seed: 3);
        var rows = SyntheticData.Series(120, seed: 5);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = new GruSequenceClassifierTrainer.Options
        {
            FeatureColumnName = "Values", FeaturesPerStep = 2, HiddenSize = 8, NumberOfEpochs = 2, BatchSize = 16,
            UpdateGateTimescale = 12, Seed = 11, NumberOfThreads = 1,
        };
        var trained = ml.Transforms.Conversion.MapValueToKey("Label", "Shape")
            .Append(ml.MulticlassClassification.Trainers.Gru(options)).Fit(data).LastTransformer.Model;

        var classes = rows.Select(r => r.Shape).Distinct().ToList();
        var dataset = SequenceDataset.FromFeatures(rows.Select(r => r.Values).ToList(), 2, rows.Select(r => classes.IndexOf(r.Shape)).ToList());
        var engine = new TrainingOptions { Epochs = 2, BatchSize = 16, UpdateGateTimescale = 12, Seed = 11, NumberOfThreads = 1 };
        Assert.Equal(trained.Parameters.ToArray(), RecurrentTrainer.Train(trained.Architecture, engine, dataset).Model.Parameters.ToArray());
        Assert.NotEqual(trained.Parameters.ToArray(),
            RecurrentTrainer.Train(trained.Architecture, engine with { UpdateGateTimescale = 256 }, dataset).Model.Parameters.ToArray());
    }

    [Fact]
    public void New_options_are_validated_when_the_trainer_is_made()
    {
        var trainers = new MLContext(seed: 1).BinaryClassification.Trainers;
        void Rejects(string name, Action<LstmSequenceClassifierTrainer.Options> set)
        {
            var o = new LstmSequenceClassifierTrainer.Options();
            set(o);
            Assert.Contains($"Options.{name} is", Assert.Throws<ArgumentOutOfRangeException>(() => trainers.Lstm(o)).Message);
        }
        Rejects("ValidationSetFraction", o => o.ValidationSetFraction = 1f);
        Rejects("ValidationSetFraction", o => o.ValidationSetFraction = -0.1f);
        Rejects("Momentum", o => o.Momentum = 1f);
        Rejects("WarmupSteps", o => o.WarmupSteps = -1);
        Rejects("Optimizer", o => o.Optimizer = (OptimizerKind)7);
        Rejects("LearningRateSchedule", o => o.LearningRateSchedule = (LearningRateSchedule)7);
        Rejects("ClassWeights", o => o.ClassWeights = [1f, float.NaN]);
        Rejects("ClassWeights", o => o.ClassWeights = []);
        Rejects("HiddenSize", o => o.HiddenSize = RecurrentArchitecture.MaxHiddenSize + 1);
        Rejects("HiddenSize", o => o.HiddenSize = 0);
    }

    [Fact]
    public void Simple_overloads_take_learningRate_and_batchSize()
    {
        var ml = new MLContext(seed: 5);
        var messages = Capture(ml);
        var data = ml.Data.LoadFromEnumerable(SyntheticData.Spam(100, seed: 34));
        ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text")
            .Append(ml.Recurrent().Gru("Label", "Tokens", hiddenSize: 4, numberOfEpochs: 1, learningRate: 0.05f, batchSize: 16))
            .Fit(data);
        ml.BinaryClassification.Trainers.Lstm("Label", "Tokens", learningRate: 0.02f, batchSize: 8, numberOfEpochs: 1, hiddenSize: 4)
            .Fit(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(data).Transform(data));
        lock (messages)
        {
            Assert.Contains(messages, m => m.Contains("in batches of 16") && m.Contains("learning rate 0.05"));
            Assert.Contains(messages, m => m.Contains("in batches of 8") && m.Contains("learning rate 0.02"));
        }
    }

    [Fact]
    public void FeaturizeText_output_is_rejected_at_Fit_with_the_fix()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(SyntheticData.Spam(50, seed: 1));
        var pipeline = ml.Transforms.Text.FeaturizeText("Features", "Text").Append(ml.BinaryClassification.Trainers.Lstm());
        var e = Assert.ThrowsAny<ArgumentException>(() => pipeline.Fit(data));
        Assert.Contains("Feature column 'Features'", e.Message);
        Assert.Contains("bag of words", e.Message);
        Assert.Contains("OutputTokensColumnName", e.Message);
        Assert.Contains("TokenizeIntoWords", e.Message);
    }

    private sealed class WideRow
    {
        [VectorType(150_000)]
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    [Fact]
    public void A_vector_too_long_for_one_batch_is_rejected_at_Fit_before_reading_rows()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new WideRow { Features = new float[150_000] } });
        var e = Assert.ThrowsAny<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm().Fit(data));
        Assert.Contains("Feature column 'Features'", e.Message);
        Assert.Contains("150000 steps of 1 value", e.Message);
        Assert.Contains("OutputTokensColumnName", e.Message);
    }

    [Fact]
    public void Dropout_with_one_layer_warns_on_the_log()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<(string Message, ChannelMessageKind Kind)>();
        ml.Log += (_, e) => { lock (messages) messages.Add((e.RawMessage, e.Kind)); };
        var data = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(ml.Data.LoadFromEnumerable(SyntheticData.Spam(1, seed: 0)))
            .Transform(ml.Data.LoadFromEnumerable(SyntheticData.Spam(50, seed: 35)));
        ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens", Dropout = 0.3f }, epochs: 1)).Fit(data);
        lock (messages)
            Assert.Contains(messages, m => m.Kind == ChannelMessageKind.Warning && m.Message.Contains("Dropout = 0.3 has no effect with NumberOfLayers = 1"));
        messages.Clear();
        ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens", Dropout = 0.3f, NumberOfLayers = 2 }, epochs: 1)).Fit(data);
        lock (messages)
            Assert.DoesNotContain(messages, m => m.Message.Contains("Dropout"));
    }

    [Fact]
    public void Training_reports_through_MLNET_progress_channel()
    {
        var ml = new MLContext(seed: 2);
        var data = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Fit(ml.Data.LoadFromEnumerable(SyntheticData.Spam(1, seed: 0)))
            .Transform(ml.Data.LoadFromEnumerable(SyntheticData.Spam(100, seed: 36)));
        var model = ml.BinaryClassification.Trainers.Lstm(Small.Options(new LstmSequenceClassifierTrainer.Options { FeatureColumnName = "Tokens" }, epochs: 3)).Fit(data, data);

        // ML.NET keeps its progress tracker internal (tools such as Model Builder read it): read it the same way.
        var events = ProgressEvents(ml).Where(e => (string)Member(e, "Name")! == "Training recurrent sequence classifier").ToList();
        Assert.Equal("Start", Member(events.First(), "Kind")!.ToString());
        Assert.Equal("Stop", Member(events.Last(), "Kind")!.ToString());
        var checkpoints = events.Where(e => Member(e, "Kind")!.ToString() == "Progress").Select(e => Member(e, "ProgressEntry")!).ToList();
        Assert.Equal(3, checkpoints.Count);
        for (int i = 0; i < 3; i++)
        {
            var metrics = (double?[])Member(checkpoints[i], "Metrics")!;
            var progress = (double?[])Member(checkpoints[i], "Progress")!;
            var summary = model.TrainingHistory[i];
            Assert.Equal(summary.TrainingLoss, metrics[0]!.Value, 6);
            Assert.Equal(summary.ValidationLoss!.Value, metrics[1]!.Value, 6);
            Assert.Equal(summary.ValidationAccuracy!.Value, metrics[2]!.Value, 6);
            Assert.Equal(i + 1, progress[0]);
        }
    }

    private static IEnumerable<object> ProgressEvents(MLContext ml)
    {
        object? env = typeof(MLContext).GetFields(BindingFlags.Instance | BindingFlags.NonPublic)
            .Select(f => f.GetValue(ml)).First(v => v is not null && FindMember(v.GetType(), "ProgressTracker") is not null);
        var tracker = Member(env!, "ProgressTracker")!;
        var all = tracker.GetType().GetMethod("GetAllProgress", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!.Invoke(tracker, null)!;
        return ((IEnumerable)all).Cast<object>();
    }

    private static MemberInfo? FindMember(Type? type, string name)
    {
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        for (; type is not null; type = type.BaseType)
            if (((MemberInfo?)type.GetField(name, all) ?? type.GetProperty(name, all)) is { } m) return m;
        return null;
    }

    private static object? Member(object o, string name) => FindMember(o.GetType(), name) switch
    {
        FieldInfo f => f.GetValue(o),
        PropertyInfo p => p.GetValue(o),
        _ => throw new MissingMemberException($"{o.GetType().FullName} has no '{name}'; it has: " +
            string.Join(", ", o.GetType().GetMembers(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Select(m => m.Name))),
    };
}
