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
        string[] configs = ["seq28", "text200"];   // training workloads (--cells, --configs narrow them for profiling)
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only": only = args[++i].Split(',').ToHashSet(); break;
                case "--cells": cells = args[++i].Split(',').Select(c => Enum.Parse<RecurrentCellType>(c, ignoreCase: true)).ToArray(); break;
                case "--configs": configs = args[++i].Split(','); break;
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
        if (only.Contains("sgemmitem")) ItemSgemms(seconds / 3);
        if (only.Contains("kernels")) Kernels(seconds / 3);
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
        if (only.Contains("trainbits"))
            foreach (int t in threads)
                foreach (var cfg in configs)
                    foreach (var cell in cells) TrainBits(cell, cfg, t);
        if (only.Contains("trainloop"))
            foreach (int t in threads)
                foreach (var cfg in configs)
                    foreach (var cell in cells) TrainLoop(cell, cfg, t, seconds);
        if (only.Contains("train"))
            foreach (int t in threads)
                foreach (var cfg in configs)
                    foreach (var cell in cells) Train(cell, cfg, t, seconds);
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

        // Warm up (JIT and tiered compilation) on short epochs for ~1 s, then time one to size the epoch to ~seconds/3.
        // (Timing the first epoch alone counted the JIT: the epochs came out ~0.1 s long and were measured while the
        // kernels were still being tiered up.)
        var probeData = text ? Workloads.TextData(4 * B) : Workloads.SequenceData(4 * B);
        var warm = Stopwatch.StartNew();
        do RecurrentTrainer.Train(a, options, probeData); while (warm.Elapsed.TotalSeconds < Math.Min(1, seconds));
        var probe = RecurrentTrainer.Train(a, options, probeData);
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

    /// <summary>A hash of the parameters' bits after 12 training steps: compare builds (or thread counts) for bit-identical training.</summary>
    private static void TrainBits(RecurrentCellType cell, string cfg, int threads)
    {
        bool text = cfg == "text200";
        var a = text ? Workloads.Text(cell) : Workloads.Sequence(cell);
        int B = text ? Workloads.TextBatch : Workloads.SeqBatch;
        using var step = new CyclingTrainingStep(a, text ? Workloads.TextData(8 * B) : Workloads.SequenceData(8 * B), B, threads);
        double loss = 0;
        for (int i = 0; i < 12; i++) loss = step.Run();
        ulong hash = 14695981039346656037UL;
        foreach (float p in step.Parameters) hash = (hash ^ (uint)BitConverter.SingleToInt32Bits(p)) * 1099511628211UL;
        Emit(new() { ["kind"] = "trainbits", ["cell"] = Name(cell), ["config"] = cfg, ["threads"] = threads, ["loss"] = loss.ToString("R", CultureInfo.InvariantCulture), ["hash"] = hash.ToString("x16") });
    }

    /// <summary>
    /// For profilers: steady-state training steps only. Warms up (JIT tiers) for 3 s, prints a "start" line, then runs
    /// steps for <paramref name="seconds"/>, so `perf record -D` (or attaching after "start") sees no JIT or setup.
    /// </summary>
    private static void TrainLoop(RecurrentCellType cell, string cfg, int threads, double seconds)
    {
        bool text = cfg == "text200";
        var a = text ? Workloads.Text(cell) : Workloads.Sequence(cell);
        int B = text ? Workloads.TextBatch : Workloads.SeqBatch;
        var data = text ? Workloads.TextData(32 * B) : Workloads.SequenceData(32 * B);
        using var step = new CyclingTrainingStep(a, data, B, threads);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < 3) step.Run();
        Console.Error.WriteLine($"start {DateTime.UtcNow:HH:mm:ss.fff}");
        long[] phases0 = step.PhaseTicks.ToArray();
        var process = Process.GetCurrentProcess();
        TimeSpan cpu0 = process.TotalProcessorTime;
        clock.Restart();
        int steps = 0;
        while (clock.Elapsed.TotalSeconds < seconds) { step.Run(); steps++; }
        double elapsed = clock.Elapsed.TotalSeconds;
        double PhaseMs(int k) => (step.PhaseTicks[k] - phases0[k]) * 1000.0 / Stopwatch.Frequency / steps;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;   // on a shared machine, less sensitive to waiting for a core
        Emit(new()
        {
            ["kind"] = "trainloop", ["cell"] = Name(cell), ["config"] = cfg, ["threads"] = threads,
            ["value"] = steps * B / elapsed, ["unit"] = "seq/s", ["steps_run"] = steps, ["ms_per_step"] = 1000 * elapsed / steps,
            ["cpu_ms_per_step"] = 1000 * cpu / steps,
            // Wall time per step by phase: which parts scale with threads (items) and which do not (the memory-bound tail).
            ["items_ms"] = PhaseMs(0), ["sum_ms"] = PhaseMs(1), ["update_ms"] = PhaseMs(2), ["refresh_ms"] = PhaseMs(3),
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

    /// <summary>
    /// The GEMMs of one 16-row training work item (<c>TrainingStep.RowsPerItem</c>) with the engine's transposes and
    /// accumulate flags, so a profile's GEMM time can be set against the rate each shape reaches alone.
    /// </summary>
    internal static readonly (string Name, int M, int N, int K, bool TA, bool TB, bool Accumulate)[] ItemShapes =
    [
        ("item-step-h*WhhT", 16, 512, 128, false, false, true),     // gates[16,4H] += h·W_hhᵀ, every step
        ("item-step-dG*Whh", 16, 128, 512, false, false, false),    // dh[16,H] = dG·W_hh, every step
        ("item-xproj-text", 3200, 512, 64, false, true, false),     // gates = x·W_ihᵀ over T·16 rows
        ("item-dWih-text", 512, 64, 3200, true, false, true),       // dW_ih += dGᵀ·x
        ("item-dWhh-text", 512, 128, 3200, true, false, true),      // dW_hh += dGᵀ·h
        ("item-dx-text", 3200, 64, 512, false, false, false),       // dx = dG·W_ih
        ("item-xproj-seq28", 448, 512, 28, false, true, false),
        ("item-dWih-seq28", 512, 28, 448, true, false, true),
        ("item-dWhh-seq28", 512, 128, 448, true, false, true),
    ];

    private static void ItemSgemms(double seconds)
    {
        var rng = new Random(1);
        foreach (var (name, m, n, k, ta, tb, acc) in ItemShapes)
        {
            float[] a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
            float[] b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
            float[] c = new float[m * n];
            int lda = ta ? m : k, ldb = tb ? k : n;
            double flops = 2.0 * m * n * k;
            int reps = Math.Max(1, (int)(2e8 / flops));
            for (int i = 0; i < 3; i++) Sgemm.Multiply(ta, tb, m, n, k, a, lda, b, ldb, c, n, acc);
            double best = double.MaxValue;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                if (acc) Array.Clear(c);   // keep accumulated values bounded; outside the timed window
                long t0 = Stopwatch.GetTimestamp();
                for (int r = 0; r < reps; r++) Sgemm.Multiply(ta, tb, m, n, k, a, lda, b, ldb, c, n, acc);
                best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds / reps);
            }
            Emit(new()
            {
                ["kind"] = "sgemmitem", ["shape"] = name, ["m"] = m, ["n"] = n, ["k"] = k, ["transA"] = ta, ["transB"] = tb, ["accumulate"] = acc,
                ["threads"] = 1, ["value"] = flops / best / 1e9, ["microseconds"] = best * 1e6, ["unit"] = "GFLOP/s",
            });
        }
    }

    /// <summary>The fused gate kernels over one step of a 32-row shard (<see cref="CellKernelBenchmarks"/>), ns per row, best window.</summary>
    private static void Kernels(double seconds)
    {
        var k = new CellKernelBenchmarks();
        k.Setup();
        foreach (var (name, body) in new (string, Action)[] { ("lstm-forward", k.LstmForward), ("lstm-backward", k.LstmBackward), ("gru-forward", k.GruForward), ("gru-backward", k.GruBackward) })
        {
            for (int i = 0; i < 1000; i++) body();
            var times = Latencies(body, seconds, minimumSamples: 100);
            Emit(new() { ["kind"] = "kernel", ["name"] = name, ["value"] = times[0] * 1000 / CellKernelBenchmarks.Rows, ["median"] = times[times.Count / 2] * 1000 / CellKernelBenchmarks.Rows, ["unit"] = "ns/row" });
        }
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
