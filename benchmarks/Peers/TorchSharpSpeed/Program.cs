using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

// speed --models DIR [--seconds S] [--threads N] [--only train,infer]
//   JSON lines, the configurations of eng/speed/torch_speed.py at N threads (one process per thread count, as the
//   PyTorch side runs): training sequences/s (kind "train"), median µs of one sequence (kind "infer1") and of 64 in one
//   call (kind "infer64") for the seq28 models whose weights OursSpeed exported to DIR, plus the largest difference of
//   TorchSharp's probabilities from ours on DIR/input64.f32 (kind "check").
var opts = new Dictionary<string, string>();
for (int i = 1; i + 1 < args.Length; i += 2) opts[args[i]] = args[i + 1];
if (args.Length == 0 || args[0] != "speed" || !opts.TryGetValue("--models", out var dir))
{
    Console.Error.WriteLine("usage: TorchSharpSpeed speed --models DIR [--seconds S] [--threads N] [--only train,infer]");
    return 2;
}
double seconds = opts.TryGetValue("--seconds", out var s) ? double.Parse(s, CultureInfo.InvariantCulture) : 3;
int threads = opts.TryGetValue("--threads", out var t) ? int.Parse(t, CultureInfo.InvariantCulture) : 1;
var only = (opts.TryGetValue("--only", out var o) ? o : "train,infer").Split(',').ToHashSet();

torch.set_num_threads(threads);
torch.set_num_interop_threads(1);
Speed.Emit(new()
{
    ["kind"] = "info", ["torchsharp"] = typeof(torch).Assembly.GetName().Version!.ToString(3), ["threads"] = threads,
    ["num_threads"] = torch.get_num_threads(), ["THP_MEM_ALLOC_ENABLE"] = Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") ?? "",
});
if (only.Contains("infer"))
    foreach (string cell in new[] { "lstm", "gru" }) Speed.Infer(cell, dir, threads, seconds);
if (only.Contains("train"))
    foreach (string cfg in new[] { "seq28", "text200" })
        foreach (string cell in new[] { "lstm", "gru" }) Speed.Train(cell, cfg, threads, seconds);
return 0;

/// <summary>torch_speed.py's Net: optional Embedding, nn.LSTM/nn.GRU (batch_first), Linear head on the last hidden state.</summary>
internal sealed class Net : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor>? emb;
    private readonly TorchSharp.Modules.LSTM? lstm;
    private readonly TorchSharp.Modules.GRU? gru;
    private readonly nn.Module<Tensor, Tensor> head;

    public Net(string cell, long input, long hidden, long classes, long vocab = 0) : base("Net")
    {
        if (vocab > 0) emb = nn.Embedding(vocab, input);
        if (cell == "lstm") lstm = nn.LSTM(input, hidden, batchFirst: true);
        else gru = nn.GRU(input, hidden, batchFirst: true);
        head = nn.Linear(hidden, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (emb is not null) x = emb.call(x);
        Tensor h = lstm is not null ? lstm.call(x, null).Item2 : gru!.call(x, null).Item2;
        return head.call(h[-1]);
    }
}

internal static class Speed
{
    // name: (T, input, hidden, batch, vocab, classes), as in torch_speed.py
    private static readonly Dictionary<string, (int T, int I, int H, int B, int V, int C)> Configs = new()
    {
        ["seq28"] = (28, 28, 128, 64, 0, 10),
        ["text200"] = (200, 64, 128, 32, 20000, 2),
    };

    public static void Emit(Dictionary<string, object> kv)
    {
        kv["engine"] = "torchsharp";
        Console.WriteLine(JsonSerializer.Serialize(kv));
    }

