using Microsoft.ML.Recurrent.Model;
using Microsoft.ML.Recurrent.Tests.Reliability;
using Microsoft.ML.Recurrent.Training;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>
/// Issue #14: many-sequence calls spread their fixed blocks over the predictor's threads; the bits never depend on
/// the thread count, and steady-state calls allocate nothing (worker threads included).
/// </summary>
[Collection(nameof(SerialAllocationTests))]
public class ParallelPredictionTests
{
    // 5 blocks of RecurrentPredictor.BatchSize, the last one partial: every thread gets blocks and some get two.
    private const int Count = 4 * RecurrentPredictor.BatchSize + 7;

    private static RecurrentModel RandomModel(RecurrentArchitecture a, int seed = 3)
    {
        var layout = new ParameterLayout(a);
        return RecurrentModel.FromParameters(a, Initializer.Create(layout, seed, 1f));
    }

    /// <summary>Dense sequences of 1..20 steps (lengths vary so the blocks' length sort matters).</summary>
    private static float[][] Dense(int count, int features, int seed = 11)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, rng.Next(1, 21) * features)
            .Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray()).ToArray();
    }

    private static int[][] Tokens(int count, int vocabulary, int seed = 12)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, rng.Next(1, 30)).Select(_ => rng.Next(1, vocabulary)).ToArray()).ToArray();
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: value {i} is {actual[i]:R}, one thread gave {expected[i]:R}");
    }

    [Fact]
    public void DenseCallsGiveTheSameBitsOnOneTwoAndThreeThreads()
    {
        var model = RandomModel(new RecurrentArchitecture { Cell = RecurrentCellType.Gru, InputKind = SequenceInputKind.Features, FeaturesPerStep = 5, HiddenSize = 24, NumberOfClasses = 4 });
        var x = Dense(Count, 5);
        float[] Run(int threads, out float[] logits)
        {
            var predictor = model.CreatePredictor(new PredictorOptions { NumberOfThreads = threads });
            Assert.Equal(threads, predictor.NumberOfThreads);
            var p = new float[Count * 4];
            logits = new float[Count * 4];
            predictor.Predict(x, p, logits);
            return p;
        }
        var p1 = Run(1, out var l1);
        Assert.All(p1, v => Assert.True(float.IsFinite(v)));
        foreach (int t in new[] { 2, 3 })
        {
            AssertSameBits(p1, Run(t, out var lt), $"probabilities on {t} threads");
            AssertSameBits(l1, lt, $"logits on {t} threads");
        }
    }

    [Fact]
    public void TokenCallsGiveTheSameBitsOnOneTwoAndThreeThreads()
    {
        var model = RandomModel(new RecurrentArchitecture
        {
            Cell = RecurrentCellType.Lstm, InputKind = SequenceInputKind.Tokens, VocabularySize = 50, EmbeddingSize = 8, HiddenSize = 16,
            NumberOfLayers = 2, Bidirectional = true, NumberOfClasses = 2,
        });
        var x = Tokens(Count, 50);
        float[] Run(int threads)
        {
            var p = new float[Count * 2];
            model.CreatePredictor(new PredictorOptions { NumberOfThreads = threads }).PredictProbabilities(x, p);
            return p;
        }
        var p1 = Run(1);
        AssertSameBits(p1, Run(2), "2 threads");
        AssertSameBits(p1, Run(3), "3 threads");
    }

    [Fact]
    public void RegressionCallsGiveTheSameBitsOnOneTwoAndThreeThreads()
    {
        var a = new RecurrentArchitecture
        {
            Cell = RecurrentCellType.Lstm, InputKind = SequenceInputKind.Features, FeaturesPerStep = 3, HiddenSize = 12,
            Classification = ClassificationKind.Regression, NumberOfOutputs = 2,
        };
        var model = RandomModel(a).WithTargetStandardization(new TargetStandardization([1.5f, -3f], [2f, 0.5f]));
        var x = Dense(Count, 3, seed: 13);
        float[] Run(int threads)
        {
            var v = new float[Count * 2];
            model.CreatePredictor(new PredictorOptions { NumberOfThreads = threads }).PredictValues(x, v);
            return v;
        }
        var v1 = Run(1);
        AssertSameBits(v1, Run(2), "2 threads");
        AssertSameBits(v1, Run(3), "3 threads");
    }

    [Fact]
    public void ConcurrentCallersOfOneParallelPredictorGetTheOneThreadBits()
    {
        // One caller holds the workers; the others run their blocks alone on their own threads.
        var model = RandomModel(new RecurrentArchitecture { Cell = RecurrentCellType.Gru, InputKind = SequenceInputKind.Features, FeaturesPerStep = 5, HiddenSize = 24, NumberOfClasses = 4 });
        var x = Dense(Count, 5);
        var expected = new float[Count * 4];
        model.CreatePredictor(new PredictorOptions { NumberOfThreads = 1 }).PredictProbabilities(x, expected);
        var shared = model.CreatePredictor(new PredictorOptions { NumberOfThreads = 2 });
        var results = new float[4][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, c =>
        {
            var p = new float[Count * 4];
            for (int r = 0; r < 20; r++) shared.PredictProbabilities(x, p);
            results[c] = p;
        });
        for (int c = 0; c < 4; c++) AssertSameBits(expected, results[c], $"caller {c}");
    }

    [Fact]
    public void ZeroOrNegativeThreadCountsAreRejected()
    {
        var model = RandomModel(new RecurrentArchitecture { Cell = RecurrentCellType.Gru, InputKind = SequenceInputKind.Features, FeaturesPerStep = 2, HiddenSize = 4 });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.CreatePredictor(new PredictorOptions { NumberOfThreads = 0 }));
        Assert.Contains("NumberOfThreads", e.Message);
        Assert.Equal(Environment.ProcessorCount, model.CreatePredictor(new PredictorOptions()).NumberOfThreads);
    }

    [Fact]
    public void SteadyStateParallelCallsAllocateNothingOnAnyThread()
    {
        var model = RandomModel(new RecurrentArchitecture { Cell = RecurrentCellType.Lstm, InputKind = SequenceInputKind.Features, FeaturesPerStep = 5, HiddenSize = 16, NumberOfClasses = 3 });
        var x = Dense(Count, 5);
        var predictor = model.CreatePredictor(new PredictorOptions { NumberOfThreads = 2 });
        var p = new float[Count * 3];
        var logits = new float[Count * 3];
        for (int i = 0; i < 30; i++) predictor.Predict(x, p, logits);   // pool started, every thread's scratch grown, JIT settled
        const int calls = 100;
        // Process-wide, precise: the worker threads' allocations count too. The quietest of several windows: a stray
        // runtime allocation (a background tier-up under load) may land in one; per-call allocation lands in all.
        long allocated = long.MaxValue;
        for (int window = 0; window < 5 && allocated >= 1024; window++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < calls; i++) predictor.Predict(x, p, logits);
            allocated = Math.Min(allocated, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        Assert.True(allocated < 1024, $"{calls} steady-state calls of {Count} sequences on 2 threads allocated {allocated:N0} B");
    }
}
