using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>Model file round trips, rejection of damaged files, determinism and the predictor.</summary>
public class ModelTests
{
    internal static (SequenceDataset Data, List<int[]> Sequences) KeywordTask(int count, int seed, int vocabulary = 40)
    {
        // Class = which of three keywords (ids 2, 3, 4) occurs; the rest is filler from ids 5.., lengths 3..20.
        var rng = new Random(seed);
        var seqs = new List<int[]>();
        var labels = new List<int>();
        for (int i = 0; i < count; i++)
        {
            int label = rng.Next(3), len = rng.Next(3, 21);
            var s = Enumerable.Range(0, len).Select(_ => rng.Next(5, vocabulary)).ToArray();
            s[rng.Next(len)] = 2 + label;
            seqs.Add(s);
            labels.Add(label);
        }
        return (SequenceDataset.FromTokens(seqs, labels), seqs);
    }

    internal static RecurrentArchitecture KeywordArchitecture(RecurrentCellType cell = RecurrentCellType.Lstm) => new()
    {
        Cell = cell, InputKind = SequenceInputKind.Tokens, VocabularySize = 40, EmbeddingSize = 8, HiddenSize = 16,
        Bidirectional = true, Pooling = SequencePooling.Max, NumberOfClasses = 3,
    };

    private static readonly Lazy<RecurrentModel> Trained = new(() =>
        RecurrentTrainer.Train(KeywordArchitecture(), new TrainingOptions { Epochs = 6, BatchSize = 32, LearningRate = 5e-3f, Seed = 11, NumberOfThreads = 2 },
            KeywordTask(800, 1).Data).Model);

    [Fact]
    public void LearnsAKeywordTaskEndToEnd()
    {
        var eval = Trained.Value.Evaluate(KeywordTask(300, 2).Data);
        Assert.True(eval.Accuracy >= 0.95, $"accuracy {eval.Accuracy:F3}");
    }

    [Fact]
    public void SaveLoadRoundTripIsBitExact()
    {
        var model = Trained.Value.WithMetadata(new Dictionary<string, string> { ["vocabulary"] = "a\nb\nc", ["ünïcode"] = "✓" });
        var ms = new MemoryStream();
        model.Save(ms);
        var loaded = RecurrentModel.Load(new MemoryStream(ms.ToArray()));
        Assert.Equal(model.Architecture, loaded.Architecture);
        Assert.Equal(model.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Equal(model.Metadata, loaded.Metadata);
        var seq = KeywordTask(1, 9).Sequences[0];
        Assert.Equal(model.PredictProbabilities(seq), loaded.PredictProbabilities(seq));
        // Saving again gives the same bytes.
        var again = new MemoryStream();
        loaded.Save(again);
        Assert.Equal(ms.ToArray(), again.ToArray());
    }

    [Fact]
    public void EveryTruncationIsRejected()
    {
        byte[] bytes = Save(Trained.Value);
        foreach (int n in Enumerable.Range(0, 64).Concat(new[] { bytes.Length / 2, bytes.Length - 5, bytes.Length - 1 }))
            Assert.Throws<InvalidDataException>(() => RecurrentModel.Load(new MemoryStream(bytes, 0, n)));
    }

    [Fact]
    public void EveryCorruptedByteIsRejected()
    {
        byte[] bytes = Save(Trained.Value);
        // Flip one bit in every header byte and in a sample of weight bytes: the checksum or a field check must catch it.
        var positions = Enumerable.Range(0, 400).Concat(Enumerable.Range(0, 50).Select(i => 400 + i * ((bytes.Length - 400) / 50))).Where(p => p < bytes.Length);
        foreach (int p in positions)
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[p] ^= 0x10;
            Assert.Throws<InvalidDataException>(() => RecurrentModel.Load(new MemoryStream(copy)));
        }
    }

    [Fact]
    public void HostileFieldsWithAValidChecksumAreRejectedWithoutHugeAllocations()
    {
        byte[] bytes = Save(Trained.Value);
        // Architecture fields start after magic (8), version (4), field count (4). Hidden size is field 9 (0-based 8).
        foreach (var (field, value) in new[] { (8, int.MaxValue), (8, -1), (5, 1 << 30), (9, 1 << 20), (0, 77), (14, 0) })
        {
            byte[] copy = (byte[])bytes.Clone();
            BitConverter.TryWriteBytes(copy.AsSpan(16 + 4 * field), value);
            FixChecksum(copy);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<InvalidDataException>(() => RecurrentModel.Load(new MemoryStream(copy)));
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16L * bytes.Length + (1 << 20));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
        // A non-seekable stream that claims far more than it holds.
        byte[] shortCopy = bytes.AsSpan(0, bytes.Length / 3).ToArray();
        Assert.Throws<InvalidDataException>(() => RecurrentModel.Load(new NonSeekable(shortCopy)));
    }

