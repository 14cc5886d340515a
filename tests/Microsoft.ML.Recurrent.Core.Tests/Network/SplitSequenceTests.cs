using Microsoft.ML.Recurrent.Model;
using Microsoft.ML.Recurrent.Tests.Reliability;
using Microsoft.ML.Recurrent.Training;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Network;

/// <summary>
/// Issue #14, batch-1 on two cores: <c>PredictorOptions.SingleSequenceThreads = 2</c> splits one sequence's hidden
/// units between the calling thread and a helper. The bits must equal one thread's for every architecture it splits,
/// and steady-state calls allocate nothing.
/// </summary>
[Collection(nameof(SerialAllocationTests))]
public class SplitSequenceTests
{
    private static RecurrentModel RandomModel(RecurrentArchitecture a, int seed = 5)
        => RecurrentModel.FromParameters(a, Initializer.Create(new ParameterLayout(a), seed, 1f));

    private static float[] Sequence(int steps, int features, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, steps * features).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
    }

    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: value {i} is {actual[i]:R}, one thread gave {expected[i]:R}");
    }

    private static RecurrentArchitecture Dense(RecurrentCellType cell, int hidden) => new()
    {
        Cell = cell, InputKind = SequenceInputKind.Features, FeaturesPerStep = 7, HiddenSize = hidden, NumberOfClasses = 5,
    };

    public static TheoryData<string> Architectures() => new(Cases.Keys);

    private static readonly Dictionary<string, RecurrentArchitecture> Cases = new()
    {
        ["lstm-128"] = Dense(RecurrentCellType.Lstm, 128),
        ["lstm-peephole-64"] = Dense(RecurrentCellType.Lstm, 64) with { Peephole = true },
        // 100 units split 48 + 52 and 37 split 16 + 21: halves that end in the kernels' one-float tail.
        ["lstm-100-mean"] = Dense(RecurrentCellType.Lstm, 100) with { Pooling = SequencePooling.Mean },
        ["gru-37-max"] = Dense(RecurrentCellType.Gru, 37) with { Pooling = SequencePooling.Max },
        ["gru-128"] = Dense(RecurrentCellType.Gru, 128),
        ["rnn-tanh-96"] = Dense(RecurrentCellType.Rnn, 96),
        ["rnn-relu-48"] = Dense(RecurrentCellType.Rnn, 48) with { RnnActivation = RnnActivation.Relu },
        // Four recurrent-product panels per half (G·U = 4·160 > 256).
        ["lstm-320"] = Dense(RecurrentCellType.Lstm, 320),
        ["lstm-2-layers-bidirectional"] = Dense(RecurrentCellType.Lstm, 64) with { NumberOfLayers = 2, Bidirectional = true },
        ["gru-tokens-bidirectional"] = new()
        {
            Cell = RecurrentCellType.Gru, InputKind = SequenceInputKind.Tokens, VocabularySize = 40, EmbeddingSize = 12,
            HiddenSize = 48, Bidirectional = true, NumberOfClasses = 2, Classification = ClassificationKind.Binary,
        },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void SplitSequencesGiveTheOneThreadBits(string name)
    {
        var a = Cases[name];
        var model = RandomModel(a);
        var one = model.CreatePredictor();
        var two = model.CreatePredictor(new PredictorOptions { SingleSequenceThreads = 2 });
        Assert.Equal(1, one.SingleSequenceThreads);
        Assert.Equal(2, two.SingleSequenceThreads);
        int C = a.NumberOfClasses, L = a.LogitCount;
        float[] p1 = new float[C], p2 = new float[C], l1 = new float[L], l2 = new float[L];
        foreach (int steps in new[] { 1, 2, 9, 40 })
            for (int seed = 0; seed < 3; seed++)
            {
                if (a.InputKind == SequenceInputKind.Tokens)
                {
                    var rng = new Random(seed + steps);
                    var tokens = Enumerable.Range(0, steps).Select(_ => rng.Next(0, a.VocabularySize)).ToArray();
                    one.Predict(tokens, p1, l1);
                    two.Predict(tokens, p2, l2);
                }
                else
                {
                    var x = Sequence(steps, a.FeaturesPerStep, seed + 100 * steps);
                    one.Predict(x, p1, l1);
                    two.Predict(x, p2, l2);
                }
                Assert.All(p1, v => Assert.True(float.IsFinite(v)));
                AssertSameBits(p1, p2, $"{name}, {steps} steps, probabilities");
                AssertSameBits(l1, l2, $"{name}, {steps} steps, logits");
            }
    }

    [Fact]
    public void SplitRegressionGivesTheOneThreadBits()
    {
        var a = Dense(RecurrentCellType.Lstm, 64) with { Classification = ClassificationKind.Regression, NumberOfOutputs = 2 };
        var model = RandomModel(a).WithTargetStandardization(new TargetStandardization([1.5f, -3f], [2f, 0.5f]));
        float[] v1 = new float[2], v2 = new float[2];
        var x = Sequence(30, 7, 3);
        model.CreatePredictor().PredictValues(x, v1);
        model.CreatePredictor(new PredictorOptions { SingleSequenceThreads = 2 }).PredictValues(x, v2);
        AssertSameBits(v1, v2, "regression values");
    }

    [Fact]
    public void CellsThatCannotBeSplitRunOnOneThreadWithTheSameResults()
    {
        foreach (var a in new[]
        {
            Dense(RecurrentCellType.Gru, 64) with { GruReset = GruResetMode.BeforeRecurrentProduct },
            Dense(RecurrentCellType.Lstm, 16),
        })
        {
            var model = RandomModel(a);
            var two = model.CreatePredictor(new PredictorOptions { SingleSequenceThreads = 2 });
            Assert.Equal(1, two.SingleSequenceThreads);
            float[] p1 = new float[5], p2 = new float[5];
            var x = Sequence(12, 7, 1);
            model.CreatePredictor().PredictProbabilities(x, p1);
            two.PredictProbabilities(x, p2);
            AssertSameBits(p1, p2, $"{a.Cell} {a.GruReset} H={a.HiddenSize}");
        }
    }

    [Fact]
    public void Int8PredictorsRunOneSequenceOnTheCallingThread()
    {
        // The split halves compute in fp32: asking for both must not silently change an int8 predictor's results.
        var model = RandomModel(Dense(RecurrentCellType.Lstm, 64));
        var int8 = model.CreatePredictor(new PredictorOptions { Precision = InferencePrecision.Int8 });
        var both = model.CreatePredictor(new PredictorOptions { Precision = InferencePrecision.Int8, SingleSequenceThreads = 2 });
        Assert.Equal(1, both.SingleSequenceThreads);
        float[] p1 = new float[5], p2 = new float[5], fp32 = new float[5];
        var x = Sequence(20, 7, 2);
        int8.PredictProbabilities(x, p1);
        both.PredictProbabilities(x, p2);
        model.CreatePredictor().PredictProbabilities(x, fp32);
        AssertSameBits(p1, p2, "int8 with SingleSequenceThreads = 2");
        Assert.NotEqual(fp32, p1);   // the int8 path really ran
    }

    [Fact]
    public void OtherThreadCountsAreRejected()
    {
        var model = RandomModel(Dense(RecurrentCellType.Lstm, 32));
        foreach (int n in new[] { 0, 3, -1 })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.CreatePredictor(new PredictorOptions { SingleSequenceThreads = n }));
            Assert.Contains("SingleSequenceThreads must be 1 or 2", e.Message);
        }
    }

    [Fact]
    public void TheHelperWakesAfterParkingAndServesConcurrentCallers()
    {
        var model = RandomModel(Dense(RecurrentCellType.Lstm, 64));
        var x = Sequence(20, 7, 9);
        var expected = new float[5];
        model.CreatePredictor().PredictProbabilities(x, expected);
        var two = model.CreatePredictor(new PredictorOptions { SingleSequenceThreads = 2 });
        var p = new float[5];
        for (int i = 0; i < 3; i++)
        {
            two.PredictProbabilities(x, p);
            AssertSameBits(expected, p, $"call {i}");
            Thread.Sleep(20);   // far beyond the helper's spin time: it parks, and the next call must wake it
        }
        // Concurrent callers: one holds the helper at a time, the others run alone; every result is the same.
        var results = new float[4][];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, c =>
        {
            var q = new float[5];
            for (int r = 0; r < 200; r++) two.PredictProbabilities(x, q);
            results[c] = q;
        });
        for (int c = 0; c < 4; c++) AssertSameBits(expected, results[c], $"caller {c}");
    }

    /// <summary>Threads of this process whose OS name starts like the helper's (Linux: /proc/self/task/*/comm, 15 characters).</summary>
    private static int HelperThreads() => Directory.EnumerateDirectories("/proc/self/task")
        .Count(t => File.Exists(Path.Combine(t, "comm")) && File.ReadAllText(Path.Combine(t, "comm")).StartsWith("Recurrent seque", StringComparison.Ordinal));

    [Fact]
    public void ADroppedPredictorStopsItsHelperThread()
    {
        if (!OperatingSystem.IsLinux()) return;   // thread names are read from /proc
        // Earlier tests' predictors may still be waiting for their finalizers: let their helpers stop first.
        int before = Settle();
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        static void UseAndDrop()
        {
            var predictor = RandomModel(Dense(RecurrentCellType.Lstm, 64)).CreatePredictor(new PredictorOptions { SingleSequenceThreads = 2 });
            predictor.PredictProbabilities(Sequence(10, 7, 1), new float[5]);
        }
        UseAndDrop();
        Assert.Equal(before + 1, HelperThreads());   // the first call started it
        // The helper holds no reference to the predictor: once collected, its finalizer stops the helper.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (HelperThreads() > before && DateTime.UtcNow < deadline)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(20);
        }
        Assert.Equal(before, HelperThreads());
    }

    /// <summary>Collects and finalizes until the helper count stops falling (at most 10 s); returns it.</summary>
    private static int Settle()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        int count = HelperThreads(), quiet = 0;
        while (quiet < 5 && DateTime.UtcNow < deadline)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(20);
            int now = HelperThreads();
            quiet = now < count ? 0 : quiet + 1;
            count = now;
        }
        return count;
    }

    [Fact]
    public void SteadyStateSplitCallsAllocateNothing()
    {
        var model = RandomModel(Dense(RecurrentCellType.Gru, 64) with { NumberOfLayers = 2 });
        var predictor = model.CreatePredictor(new PredictorOptions { SingleSequenceThreads = 2 });
        var x = Sequence(28, 7, 4);
        var p = new float[5];
        for (int i = 0; i < 200; i++) predictor.PredictProbabilities(x, p);
        const int calls = 1000;
        long allocated = long.MaxValue;
        for (int window = 0; window < 5 && allocated >= 1024; window++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < calls; i++) predictor.PredictProbabilities(x, p);
            allocated = Math.Min(allocated, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        Assert.True(allocated < 1024, $"{calls} split calls allocated {allocated:N0} B");
    }
}
