using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// The engine side of eng/speed-vs-pytorch.sh: the configurations of eng/speed/torch_speed.py, one JSON object a line.
/// Training goes through the public <see cref="RecurrentTrainer.Train"/> (sequences/s of whole epochs after the first);
/// batch-1 inference through <see cref="RecurrentPredictor.PredictProbabilities(ReadOnlySpan{float}, Span{float})"/>.
/// </summary>
internal static class Speed
{
    public static int Run(string[] args)
    {
        int[] threads = [1, 2];
        double seconds = 3;
        var only = new HashSet<string> { "train", "infer", "floor", "sgemm" };
        InferencePrecision[] precisions = [InferencePrecision.Float32, InferencePrecision.Int8];
        RecurrentCellType[] cells = [RecurrentCellType.Lstm, RecurrentCellType.Gru];
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only": only = args[++i].Split(',').ToHashSet(); break;
                case "--cells": cells = args[++i].Split(',').Select(c => Enum.Parse<RecurrentCellType>(c, ignoreCase: true)).ToArray(); break;
                case "--precision": precisions = args[++i].Split(',').Select(p => p == "int8" ? InferencePrecision.Int8 : p == "fp32" ? InferencePrecision.Float32 : throw new ArgumentException($"--precision {p}: expected fp32 or int8")).ToArray(); break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }
        Emit(new()
        {
            ["kind"] = "info", ["runtime"] = Environment.Version.ToString(), ["processors"] = Environment.ProcessorCount,
            ["avx512"] = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated,
        });
        if (only.Contains("sgemm")) Sgemms(seconds / 3);
        if (only.Contains("infer"))
            foreach (var precision in precisions)
                foreach (var cell in cells)
                    // Two threads split one sequence over both cores (fp32 only).
                    foreach (int t in threads.Where(t => t == 1 || (t == 2 && precision == InferencePrecision.Float32)))
                        InferOne(cell, precision, t, seconds);
        if (only.Contains("infer64"))
            foreach (var precision in precisions)
                foreach (var cell in cells)
                    foreach (int t in threads) InferMany(cell, precision, t, seconds);
        if (only.Contains("transform"))
            foreach (int t in threads) TransformSpeed.Run(t, seconds, Emit);
        if (only.Contains("block"))
            foreach (var cell in new[] { RecurrentCellType.Lstm, RecurrentCellType.Gru })
                foreach (int rows in new[] { 4, 8, 16, 32, 64 }) InferBlock(cell, rows, seconds);
        if (only.Contains("floor")) Floors.Run(seconds);
        if (only.Contains("peak")) Peaks.Run(seconds);
        if (only.Contains("floor") || only.Contains("lowp")) ReducedPrecisionGemv.Run(seconds, Emit);
        if (only.Contains("train"))
            foreach (int t in threads)
                foreach (var cfg in new[] { "seq28", "text200" })
                    foreach (var cell in new[] { RecurrentCellType.Lstm, RecurrentCellType.Gru })
                        Train(cell, cfg, t, seconds);
        return 0;
    }

    private static void Emit(Dictionary<string, object> kv)
    {
        kv["engine"] = "ours";
        Console.WriteLine(JsonSerializer.Serialize(kv));
    }

    private static string Name(RecurrentCellType c) => c.ToString().ToLowerInvariant();

    private static void Train(RecurrentCellType cell, string cfg, int threads, double seconds)
    {
        bool text = cfg == "text200";
        var a = text ? Workloads.Text(cell) : Workloads.Sequence(cell);
        int B = text ? Workloads.TextBatch : Workloads.SeqBatch;
        var options = new TrainingOptions { BatchSize = B, NumberOfThreads = threads, Epochs = 1, LearningRate = 1e-3f, GradientClipNorm = 5f };

        // Calibrate: one short epoch (includes JIT), then size the epoch to ~seconds/3.
        var probe = RecurrentTrainer.Train(a, options, text ? Workloads.TextData(4 * B) : Workloads.SequenceData(4 * B));
        double perBatch = probe.History[0].Seconds / 4;
        int batches = Math.Clamp((int)Math.Ceiling(seconds / 3 / perBatch), 4, 4000);
        var data = text ? Workloads.TextData(batches * B) : Workloads.SequenceData(batches * B);
        var result = RecurrentTrainer.Train(a, options with { Epochs = 4 }, data);
        var rates = result.History.Skip(1).Select(e => data.Count / e.Seconds).OrderBy(r => r).ToArray();

        // Allocation of steady-state steps (same step as the trainer's, driven directly).
        using var step = new CyclingTrainingStep(a, data, B, threads);
        for (int i = 0; i < 20; i++) step.Run();
        // Process-wide, since the worker threads count too; 50 steps so a stray runtime allocation shows as a fraction.
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < 50; i++) step.Run();
        double allocated = (GC.GetTotalAllocatedBytes(precise: true) - before) / 50.0;

        Emit(new()
        {
            ["kind"] = "train", ["cell"] = Name(cell), ["config"] = cfg, ["threads"] = threads, ["value"] = rates[^1],
            ["median"] = rates[rates.Length / 2], ["min"] = rates[0], ["unit"] = "seq/s", ["batch"] = B, ["steps"] = text ? Workloads.TextSteps : Workloads.SeqSteps,
            ["epoch_sequences"] = data.Count, ["alloc_bytes_per_step"] = allocated,
        });
    }

    /// <summary>Kind of an inference line: "infer1"/"infer64" for fp32 (what the reports have always read), with "_int8" for the opt-in mode.</summary>
    private static string Kind(string kind, InferencePrecision precision) => precision == InferencePrecision.Float32 ? kind : kind + "_int8";

    /// <summary>Batch-1 latency; with 2 threads the predictor splits the sequence's hidden units over both cores (PredictorOptions.SingleSequenceThreads).</summary>
    private static void InferOne(RecurrentCellType cell, InferencePrecision precision, int threads, double seconds)
    {
        var model = Workloads.RandomModel(Workloads.Sequence(cell));
        var predictor = model.CreatePredictor(new PredictorOptions { Precision = precision, SingleSequenceThreads = threads });
        var rng = new Random(7);
        var x = new float[Workloads.SeqSteps * Workloads.SeqFeatures];
        for (int k = 0; k < x.Length; k++) x[k] = (float)(rng.NextDouble() * 2 - 1);
        var probs = new float[Workloads.SeqClasses];
        for (int i = 0; i < 2000; i++) predictor.PredictProbabilities(x, probs);  // JIT tiers settle
        // Allocation in its own loop: the timing loop's list of samples allocates as it grows.
        const int allocationCalls = 10_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < allocationCalls; i++) predictor.PredictProbabilities(x, probs);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var times = Latencies(() => predictor.PredictProbabilities(x, probs), seconds, minimumSamples: 1000);
        Emit(new()
        {
            ["kind"] = Kind("infer1", precision), ["cell"] = Name(cell), ["config"] = "seq28", ["threads"] = threads, ["value"] = times[times.Count / 2],
            ["p10"] = times[times.Count / 10], ["p90"] = times[9 * times.Count / 10], ["unit"] = "us",
            ["alloc_bytes_per_call"] = (double)allocated / allocationCalls,
        });
    }

    /// <summary>
    /// 64 seq28 sequences in one call of a predictor with <paramref name="threads"/> threads (its blocks of
    /// RecurrentPredictor.BatchSize spread over them): the peers' "infer64" workload through our own thread pool.
    /// </summary>
    private static void InferMany(RecurrentCellType cell, InferencePrecision precision, int threads, double seconds)
    {
        var predictor = Workloads.RandomModel(Workloads.Sequence(cell)).CreatePredictor(new PredictorOptions { NumberOfThreads = threads, Precision = precision });
        var x = Inputs(Workloads.SeqBatch);
        var probs = new float[x.Length * Workloads.SeqClasses];
        for (int i = 0; i < 200; i++) predictor.PredictProbabilities(x, probs);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < 200; i++) predictor.PredictProbabilities(x, probs);
        double allocated = (GC.GetTotalAllocatedBytes(precise: true) - before) / 200.0;
        var times = Latencies(() => predictor.PredictProbabilities(x, probs), seconds, minimumSamples: 100);
        Emit(new()
        {
            ["kind"] = Kind("infer64", precision), ["cell"] = Name(cell), ["config"] = "seq28", ["threads"] = threads, ["value"] = times[times.Count / 2],
            ["best"] = times[0], ["p10"] = times[times.Count / 10], ["p90"] = times[9 * times.Count / 10], ["unit"] = "us",
            ["alloc_bytes_per_call"] = allocated,
        });
    }

    /// <summary>
    /// One thread, one block of <paramref name="rows"/> sequences per call: µs per sequence. Chooses the predictor's
    /// block size (RecurrentPredictor.BatchSize): small blocks split a call across more threads, large ones use SGEMM better.
    /// </summary>
    private static void InferBlock(RecurrentCellType cell, int rows, double seconds)
    {
        var predictor = Workloads.RandomModel(Workloads.Sequence(cell)).CreatePredictor(new PredictorOptions { NumberOfThreads = 1 });
        var x = Inputs(rows);
        var probs = new float[rows * Workloads.SeqClasses];
        for (int i = 0; i < 200; i++) predictor.PredictProbabilities(x, probs);
        var times = Latencies(() => predictor.PredictProbabilities(x, probs), seconds, minimumSamples: 100);
        Emit(new()
        {
            ["kind"] = "inferblock", ["cell"] = Name(cell), ["config"] = "seq28", ["threads"] = 1, ["rows"] = rows,
            ["value"] = times[0] / rows, ["median"] = times[times.Count / 2] / rows, ["unit"] = "us/seq",
        });
    }

    /// <summary>N seq28 sequences of uniform(−1, 1) values, the same on every run.</summary>
    private static float[][] Inputs(int n)
    {
        var rng = new Random(7);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, Workloads.SeqSteps * Workloads.SeqFeatures)
            .Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
    }

    /// <summary>
    /// Sorted latencies (µs per call) of <paramref name="body"/>, timed in batches of 10 calls so Stopwatch resolution
    /// and overhead stay far below the measured time; for at least <paramref name="seconds"/> and the given sample count.
    /// </summary>
    internal static List<double> Latencies(Action body, double seconds, int minimumSamples)
    {
        var times = new List<double>(1 << 16);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || times.Count < minimumSamples)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int r = 0; r < 10; r++) body();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds / 10);
        }
        times.Sort();
        return times;
    }

    private static void Sgemms(double seconds)
    {
        foreach (string shape in SgemmBenchmarks.Shapes.Where(s => !s.StartsWith("gemv", StringComparison.Ordinal)))
        {
            var b = new SgemmBenchmarks { Shape = shape };
            b.Setup();
            string[] parts = shape.Split(':');
            int[] d = parts[1].Split('x').Select(int.Parse).ToArray();
            double flops = 2.0 * d[0] * d[1] * d[2];
            int reps = Math.Max(1, (int)(2e8 / flops));
            for (int i = 0; i < 3; i++) b.Multiply();
            double best = double.MaxValue;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int r = 0; r < reps; r++) b.Multiply();
                best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds / reps);
            }
            Emit(new()
            {
                ["kind"] = "sgemm", ["shape"] = parts[0], ["m"] = d[0], ["n"] = d[1], ["k"] = d[2], ["transA"] = parts[2][0] == 'T', ["transB"] = parts[2][1] == 'T',
                ["threads"] = 1, ["value"] = flops / best / 1e9, ["unit"] = "GFLOP/s",
            });
        }
    }
}
