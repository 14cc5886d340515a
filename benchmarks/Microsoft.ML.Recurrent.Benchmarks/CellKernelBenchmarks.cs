using BenchmarkDotNet.Attributes;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Benchmarks;

/// <summary>Fused gate kernels over one time step of a 32-row shard, hidden 128 (what one step's loop runs).</summary>
[MemoryDiagnoser]
public class CellKernelBenchmarks
{
    private const int B = 32, H = Workloads.Hidden;
    internal const int Rows = B;
    private float[] _gates4 = [], _gates4Src = [], _c = [], _cPrev = [], _tanhC = [], _h = [], _dh = [], _dc = [], _dGates4 = [], _dcPrev = [];
    private float[] _gates3 = [], _gates3Src = [], _hn = [], _hPrev = [], _dGx = [], _dGh = [], _dhPrev = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        float[] R(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        _gates4Src = R(B * 4 * H); _gates4 = (float[])_gates4Src.Clone();
        _cPrev = R(B * H); _c = new float[B * H]; _tanhC = new float[B * H]; _h = new float[B * H];
        _dh = R(B * H); _dc = R(B * H); _dGates4 = new float[B * 4 * H]; _dcPrev = new float[B * H];
        _gates3Src = R(B * 3 * H); _gates3 = (float[])_gates3Src.Clone();
        _hn = R(B * H); _hPrev = R(B * H); _dGx = new float[B * 3 * H]; _dGh = new float[B * 3 * H]; _dhPrev = new float[B * H];
        LstmForward();  // leaves activations in _gates4 for the backward benchmark
        GruForward();
    }

    [Benchmark]
    public void LstmForward()
    {
        _gates4Src.CopyTo(_gates4, 0);  // the kernel overwrites pre-activations with activations
        for (int b = 0; b < B; b++)
            Lanes.Run(new LstmKernels.Forward
            {
                Gates = _gates4.AsSpan(b * 4 * H, 4 * H), CPrev = _cPrev.AsSpan(b * H, H), C = _c.AsSpan(b * H, H),
                TanhC = _tanhC.AsSpan(b * H, H), HNew = _h.AsSpan(b * H, H), Hidden = H,
            });
    }

    [Benchmark]
    public void LstmBackward()
    {
        for (int b = 0; b < B; b++)
            Lanes.Run(new LstmKernels.Backward
            {
                Gates = _gates4.AsSpan(b * 4 * H, 4 * H), CPrev = _cPrev.AsSpan(b * H, H), C = _c.AsSpan(b * H, H), TanhC = _tanhC.AsSpan(b * H, H),
                Dh = _dh.AsSpan(b * H, H), Dc = _dc.AsSpan(b * H, H), DGates = _dGates4.AsSpan(b * 4 * H, 4 * H), DcPrev = _dcPrev.AsSpan(b * H, H), Hidden = H,
            });
    }

    [Benchmark]
    public void GruForward()
    {
        _gates3Src.CopyTo(_gates3, 0);
        for (int b = 0; b < B; b++)
            Lanes.Run(new GruKernels.ForwardResetAfter { Gates = _gates3.AsSpan(b * 3 * H, 3 * H), Hn = _hn.AsSpan(b * H, H), HPrev = _hPrev.AsSpan(b * H, H), HNew = _h.AsSpan(b * H, H), Hidden = H });
    }

    [Benchmark]
    public void GruBackward()
    {
        for (int b = 0; b < B; b++)
            Lanes.Run(new GruKernels.BackwardResetAfter
            {
                Gates = _gates3.AsSpan(b * 3 * H, 3 * H), Hn = _hn.AsSpan(b * H, H), HPrev = _hPrev.AsSpan(b * H, H), Dh = _dh.AsSpan(b * H, H),
                DGx = _dGx.AsSpan(b * 3 * H, 3 * H), DGh = _dGh.AsSpan(b * 3 * H, 3 * H), DhPrev = _dhPrev.AsSpan(b * H, H), Hidden = H,
            });
    }
}
