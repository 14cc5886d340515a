using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// ML.NET's <c>Transform</c> of a fitted seq28 LSTM (hidden 128) over 10,000 rows of 28 × 28 floats, read through a
/// cursor (Score column), on 1 or more threads (<see cref="RecurrentSequenceClassificationTransformer.WithNumberOfThreads"/>).
/// </summary>
internal static class TransformSpeed
{
    public const int Rows = 10_000;

    private sealed class Row
    {
        [VectorType(Workloads.SeqSteps * Workloads.SeqFeatures)] public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }

    private static IDataView Data(MLContext ml, int count, int seed)
    {
        var rng = new Random(seed);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(_ => new Row
        {
            Features = Enumerable.Range(0, Workloads.SeqSteps * Workloads.SeqFeatures).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(),
            Label = rng.Next(2) == 1,
        }).ToList());
    }

    private static RecurrentSequenceClassificationTransformer? _fitted;
    private static IDataView? _data;

    public static void Run(int threads, double seconds, Action<Dictionary<string, object>> emit)
    {
        var ml = new MLContext(seed: 1);
        // One short epoch: the weights' values do not matter to the speed, the shapes do.
        _fitted ??= ml.BinaryClassification.Trainers.Lstm(new LstmSequenceClassifierTrainer.Options
        {
            FeaturesPerStep = Workloads.SeqFeatures, HiddenSize = Workloads.Hidden, NumberOfEpochs = 1, BatchSize = 64, NumberOfThreads = 1,
        }).Fit(Data(ml, 256, seed: 2));
        _data ??= ml.Data.Cache(Data(ml, Rows, seed: 3));
        var scored = _fitted.WithNumberOfThreads(threads).Transform(_data);
        double Pass()
        {
            long t0 = Stopwatch.GetTimestamp();
            using var cursor = scored.GetRowCursor([scored.Schema["Score"]]);
            var score = cursor.GetGetter<float>(scored.Schema["Score"]);
            float v = 0, sum = 0;
            while (cursor.MoveNext()) { score(ref v); sum += v; }
            if (float.IsNaN(sum)) throw new InvalidOperationException("NaN score");
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        Pass();   // JIT, the cache filled, every thread's scratch grown
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || times.Count < 3) times.Add(Pass());
        times.Sort();
        emit(new()
        {
            ["kind"] = "transform", ["cell"] = "lstm", ["config"] = "seq28", ["threads"] = threads, ["rows"] = Rows,
            ["value"] = Rows / times[0], ["median"] = Rows / times[times.Count / 2], ["unit"] = "rows/s", ["passes"] = times.Count,
        });
    }
}
