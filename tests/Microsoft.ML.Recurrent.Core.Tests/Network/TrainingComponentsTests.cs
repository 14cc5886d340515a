using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Training;
using Xunit;
using Microsoft.ML.Recurrent.Data;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>Optimizers, schedules, clipping, initialisation, masking and sharding, each against an independent reference.</summary>
public class TrainingComponentsTests
{
    [Theory]
    [InlineData(OptimizerKind.Adam, 0f)]
    [InlineData(OptimizerKind.Adam, 0.01f)]
    [InlineData(OptimizerKind.AdamW, 0.01f)]
    [InlineData(OptimizerKind.Sgd, 0.01f)]
    public void OptimizersFollowThePyTorchUpdateRules(OptimizerKind kind, float decay)
    {
        var o = new TrainingOptions { Optimizer = kind, WeightDecay = decay, LearningRate = 0.05f, Momentum = 0.8f };
        int n = 37;  // SIMD body and tail
        var rng = new Random(3);
        float[] p = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        double[] rp = p.Select(v => (double)v).ToArray(), m = new double[n], v2 = new double[n];
        var opt = new Optimizer(o, n);
        for (int step = 1; step <= 5; step++)
        {
            float[] g = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
            opt.Step(p, g, o.LearningRate);
            double lr = o.LearningRate;
            for (int i = 0; i < n; i++)
            {
                double gi = g[i];
                switch (kind)
                {
                    case OptimizerKind.Sgd:   // torch.optim.SGD: g += wd·p; buf = μ·buf + g; p −= lr·buf
                        gi += decay * rp[i];
                        m[i] = step == 1 ? gi : o.Momentum * m[i] + gi;
                        rp[i] -= lr * m[i];
                        break;
                    default:                  // torch.optim.Adam / AdamW
                        if (kind == OptimizerKind.AdamW) rp[i] *= 1 - lr * decay; else gi += decay * rp[i];
                        m[i] = o.Beta1 * m[i] + (1 - o.Beta1) * gi;
                        v2[i] = o.Beta2 * v2[i] + (1 - o.Beta2) * gi * gi;
                        double mh = m[i] / (1 - Math.Pow(o.Beta1, step)), vh = v2[i] / (1 - Math.Pow(o.Beta2, step));
                        rp[i] -= lr * mh / (Math.Sqrt(vh) + o.Epsilon);
                        break;
                }
            }
        }
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(p[i] - rp[i]) < 2e-6, $"{kind} parameter {i}: {p[i]} vs {rp[i]}");
    }

    [Fact]
    public void SchedulesWarmUpAndDecay()
    {
        var linear = new TrainingOptions { LearningRate = 1f, Schedule = LearningRateSchedule.WarmupLinearDecay, WarmupSteps = 10 };
        Assert.Equal(0.1f, Optimizer.LearningRate(linear, 0, 110), 6);
        Assert.Equal(1f, Optimizer.LearningRate(linear, 9, 110), 6);
        Assert.Equal(0.5f, Optimizer.LearningRate(linear, 60, 110), 6);
        Assert.Equal(0f, Optimizer.LearningRate(linear, 110, 110), 6);
        var cosine = linear with { Schedule = LearningRateSchedule.Cosine };
        Assert.Equal(0.5f, Optimizer.LearningRate(cosine, 60, 110), 6);
        Assert.Equal(1f, Optimizer.LearningRate(cosine, 10, 110), 6);
        Assert.Equal(0.75f, Optimizer.LearningRate(new TrainingOptions { LearningRate = 0.75f }, 1234, 10), 6);
    }

    [Fact]
    public void ClippingBoundsTheGlobalNorm()
    {
        Assert.Equal(0.5f, Optimizer.ClipScale(13.0 * 13.0, 6.5f), 5);
        Assert.Equal(1f, Optimizer.ClipScale(0.05, 6.5f));
        Assert.Equal(1f, Optimizer.ClipScale(1e6, 0f));   // 0 = off
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void OneClippedSgdStepMovesTheWeightsByExactlyTheClipNorm(int threads)
    {
        // SGD without momentum, lr 1: the step is −g, so its norm is the clipped gradient norm.
        var a = ModelTests.KeywordArchitecture(RecurrentCellType.Gru);
        var data = ModelTests.KeywordTask(64, 3).Data;
        var o = new TrainingOptions { Optimizer = OptimizerKind.Sgd, Momentum = 0f, LearningRate = 1f, GradientClipNorm = 1e-3f, Epochs = 1, BatchSize = 64, NumberOfThreads = threads, Seed = 4 };
        var before = Initializer.Create(new ParameterLayout(a), o.Seed, o.ForgetGateBias);
        var after = RecurrentTrainer.Train(a, o, data).Model.Parameters.ToArray();
        double norm = Math.Sqrt(before.Zip(after, (x, y) => (double)(x - y) * (x - y)).Sum());
        Assert.Equal(1e-3, norm, 6);
    }

    [Fact]
    public void InitialisationIsOrthogonalGlorotAndForgetBiasOne()
    {
        var a = new RecurrentArchitecture { Cell = RecurrentCellType.Lstm, InputKind = SequenceInputKind.Tokens, VocabularySize = 50, EmbeddingSize = 6, HiddenSize = 12, Bidirectional = true };
        var layout = new ParameterLayout(a);
        float[] p = Initializer.Create(layout, 5, 1f);
        int H = 12;
        foreach (var d in layout.Directions)
        {
            for (int g = 0; g < 4; g++)
            {
                // Each gate block W is H×H orthogonal: W Wᵀ = I.
                for (int i = 0; i < H; i++)
                    for (int j = 0; j < H; j++)
                    {
                        double dot = 0;
                        for (int k = 0; k < H; k++) dot += p[d.WeightHh + g * H * H + i * H + k] * p[d.WeightHh + g * H * H + j * H + k];
                        Assert.Equal(i == j ? 1.0 : 0.0, dot, 4);
                    }
            }
            float limit = MathF.Sqrt(6f / (6 + 4 * H));
            Assert.All(p.AsSpan(d.WeightIh, 4 * H * 6).ToArray(), w => Assert.InRange(w, -limit, limit));
            Assert.All(p.AsSpan(d.BiasIh + H, H).ToArray(), b => Assert.Equal(1f, b));   // forget gate
            Assert.All(p.AsSpan(d.BiasHh, 4 * H).ToArray(), b => Assert.Equal(0f, b));
        }
        Assert.All(p.AsSpan(layout.Embedding, 6).ToArray(), e => Assert.Equal(0f, e));   // padding row
        Assert.Equal(p, Initializer.Create(layout, 5, 1f));
        Assert.NotEqual(p, Initializer.Create(layout, 6, 1f));
    }

    [Theory]
    [InlineData(RecurrentCellType.Lstm, SequencePooling.Last)]
    [InlineData(RecurrentCellType.Gru, SequencePooling.Mean)]
    [InlineData(RecurrentCellType.Rnn, SequencePooling.Max)]
    public void PaddingChangesNeitherOutputsNorGradients(RecurrentCellType cell, SequencePooling pooling)
    {
        // A batch of sequences of different lengths gives each row the same logits and, summed, the same
        // gradients as running every sequence alone: padded steps contribute nothing.
        var a = new RecurrentArchitecture { Cell = cell, InputKind = SequenceInputKind.Features, FeaturesPerStep = 3, HiddenSize = 9, Bidirectional = true, NumberOfLayers = 2, Pooling = pooling, NumberOfClasses = 3 };
        var layout = new ParameterLayout(a);
        var net = new RecurrentNetwork(layout, Initializer.Create(layout, 2, 1f));
        var rng = new Random(4);
        int[] lengths = [6, 1, 4, 9];
        var seqs = lengths.Select(n => Enumerable.Range(0, n * 3).Select(_ => (float)rng.NextDouble()).ToArray()).ToList();
        var data = SequenceDataset.FromFeatures(seqs, 3, [0, 1, 2, 1]);
        var (logits, grads) = Run(net, layout, data, Enumerable.Range(0, 4).ToArray());
        var sum = new double[layout.Count];
        for (int i = 0; i < 4; i++)
        {
            var (l1, g1) = Run(net, layout, data, [i]);
            for (int k = 0; k < 3; k++) Assert.Equal(l1[0][k], logits[i][k], 5);
            for (int k = 0; k < sum.Length; k++) sum[k] += g1[k];
        }
        for (int k = 0; k < sum.Length; k++) Assert.True(Math.Abs(sum[k] - grads[k]) <= 1e-5 * (1 + Math.Abs(sum[k])), $"gradient {k}: {grads[k]} vs {sum[k]}");
    }

    private static (float[][] Logits, float[] Gradients) Run(RecurrentNetwork net, ParameterLayout layout, SequenceDataset data, int[] rows)
    {
        var batch = new PackedBatch();
        batch.Pack(data, rows, default);
        var ws = new Workspace(layout.Architecture);
        var gradients = new float[layout.Count];
        var shard = batch.Shard(0);
        net.Forward(ws, shard, training: true, 0);
        var logits = new float[rows.Length][];
        for (int r = 0; r < rows.Length; r++) logits[Array.IndexOf(rows, batch.Order[r])] = ws.Logits.AsSpan(r * 3, 3).ToArray();
        net.Backward(ws, shard, gradients, batch.Labels.AsSpan(0, rows.Length), batch.Weights.AsSpan(0, rows.Length), 1f);
        return (logits, gradients);
    }

    [Theory]
    [InlineData(SequencePooling.Last, false)]
    [InlineData(SequencePooling.Mean, true)]
    [InlineData(SequencePooling.Max, true)]
    public void OnlyPoolingThatReadsTheTopOutputsGetsThem(SequencePooling pooling, bool kept)
    {
        // "Last" pools the final states, so the top layer's per-step outputs (and their gradients) are neither
        // written nor held; the layer below still passes its outputs up. Mean and max read them.
        var a = new RecurrentArchitecture { Cell = RecurrentCellType.Lstm, InputKind = SequenceInputKind.Features, FeaturesPerStep = 3, HiddenSize = 9, Bidirectional = true, NumberOfLayers = 2, Pooling = pooling, NumberOfClasses = 3 };
        var layout = new ParameterLayout(a);
        var net = new RecurrentNetwork(layout, Initializer.Create(layout, 2, 1f));
        var data = SequenceDataset.FromFeatures([new float[15], new float[6]], 3, [0, 1]);
        var batch = new PackedBatch();
        batch.Pack(data, [0, 1], default);
        var ws = new Workspace(a);
        net.Forward(ws, batch.Shard(0), training: true, 0);
        net.Backward(ws, batch.Shard(0), new float[layout.Count], batch.Labels.AsSpan(0, 2), batch.Weights.AsSpan(0, 2), 1f);
        Assert.Equal(5 * 2 * 18, ws.X[1].Length);
        Assert.Equal(kept ? 5 * 2 * 18 : 0, ws.X[2].Length);
        Assert.Equal(kept ? 5 * 2 * 18 : 0, ws.DX[2].Length);
        // Asking for them anyway (what the parity tests do) changes no result.
        float[] logits = ws.Logits.AsSpan(0, 6).ToArray();
        var full = new Workspace(a, keepTopOutputs: true);
        net.Forward(full, batch.Shard(0), training: true, 0);
        Assert.Equal(5 * 2 * 18, full.X[2].Length);
        Assert.Equal(logits, full.Logits.AsSpan(0, 6).ToArray());
    }

    public static IEnumerable<object[]> ThreadCountCases() =>
    [
        [RecurrentCellType.Lstm, 64, 0f],    // 4 work items a batch, 256 % 64 = 0
        [RecurrentCellType.Gru, 48, 0.3f],   // 3 items, dropout, a short last batch (256 % 48 = 16: 1 item)
        [RecurrentCellType.Rnn, 200, 0f],    // 13 items, a last batch of 56 rows (4 items)
    ];

    [Theory]
    [MemberData(nameof(ThreadCountCases))]
    public void TrainingIsBitIdenticalForAnyThreadCount(RecurrentCellType cell, int batchSize, float dropout)
    {
        // The batch is cut into work items by its size alone and every sum runs in item (or chunk) order, so the
        // thread count only decides where items run: 1, 2, 3 and 16 threads give the same weights bit for bit.
        var data = ModelTests.KeywordTask(256, 12).Data;
        var a = ModelTests.KeywordArchitecture(cell) with { NumberOfLayers = 2, Dropout = dropout };
        var o = new TrainingOptions { Epochs = 2, BatchSize = batchSize, Seed = 8, LearningRate = 3e-3f, GradientClipNorm = 0.5f };
        var one = RecurrentTrainer.Train(a, o with { NumberOfThreads = 1 }, data).Model.Parameters.ToArray();
        foreach (int threads in new[] { 2, 3, 16 })
        {
            var other = RecurrentTrainer.Train(a, o with { NumberOfThreads = threads }, data).Model.Parameters.ToArray();
            int differing = one.Zip(other, (x, y) => BitConverter.SingleToInt32Bits(x) != BitConverter.SingleToInt32Bits(y)).Count(d => d);
            Assert.True(differing == 0, $"{threads} threads: {differing} of {one.Length} weights differ from 1 thread");
        }
    }

    [Fact]
    public void WorkItemsDependOnTheBatchSizeOnly()
    {
        Assert.Equal(1, TrainingStep.WorkItems(1));
        Assert.Equal(1, TrainingStep.WorkItems(16));
        Assert.Equal(2, TrainingStep.WorkItems(32));
        Assert.Equal(4, TrainingStep.WorkItems(64));
        Assert.Equal(TrainingStep.MaxItems, TrainingStep.WorkItems(100_000));
    }

    [Fact]
    public void SumOfSquaresDoesNotDependOnWhereTheSpanStarts()
    {
        // TensorPrimitives' reductions may start at an aligned address; the clipping norm must not.
        var rng = new Random(5);
        var x = Enumerable.Range(0, 10_003).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        double exact = x.Skip(3).Sum(v => (double)v * v);
        var copy = new float[x.Length + 16];
        for (int shift = 0; shift < 16; shift++)
        {
            x.AsSpan(3).CopyTo(copy.AsSpan(shift));
            double s = Recurrent.Kernels.VectorMath.SumOfSquares(copy.AsSpan(shift, x.Length - 3));
            Assert.Equal(Recurrent.Kernels.VectorMath.SumOfSquares(x.AsSpan(3)), s);
            Assert.Equal(exact, s, 1e-9 * exact);
        }
    }

    [Fact]
    public void ClassAndExampleWeightsMultiplyIntoRowWeights()
    {
        var data = SequenceDataset.FromTokens([[2], [3, 4], [5]], [0, 1, 1], [0.5f, 2f, 1f]);
        var batch = new PackedBatch();
        batch.Pack(data, [0, 1, 2], [3f, 0.25f]);
        var byIndex = Enumerable.Range(0, 3).ToDictionary(r => batch.Order[r], r => batch.Weights[r]);
        Assert.Equal(1.5f, byIndex[0]);
        Assert.Equal(0.5f, byIndex[1]);
        Assert.Equal(0.25f, byIndex[2]);
        Assert.Equal(2.25f, batch.TotalWeight());
    }

    [Fact]
    public void DropoutOnlyActsWhileTraining()
    {
        var a = ModelTests.KeywordArchitecture(RecurrentCellType.Gru) with { NumberOfLayers = 3, Dropout = 0.5f };
        var layout = new ParameterLayout(a);
        var net = new RecurrentNetwork(layout, Initializer.Create(layout, 1, 1f));
        var data = ModelTests.KeywordTask(8, 1).Data;
        var batch = new PackedBatch();
        batch.Pack(data, Enumerable.Range(0, 8).ToArray(), default);
        var ws = new Workspace(layout.Architecture);
        float[] Logits(bool training, ulong seed)
        {
            net.Forward(ws, batch.Shard(0), training, seed);
            return ws.Logits.AsSpan(0, 24).ToArray();
        }
        Assert.Equal(Logits(false, 1), Logits(false, 2));
        Assert.Equal(Logits(true, 1), Logits(true, 1));
        Assert.NotEqual(Logits(true, 1), Logits(true, 2));
        Assert.NotEqual(Logits(false, 1), Logits(true, 1));
    }
}

