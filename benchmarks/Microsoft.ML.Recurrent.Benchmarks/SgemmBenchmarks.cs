using BenchmarkDotNet.Attributes;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>
/// Sgemm at the shapes the engine runs (one 32-row shard of the T = 28 / T = 200 configurations, hidden 128),
/// plus 1024³ as a yardstick. GFLOP/s = 2·m·n·k / time.
/// </summary>
[MemoryDiagnoser]
public class SgemmBenchmarks
{
    /// <summary>name: m×n×k and transposes (A/B, N = as stored, T = transposed).</summary>
    public static IEnumerable<string> Shapes =>
    [
        "step-h*WhhT:32x512x128:NN",     // LSTM forward step: gates[B,4H] += h[B,H]·W_hhᵀ (W_hhᵀ pre-transposed)
        "step-dG*Whh:32x128x512:NN",     // LSTM backward step: dh[B,H] = dG[B,4H]·W_hh
        "gemv-h*WhhT:1x512x128:NN",      // batch-1 inference step
        "xproj-seq28:896x512x28:NT",     // input projection of all steps: x[T·B,I]·W_ihᵀ
        "xproj-text:3200x512x64:NT",
        "dWhh-seq28:512x128x896:TN",     // dW_hh += dGᵀ·h over all steps
        "dx-text:3200x64x512:NN",        // dx = dG·W_ih
        "square:1024x1024x1024:NN",
    ];

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    private int _m, _n, _k, _lda, _ldb;
    private bool _ta, _tb;
    private float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        string[] parts = Shape.Split(':');
        int[] d = parts[1].Split('x').Select(int.Parse).ToArray();
        (_m, _n, _k) = (d[0], d[1], d[2]);
        _ta = parts[2][0] == 'T';
        _tb = parts[2][1] == 'T';
        _lda = _ta ? _m : _k;
        _ldb = _tb ? _k : _n;
        var rng = new Random(1);
        _a = Enumerable.Range(0, _m * _k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _b = Enumerable.Range(0, _k * _n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        _c = new float[_m * _n];
    }

    [Benchmark]
    public void Multiply() => Sgemm.Multiply(_ta, _tb, _m, _n, _k, _a, _lda, _b, _ldb, _c, _n, accumulate: false);
}
