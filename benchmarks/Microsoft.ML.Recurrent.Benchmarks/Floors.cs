using System.Runtime.InteropServices;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// Lower bounds for batch-1 inference on this machine (part of the <c>speed</c> mode): what the 28 per-step
/// recurrent products h·W_hhᵀ alone cost, on one core and split across two cores with one barrier per step, and what
/// one cross-core round trip costs. They say how far any fp32 engine could get, not how fast ours is.
/// </summary>
internal static class Floors
{
    private const int Steps = Workloads.SeqSteps, H = Workloads.Hidden, PanelWidth = 256;

    public static void Run(double seconds)
    {
        RoundTrip(seconds / 3);
        foreach (var cell in new[] { RecurrentCellType.Lstm, RecurrentCellType.Gru })
        {
            int gh = (cell == RecurrentCellType.Lstm ? 4 : 3) * H;
            OneCore(cell, gh, seconds / 3);
            TwoCores(cell, gh, seconds / 3);
        }
    }

    private static void Emit(string what, RecurrentCellType cell, double value, string unit, Dictionary<string, object>? extra = null)
    {
        var kv = new Dictionary<string, object> { ["engine"] = "ours", ["kind"] = "floor", ["what"] = what, ["value"] = value, ["unit"] = unit };
        if (what != "roundtrip") kv["cell"] = cell.ToString().ToLowerInvariant();
        foreach (var (k, v) in extra ?? []) kv[k] = v;
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(kv));
    }

    /// <summary>n uniform(−0.1, 0.1) weights, the same for a seed (shared by the floor probes).</summary>
    internal static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() - 0.5) * 0.2f;
        return a;
    }

    /// <summary>Median µs per call of <paramref name="body"/> after a warm-up.</summary>
    internal static double Median(Action body, double seconds)
    {
        for (int i = 0; i < 2000; i++) body();
        var times = Speed.Latencies(body, seconds, minimumSamples: 200);
        return times[times.Count / 2];
    }

    /// <summary>
    /// 28 steps of gates[GH] = h[H] · W_hhᵀ on one thread, through the same Sgemm call on [H, 256] column panels that
    /// RecurrentLayer.HiddenProduct makes for a one-row step; h of the next step comes from the output, as in a cell.
    /// </summary>
    private static void OneCore(RecurrentCellType cell, int gh, double seconds)
    {
        float[] panels = Random(gh * H, 3), h = new float[H], gates = new float[gh];
        double us = Median(() =>
        {
            h.AsSpan().Fill(0.5f);
            for (int t = 0; t < Steps; t++)
            {
                for (int q = 0; q < gh; q += PanelWidth)
                {
                    int width = Math.Min(PanelWidth, gh - q);
                    Sgemm.Multiply(false, false, 1, width, H, h, H, panels.AsSpan(q * H, width * H), width, gates.AsSpan(q), gh, accumulate: false);
                }
                gates.AsSpan(0, H).CopyTo(h);
            }
        }, seconds);
        Emit("gemv1", cell, us, "us", new() { ["weights_bytes"] = gh * H * 4, ["gb_per_s"] = (double)gh * H * 4 * Steps / us / 1e3 });
    }

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct PaddedCounter { [FieldOffset(128)] public long Value; }

    /// <summary>
    /// The same 28 products with the gate columns split between two threads (each streams half of W_hhᵀ, a contiguous
    /// [H, GH/2] panel), exchanging their halves of h through one spin barrier per step: the best case of splitting
    /// one sequence across both cores.
    /// </summary>
    private static void TwoCores(RecurrentCellType cell, int gh, double seconds)
    {
        int half = gh / 2;
        float[][] panel = [Random(half * H, 4), Random(half * H, 5)];
        float[][] gates = [new float[half], new float[half]];
        float[] hShared = new float[2 * H];   // h of even steps in [0, H), of odd steps in [H, 2H)
        var done = new PaddedCounter[2];      // steps finished by each thread, cumulative over sequences
        var go = new PaddedCounter[1];
        long sequences = 0;
        bool stop = false;

        void Sequence(int p, long sequence)
        {
            for (int t = 0; t < Steps; t++)
            {
                ReadOnlySpan<float> hIn = hShared.AsSpan((t & 1) * H, H);
                Sgemm.Multiply(false, false, 1, half, H, hIn, H, panel[p], half, gates[p], half, accumulate: false);
                // This thread's half of the next h, from its outputs (stands in for the cell).
                gates[p].AsSpan(0, H / 2).CopyTo(hShared.AsSpan(((t + 1) & 1) * H + p * (H / 2), H / 2));
                long target = sequence * Steps + t + 1;
                Volatile.Write(ref done[p].Value, target);
                while (Volatile.Read(ref done[1 - p].Value) < target) { }
            }
        }

        var helper = new Thread(() =>
        {
            for (long s = 0; ; s++)
            {
                while (Volatile.Read(ref go[0].Value) <= s) if (Volatile.Read(ref stop)) return;
                Sequence(1, s);
            }
        }) { IsBackground = true, Name = "floor-helper" };
        helper.Start();
        double us = Median(() =>
        {
            hShared.AsSpan(0, H).Fill(0.5f);
            long s = sequences++;
            Volatile.Write(ref go[0].Value, s + 1);
            Sequence(0, s);
        }, seconds);
        Volatile.Write(ref stop, true);
        helper.Join();
        Emit("gemv2", cell, us, "us");
    }

    /// <summary>Median time for a value to go to the other core and back (two spinning threads).</summary>
    private static void RoundTrip(double seconds)
    {
        var c = new PaddedCounter[2];
        long rounds = 0;
        bool stop = false;
        var echo = new Thread(() =>
        {
            for (long i = 1; ; i++)
            {
                while (Volatile.Read(ref c[0].Value) < i) if (Volatile.Read(ref stop)) return;
                Volatile.Write(ref c[1].Value, i);
            }
        }) { IsBackground = true, Name = "floor-echo" };
        echo.Start();
        double us = Median(() =>
        {
            long i = ++rounds;
            Volatile.Write(ref c[0].Value, i);
            while (Volatile.Read(ref c[1].Value) < i) { }
        }, seconds);
        Volatile.Write(ref stop, true);
        echo.Join();
        Emit("roundtrip", RecurrentCellType.Lstm, us * 1000, "ns");
    }
}