/// <summary>Epoch order: a permutation, shuffled even when every length is equal, bucketed when lengths vary.</summary>
public class EpochPlannerTests
{
    [Fact]
    public void EqualLengthsAreStillShuffled()
    {
        // Sorted data (labels grouped, as MNIST arrives) must not come back sorted just because lengths tie.
        var data = SequenceDataset.FromFeatures(Enumerable.Range(0, 1000).Select(_ => new float[28]).ToList(), 28, Enumerable.Range(0, 1000).Select(i => i / 100).ToList());
        var order = new int[1000];
        Training.EpochPlanner.Plan(order, data, 64, bucket: true, seed: 1, epoch: 1);
        Assert.Equal(Enumerable.Range(0, 1000), order.Order());
        int ascending = Enumerable.Range(1, 999).Count(i => order[i] > order[i - 1]);
        Assert.InRange(ascending, 350, 650);   // a random permutation rises about half the time
        var firstBatchLabels = order.Take(64).Select(i => data.LabelList[i]).Distinct().Count();
        Assert.True(firstBatchLabels >= 5, $"the first batch holds only {firstBatchLabels} classes");
    }

    [Fact]
    public void BucketingGroupsSimilarLengthsAndEpochsDiffer()
    {
        var rng = new Random(2);
        var lengths = Enumerable.Range(0, 2000).Select(_ => rng.Next(1, 300)).ToArray();
        var data = SequenceDataset.FromTokens(lengths.Select(n => new int[n]).ToList(), lengths.Select(_ => 0).ToList());
        double Waste(bool bucket, int epoch)
        {
            var order = new int[lengths.Length];
            Training.EpochPlanner.Plan(order, data, 32, bucket, seed: 3, epoch);
            Assert.Equal(Enumerable.Range(0, lengths.Length), order.Order());
            double padded = 0, real = 0;
            for (int s = 0; s < order.Length; s += 32)
            {
                var batch = order.Skip(s).Take(32).Select(i => lengths[i]).ToArray();
                padded += batch.Length * batch.Max();
                real += batch.Sum();
            }
            return padded / real - 1;
        }
        double random = Waste(false, 1), bucketed = Waste(true, 1);
        Assert.True(bucketed < 0.1 && random > 0.5, $"padding overhead: bucketed {bucketed:P0}, random {random:P0}");
        var e1 = new int[lengths.Length];
        var e2 = new int[lengths.Length];
        Training.EpochPlanner.Plan(e1, data, 32, true, 3, 1);
        Training.EpochPlanner.Plan(e2, data, 32, true, 3, 2);
        Assert.NotEqual(e1, e2);
    }
}
