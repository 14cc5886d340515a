using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// The machine's arithmetic ceilings (part of the <c>speed</c> mode, <c>--only peak</c>): fp32 fused multiply-adds on
/// registers only, one core and both cores at once, and the int8 dot-product instruction .NET 10 exposes here
/// (256-bit <c>vpdpbusd</c>). No engine can train or score faster than its FLOP count divided by these, so the peers
/// report turns each missed speed target into the fraction of them it would need.
/// </summary>
internal static class Peaks
{
    // Twelve independent accumulators: more than FMA latency × issue width, so the loop is bound by throughput.
    private const int Accumulators = 12, Iterations = 1 << 20;

    public static void Run(double seconds)
    {
        foreach (int threads in new[] { 1, 2 })
        {
            if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
                Emit("fp32-fma-512", threads, Measure(threads, seconds / 4, FmaLoop512), "GFLOP/s");
            Emit("fp32-fma-256", threads, Measure(threads, seconds / 4, FmaLoop256), "GFLOP/s");
            if (AvxVnni.IsSupported)
                Emit("int8-vpdpbusd-256", threads, Measure(threads, seconds / 4, VnniLoop256), "GOP/s");
        }
    }

    private static void Emit(string what, int threads, double value, string unit) =>
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["engine"] = "ours", ["kind"] = "peak", ["what"] = what, ["threads"] = threads, ["value"] = value, ["unit"] = unit,
        }));

    /// <summary>
    /// Best rate over repeated runs of <paramref name="loop"/> (which returns its operation count) on
    /// <paramref name="threads"/> threads started together: all operations over the span from the first thread's start
    /// to the last one's end, each thread timing itself (a coordinating thread may not be scheduled on a busy 2-core machine).
    /// </summary>
    private static double Measure(int threads, double seconds, Func<double> loop)
    {
        loop();  // JIT
        double best = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            using var start = new Barrier(threads);
            var ops = new double[threads];
            var begin = new long[threads];
            var end = new long[threads];
            var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                begin[i] = Stopwatch.GetTimestamp();
                ops[i] = loop();
                end[i] = Stopwatch.GetTimestamp();
            })).ToArray();
            foreach (var w in workers) w.Start();
            foreach (var w in workers) w.Join();
            double elapsed = (double)(end.Max() - begin.Min()) / Stopwatch.Frequency;
            best = Math.Max(best, ops.Sum() / elapsed / 1e9);
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double FmaLoop512()
    {
        var m = Vector512.Create(0.999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, c); a1 = Avx512F.FusedMultiplyAdd(a1, m, c);
            a2 = Avx512F.FusedMultiplyAdd(a2, m, c); a3 = Avx512F.FusedMultiplyAdd(a3, m, c);
            a4 = Avx512F.FusedMultiplyAdd(a4, m, c); a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, c); a7 = Avx512F.FusedMultiplyAdd(a7, m, c);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, c); a9 = Avx512F.FusedMultiplyAdd(a9, m, c);
            a10 = Avx512F.FusedMultiplyAdd(a10, m, c); a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
        }
        Sink(Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11));
        return (double)Iterations * Accumulators * Vector512<float>.Count * 2;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double FmaLoop256()
    {
        var m = Vector256.Create(0.999999f);
        var c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, c); a1 = Fma.MultiplyAdd(a1, m, c);
            a2 = Fma.MultiplyAdd(a2, m, c); a3 = Fma.MultiplyAdd(a3, m, c);
            a4 = Fma.MultiplyAdd(a4, m, c); a5 = Fma.MultiplyAdd(a5, m, c);
            a6 = Fma.MultiplyAdd(a6, m, c); a7 = Fma.MultiplyAdd(a7, m, c);
            a8 = Fma.MultiplyAdd(a8, m, c); a9 = Fma.MultiplyAdd(a9, m, c);
            a10 = Fma.MultiplyAdd(a10, m, c); a11 = Fma.MultiplyAdd(a11, m, c);
        }
        Sink(Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11));
        return (double)Iterations * Accumulators * Vector256<float>.Count * 2;
    }

    /// <summary>u8 × s8 dot products into int32 lanes, four products per lane per instruction; counted as 2 ops each.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double VnniLoop256()
    {
        var u = Vector256.Create((byte)3);
        var s = Vector256.Create((sbyte)-2);
        Vector256<int> a0 = Vector256<int>.Zero, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Iterations; i++)
        {
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, u, s); a1 = AvxVnni.MultiplyWideningAndAdd(a1, u, s);
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, u, s); a3 = AvxVnni.MultiplyWideningAndAdd(a3, u, s);
            a4 = AvxVnni.MultiplyWideningAndAdd(a4, u, s); a5 = AvxVnni.MultiplyWideningAndAdd(a5, u, s);
            a6 = AvxVnni.MultiplyWideningAndAdd(a6, u, s); a7 = AvxVnni.MultiplyWideningAndAdd(a7, u, s);
            a8 = AvxVnni.MultiplyWideningAndAdd(a8, u, s); a9 = AvxVnni.MultiplyWideningAndAdd(a9, u, s);
            a10 = AvxVnni.MultiplyWideningAndAdd(a10, u, s); a11 = AvxVnni.MultiplyWideningAndAdd(a11, u, s);
        }
        Sink(Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11));
        return (double)Iterations * Accumulators * Vector256<int>.Count * 4 * 2;
    }

    private static volatile float _sinkF;
    private static volatile int _sinkI;
    private static void Sink(float x) => _sinkF = x;
    private static void Sink(int x) => _sinkI = x;
}
