using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

// speed --models DIR [--seconds S] [--threads 1,2]
//   JSON lines per cell, graph and intra-op thread count: median µs of one sequence (kind "infer1") and of 64 in one
//   call (kind "infer64"), and the largest difference from our probabilities on DIR/input64.f32 (kind "check").
//   Graphs: DIR/{cell}.onnx, our RecurrentModel.ExportOnnx (inputs features + lengths, output probabilities), and
//   DIR/{cell}.torch.onnx, PyTorch 1.13's export of the same weights (input x, output probs).
var opts = new Dictionary<string, string>();
for (int i = 1; i + 1 < args.Length; i += 2) opts[args[i]] = args[i + 1];
if (args.Length == 0 || args[0] != "speed" || !opts.TryGetValue("--models", out var dir))
{
    Console.Error.WriteLine("usage: OnnxRuntimeSpeed speed --models DIR [--seconds S] [--threads 1,2]");
    return 2;
}
double seconds = opts.TryGetValue("--seconds", out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : 3;
int[] threads = (opts.TryGetValue("--threads", out var t) ? t : "1,2").Split(',').Select(int.Parse).ToArray();
const int T = 28, F = 28, C = 10, B = 64;

var input = ReadFloats(Path.Combine(dir, "input64.f32"));
Emit(new() { ["kind"] = "info", ["onnxruntime"] = typeof(InferenceSession).Assembly.GetName().Version!.ToString(3) });
foreach (string cell in new[] { "lstm", "gru" })
{
    var ours = ReadFloats(Path.Combine(dir, $"{cell}.probs64.f32"));
    foreach (var (graph, file) in new[] { ("ours", $"{cell}.onnx"), ("torch", $"{cell}.torch.onnx") })
    foreach (int n in threads)
    {
        // Fastest settings for one request at a time: all graph optimizations, sequential execution, n intra-op threads
        // (spinning on, ORT's default), one inter-op thread.
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = n, InterOpNumThreads = 1,
        };
        using var session = new InferenceSession(Path.Combine(dir, file), options);
        string featuresName = session.InputMetadata.First(m => m.Value.ElementType == typeof(float)).Key;
        string? lengthsName = session.InputMetadata.Keys.FirstOrDefault(k => k == "lengths");
        string probsName = session.OutputMetadata.Keys.First(k => k is "probabilities" or "probs");
        using var run = new RunOptions();
        foreach (int batch in new[] { 1, B })
        {
            // Pre-bound input and output buffers: the call does no managed allocation, as ours does not.
            var x = input.AsSpan(0, batch * T * F).ToArray();
            var y = new float[batch * C];
            var lengths = Enumerable.Repeat((long)T, batch).ToArray();
            using var xv = OrtValue.CreateTensorValueFromMemory(x, new long[] { batch, T, F });
            using var lv = OrtValue.CreateTensorValueFromMemory(lengths, new long[] { batch });
            using var yv = OrtValue.CreateTensorValueFromMemory(y, new long[] { batch, C });
            string[] inNames = lengthsName is null ? [featuresName] : [featuresName, lengthsName], outNames = [probsName];
            OrtValue[] inValues = lengthsName is null ? [xv] : [xv, lv], outValues = [yv];
            void Call() => session.Run(run, inNames, inValues, outNames, outValues);
            for (int i = 0; i < 200; i++) Call();
            if (batch == B)
            {
                double worst = 0;
                for (int i = 0; i < y.Length; i++) worst = Math.Max(worst, Math.Abs(y[i] - ours[i]));
                Emit(new() { ["kind"] = "check", ["cell"] = cell, ["graph"] = graph, ["threads"] = n, ["max_abs_diff_vs_ours"] = worst });
            }
            var times = new List<double>();
            var clock = Stopwatch.StartNew();
            // Batch 1 in groups of 10 calls (Stopwatch resolution and overhead far below the time), like ours.
            int group = batch == 1 ? 10 : 1;
            while (clock.Elapsed.TotalSeconds < seconds || times.Count < 200)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int r = 0; r < group; r++) Call();
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds / group);
            }
            times.Sort();
            Emit(new()
            {
                ["kind"] = batch == 1 ? "infer1" : "infer64", ["cell"] = cell, ["graph"] = graph, ["config"] = "seq28", ["threads"] = n,
                ["value"] = times[times.Count / 2], ["p10"] = times[times.Count / 10], ["p90"] = times[9 * times.Count / 10], ["unit"] = "us",
            });
        }
    }
}
return 0;

static float[] ReadFloats(string path)
{
    var bytes = File.ReadAllBytes(path);
    var values = new float[bytes.Length / sizeof(float)];
    Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
    return values;
}

static void Emit(Dictionary<string, object> kv)
{
    kv["engine"] = "onnxruntime";
    Console.WriteLine(JsonSerializer.Serialize(kv));
}
