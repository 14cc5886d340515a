using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Recurrent;

// export --out DIR               the seq28 LSTM and GRU models every peer scores: DIR/{cell}.weights.f32 (flat, PyTorch
//                                names and layouts, listed in DIR/{cell}.tensors.json), DIR/{cell}.onnx (our
//                                RecurrentModel.ExportOnnx), DIR/input64.f32 [64, 28, 28] and our probabilities for it,
//                                DIR/{cell}.probs64.f32 [64, 10] (the peers' correctness check).
// speed [--seconds S] [--threads 1,2]
//                                JSON lines: median µs of scoring 64 sequences in one call (kind "infer64"; "infer64_int8"
//                                with PredictorOptions.Precision = Int8).
if (args.Length == 0) return Usage();
var opts = new Dictionary<string, string>();
for (int i = 1; i + 1 < args.Length; i += 2) opts[args[i]] = args[i + 1];
return args[0] switch
{
    "export" => Export(opts["--out"]),
    "speed" => Speed(
        opts.TryGetValue("--seconds", out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : 3,
        (opts.TryGetValue("--threads", out var t) ? t : "1,2").Split(',').Select(int.Parse).ToArray()),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: OursSpeed export --out DIR | speed [--seconds S] [--threads 1,2]");
    return 2;
}

static int Export(string dir)
{
    Directory.CreateDirectory(dir);
    var x = Shapes.Inputs(Shapes.Batch);
    WriteFloats(Path.Combine(dir, "input64.f32"), x.SelectMany(s => s).ToArray());
    foreach (var cell in new[] { RecurrentCellType.Lstm, RecurrentCellType.Gru })
    {
        var model = Shapes.Model(cell);
        string name = cell.ToString().ToLowerInvariant();
        WriteFloats(Path.Combine(dir, $"{name}.weights.f32"), model.Parameters.ToArray());
        File.WriteAllText(Path.Combine(dir, $"{name}.tensors.json"),
            JsonSerializer.Serialize(model.Tensors.Select(t => new { name = t.Name, offset = t.Offset, shape = t.Shape })));
        model.ExportOnnx(Path.Combine(dir, $"{name}.onnx"));
        var probs = new float[Shapes.Batch * Shapes.Classes];
        model.CreatePredictor().PredictProbabilities(x, probs);
        WriteFloats(Path.Combine(dir, $"{name}.probs64.f32"), probs);
    }
    return 0;
}

static void WriteFloats(string path, float[] values)
{
    var bytes = new byte[values.Length * sizeof(float)];
    Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);  // little-endian, as every reader here expects
    File.WriteAllBytes(path, bytes);
}

static int Speed(double seconds, int[] threads)
{
    var x = Shapes.Inputs(Shapes.Batch);
    // fp32 (kind "infer64"), then the opt-in int8 mode (kind "infer64_int8") of the same model.
    foreach (var precision in new[] { InferencePrecision.Float32, InferencePrecision.Int8 })
    foreach (var cell in new[] { RecurrentCellType.Lstm, RecurrentCellType.Gru })
    {
        var model = Shapes.Model(cell);
        foreach (int t in threads)
        {
            // One call of 64 on a predictor with t threads: it cuts the batch into fixed 32-row blocks and runs them on
            // its own workers (results identical for any t), the way the peers' intra-op threads split one call.
            var predictor = model.CreatePredictor(new PredictorOptions { NumberOfThreads = t, Precision = precision });
            var outs = new float[x.Length * Shapes.Classes];
            Action call = () => predictor.PredictProbabilities(x, outs);
            for (int i = 0; i < 200; i++) call();  // JIT tiers settle; every worker's workspace is grown
            var times = new List<double>();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds || times.Count < 200)
            {
                long t0 = Stopwatch.GetTimestamp();
                call();
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            }
            times.Sort();
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["engine"] = "ours", ["kind"] = precision == InferencePrecision.Int8 ? "infer64_int8" : "infer64", ["cell"] = cell.ToString().ToLowerInvariant(), ["config"] = "seq28", ["threads"] = t,
                ["value"] = times[times.Count / 2], ["p10"] = times[times.Count / 10], ["p90"] = times[9 * times.Count / 10], ["unit"] = "us",
                ["mode"] = $"one call of {Shapes.Batch} on {t} predictor thread(s)",
            }));
        }
    }
    return 0;
}

/// <summary>The seq28 configuration of eng/speed-vs-pytorch.sh: T = 28 steps of 28 features, hidden 128, 10 classes.</summary>
internal static class Shapes
{
    public const int Steps = 28, Features = 28, Hidden = 128, Classes = 10, Batch = 64;

    /// <summary>Weights uniform in ±1/√H, PyTorch's default initialization; a fixed seed so every run scores the same model.</summary>
    public static RecurrentModel Model(RecurrentCellType cell)
    {
        var a = new RecurrentArchitecture
        {
            Cell = cell, InputKind = SequenceInputKind.Features, FeaturesPerStep = Features, HiddenSize = Hidden, NumberOfClasses = Classes,
        };
        var rng = new Random(cell == RecurrentCellType.Lstm ? 42 : 43);
        float limit = 1f / MathF.Sqrt(Hidden);
        var p = new float[CountOf(a)];
        for (int i = 0; i < p.Length; i++) p[i] = (float)((rng.NextDouble() * 2 - 1) * limit);
        return RecurrentModel.FromParameters(a, p);
    }

    /// <summary>One layer, one direction: W_ih [G·H, F], W_hh [G·H, H], two biases [G·H], head [C, H] + [C].</summary>
    private static int CountOf(RecurrentArchitecture a)
    {
        int g = a.Cell == RecurrentCellType.Lstm ? 4 : 3;
        return g * Hidden * (Features + Hidden + 2) + Classes * (Hidden + 1);
    }

    /// <summary>N sequences of T × F values uniform in (−1, 1), the same on every run.</summary>
    public static float[][] Inputs(int n)
    {
        var rng = new Random(7);
        var x = new float[n][];
        for (int i = 0; i < n; i++)
        {
            x[i] = new float[Steps * Features];
            for (int k = 0; k < x[i].Length; k++) x[i][k] = (float)(rng.NextDouble() * 2 - 1);
        }
        return x;
    }
}