    public static void Train(string cell, string cfg, int threads, double seconds)
    {
        var (T, I, H, B, V, C) = Configs[cfg];
        torch.manual_seed(0);
        using var net = new Net(cell, I, H, C, V);
        using var opt = torch.optim.Adam(net.parameters(), lr: 1e-3);
        const int nb = 8;  // a few distinct batches, cycled
        var xs = Enumerable.Range(0, nb).Select(_ => V > 0 ? torch.randint(2, V, [B, T], dtype: ScalarType.Int64) : torch.randn(B, T, I)).ToArray();
        var ys = Enumerable.Range(0, nb).Select(_ => torch.randint(0, C, [B], dtype: ScalarType.Int64)).ToArray();

        void Step(int i)
        {
            using var scope = torch.NewDisposeScope();
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(net.call(xs[i % nb]), ys[i % nb]);
            loss.backward();
            nn.utils.clip_grad_norm_(net.parameters(), 5.0);
            opt.step();
        }

        for (int i = 0; i < 5; i++) Step(i);
        // Steady state: short timed windows, keep the best (least disturbed by other processes), as torch_speed.py.
        var rates = new List<double>();
        var clock = Stopwatch.StartNew();
        int k = 0;
        while (clock.Elapsed.TotalSeconds < seconds || rates.Count < 3)
        {
            int n = 0;
            long t0 = Stopwatch.GetTimestamp();
            double dt;
            while (true)
            {
                Step(k++); n++;
                dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                if (dt > seconds / 5 && n >= 3) break;
            }
            rates.Add(B * n / dt);
        }
        rates.Sort();
        foreach (var x in xs) x.Dispose();
        foreach (var y in ys) y.Dispose();
        Emit(new()
        {
            ["kind"] = "train", ["cell"] = cell, ["config"] = cfg, ["threads"] = threads, ["value"] = rates[^1],
            ["median"] = rates[rates.Count / 2], ["min"] = rates[0], ["unit"] = "seq/s", ["batch"] = B, ["steps"] = T,
        });
    }

    public static void Infer(string cell, string dir, int threads, double seconds)
    {
        var (T, I, H, B, _, C) = Configs["seq28"];
        using var net = Load(cell, dir, I, H, C);
        net.eval();
        var input = ReadFloats(Path.Combine(dir, "input64.f32"));
        var ours = ReadFloats(Path.Combine(dir, $"{cell}.probs64.f32"));
        using var mode = torch.inference_mode();  // fastest inference setting: no autograd records, no version counters
        using var x64 = torch.tensor(input, [B, T, I]);
        using var x1 = torch.tensor(input.AsSpan(0, T * I).ToArray(), [1, T, I]);
        using (var p = torch.softmax(net.call(x64), 1))
        {
            var got = p.data<float>().ToArray();
            double worst = 0;
            for (int i = 0; i < got.Length; i++) worst = Math.Max(worst, Math.Abs(got[i] - ours[i]));
            Emit(new() { ["kind"] = "check", ["cell"] = cell, ["threads"] = threads, ["max_abs_diff_vs_ours"] = worst });
        }
        foreach (var (x, kind) in new[] { (x1, "infer1"), (x64, "infer64") })
        {
            void Call()
            {
                using var scope = torch.NewDisposeScope();
                torch.softmax(net.call(x), 1);
            }
            for (int i = 0; i < 200; i++) Call();
            int group = kind == "infer1" ? 10 : 1;  // batch 1 in groups of 10 calls, as ours and ONNX Runtime
            var times = new List<double>();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds || times.Count < 200)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int r = 0; r < group; r++) Call();
                times.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds / group);
            }
            times.Sort();
            Emit(new()
            {
                ["kind"] = kind, ["cell"] = cell, ["config"] = "seq28", ["threads"] = threads, ["value"] = times[times.Count / 2],
                ["p10"] = times[times.Count / 10], ["p90"] = times[9 * times.Count / 10], ["unit"] = "us",
            });
        }
    }

    /// <summary>The seq28 Net with the weights OursSpeed exported (our names are PyTorch's, without the module prefix).</summary>
    private static Net Load(string cell, string dir, int I, int H, int C)
    {
        var net = new Net(cell, I, H, C);
        var flat = ReadFloats(Path.Combine(dir, $"{cell}.weights.f32"));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, $"{cell}.tensors.json")));
        var byName = doc.RootElement.EnumerateArray().ToDictionary(
            e => e.GetProperty("name").GetString()!,
            e => (Offset: e.GetProperty("offset").GetInt32(), Shape: e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray()));
        using var _ = torch.no_grad();
        int copied = 0;
        foreach (var (name, p) in net.named_parameters())
        {
            string ours = name.StartsWith("head.", StringComparison.Ordinal) ? name : name[(name.IndexOf('.') + 1)..];
            var (offset, shape) = byName[ours];
            int n = (int)shape.Aggregate(1L, (a, d) => a * d);
            using var w = torch.tensor(flat.AsSpan(offset, n).ToArray(), shape);
            p.copy_(w);
            copied++;
        }
        if (copied != byName.Count) throw new InvalidDataException($"Copied {copied} of {byName.Count} tensors into the TorchSharp {cell}.");
        return net;
    }

    private static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