    [Fact]
    public void TrainingIsDeterministicForASeedAndThreadCount()
    {
        var data = KeywordTask(200, 5).Data;
        var options = new TrainingOptions { Epochs = 2, BatchSize = 16, Seed = 99, NumberOfThreads = 2, LearningRate = 3e-3f };
        var a = KeywordArchitecture(RecurrentCellType.Gru) with { Dropout = 0.3f, NumberOfLayers = 2 };
        var first = RecurrentTrainer.Train(a, options, data).Model.Parameters.ToArray();
        var second = RecurrentTrainer.Train(a, options, data).Model.Parameters.ToArray();
        Assert.Equal(first, second);
        var otherSeed = RecurrentTrainer.Train(a, options with { Seed = 100 }, data).Model.Parameters.ToArray();
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void PredictorIsThreadSafeAndBatchInvariant()
    {
        var model = Trained.Value;
        var seqs = KeywordTask(200, 6).Sequences;
        var predictor = model.CreatePredictor();
        var batch = new float[seqs.Count * 3];
        predictor.PredictProbabilities(seqs, batch);
        var parallel = new float[seqs.Count * 3];
        Parallel.For(0, seqs.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => predictor.PredictProbabilities(seqs[i], parallel.AsSpan(i * 3, 3)));
        // One sequence alone and the same sequence padded inside a batch of longer ones agree.
        for (int i = 0; i < batch.Length; i++) Assert.True(Math.Abs(batch[i] - parallel[i]) <= 1e-6f, $"{i}: {batch[i]} vs {parallel[i]}");
    }

    [Fact]
    public void SteadyStatePredictionsDoNotAllocate()
    {
        var predictor = Trained.Value.CreatePredictor();
        var seq = KeywordTask(1, 3).Sequences[0];
        var probs = new float[3];
        predictor.PredictProbabilities(seq, probs);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) predictor.PredictProbabilities(seq, probs);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BadInputsGetClearMessages()
    {
        var e = Assert.Throws<ArgumentException>(() => SequenceDataset.FromFeatures([new float[5]], 2, [0]));
        Assert.Contains("multiple of featuresPerStep = 2", e.Message);
        e = Assert.Throws<ArgumentException>(() => SequenceDataset.FromTokens([new[] { 3, -4 }], [0]));
        Assert.Contains("-4", e.Message);
        e = Assert.Throws<ArgumentException>(() => RecurrentTrainer.Train(KeywordArchitecture(), new TrainingOptions(), SequenceDataset.FromTokens([new[] { 3 }], [7])));
        Assert.Contains("label 7", e.Message);
        e = Assert.Throws<ArgumentException>(() => (KeywordArchitecture() with { HiddenSize = 0 }).Validate());
        Assert.Contains("HiddenSize", e.Message);
    }

    [Fact]
    public void CancellationStopsTrainingAndProgressIsReported()
    {
        var data = KeywordTask(400, 4).Data;
        using var cts = new CancellationTokenSource();
        var reports = new List<TrainingProgress>();
        var progress = new SynchronousProgress(p => { reports.Add(p); if (p.Epoch == 2) cts.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => RecurrentTrainer.Train(KeywordArchitecture(),
            new TrainingOptions { Epochs = 50, BatchSize = 32, ProgressInterval = 5, NumberOfThreads = 1 }, data, null, progress, cts.Token));
        Assert.Contains(reports, r => r.EpochCompleted && r.Epoch == 1);
        Assert.DoesNotContain(reports, r => r.Epoch > 2);
        Assert.All(reports, r => Assert.True(r.SequencesPerSecond > 0 && double.IsFinite(r.Loss)));
    }

    [Fact]
    public void EarlyStoppingKeepsTheBestEpoch()
    {
        var train = KeywordTask(60, 7).Data;   // tiny: overfits, so validation loss turns up
        var validation = KeywordTask(300, 8).Data;
        var result = RecurrentTrainer.Train(KeywordArchitecture(), new TrainingOptions { Epochs = 60, BatchSize = 8, LearningRate = 1e-2f, EarlyStoppingPatience = 3 }, train, validation);
        Assert.True(result.History.Count < 60, "early stopping never triggered");
        double best = result.History.Min(h => h.ValidationLoss!.Value);
        Assert.Equal(best, result.History[result.BestEpoch - 1].ValidationLoss);
        Assert.Equal(result.History.Count, result.BestEpoch + 3);
        Assert.Equal(best, result.Model.Evaluate(validation).Loss, 5);
    }

    private static byte[] Save(RecurrentModel m)
    {
        var ms = new MemoryStream();
        m.Save(ms);
        return ms.ToArray();
    }

    private static void FixChecksum(byte[] b)
    {
        uint value = Serialization.Crc32.Compute(b.AsSpan(0, b.Length - 4));
        BitConverter.TryWriteBytes(b.AsSpan(b.Length - 4), value);
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}
