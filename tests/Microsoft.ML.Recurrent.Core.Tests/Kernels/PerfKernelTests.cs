using System.Runtime.Intrinsics;
using Microsoft.ML.Recurrent.Kernels;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Training;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Kernels;

/// <summary>
/// The speed work's kernels against their references: the float exp behind the SIMD activations, the AVX-512
/// bodies of the fused cell kernels (hidden sizes with 16-lane bodies, 8-lane remainders and scalar tails), and the
/// panel GEMV of one-row steps, which must match the row-major GEMM bit for bit.
/// </summary>
public class PerfKernelTests
{
    private static float[] Random(int n, int seed, float scale)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)((r.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    [Fact]
    public void VectorExpIsWithinTwoUlpOfExact()
    {
        var r = new Random(11);
        for (int i = 0; i < 20_000; i++)
        {
            float x = (float)(r.NextDouble() * 174 - 87);   // results in the normal range
            double exact = Math.Exp(x);
            double ulp = Math.Pow(2, Math.Floor(Math.Log2(exact)) - 23);
            float v256 = VectorMath.Exp(Vector256.Create(x)).ToScalar(), v512 = VectorMath.Exp(Vector512.Create(x)).ToScalar();
            Assert.True(Math.Abs(v256 - exact) <= 2 * ulp, $"exp({x}): {v256} vs {exact}");
            Assert.Equal(v256, v512);  // lane for lane the same arithmetic
        }
        Assert.True(float.IsNaN(VectorMath.Exp(Vector256.Create(float.NaN)).ToScalar()));
        Assert.True(float.IsNaN(VectorMath.Exp(Vector512.Create(float.NaN)).ToScalar()));
        // Saturating edges: finite and ordered, so sigmoid/tanh see 0 and 1 exactly where they must.
        float big = VectorMath.Exp(Vector256.Create(1000f)).ToScalar(), small = VectorMath.Exp(Vector256.Create(-1000f)).ToScalar();
        Assert.True(float.IsFinite(big) && big > 3e38f);
        Assert.True(small is >= 0f and < 1.2e-38f);
        // Infinities clamp like any large input (the clamp uses native min/max).
        Assert.Equal(big, VectorMath.Exp(Vector512.Create(float.PositiveInfinity)).ToScalar());
        Assert.Equal(small, VectorMath.Exp(Vector512.Create(float.NegativeInfinity)).ToScalar());
        Assert.Equal(1f, VectorMath.Sigmoid(Vector512.Create(float.PositiveInfinity)).ToScalar());
        Assert.Equal(1f, VectorMath.Sigmoid(Vector256.Create(200f)).ToScalar());
        Assert.Equal(0f, VectorMath.Sigmoid(Vector256.Create(-200f)).ToScalar(), 1e-30f);
        Assert.Equal(1f, VectorMath.Tanh(Vector512.Create(60f)).ToScalar());
        Assert.Equal(-1f, VectorMath.Tanh(Vector512.Create(-60f)).ToScalar());
    }

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(40)]
    [InlineData(128)]
    [InlineData(143)]
    public void WideCellKernelsMatchReferences(int h)
    {
        static void Close(float[] e, float[] a, string what)
        {
            for (int i = 0; i < e.Length; i++)
                Assert.True(Math.Abs(e[i] - a[i]) <= 2e-6f * Math.Max(1f, Math.Abs(e[i])), $"{what}[{i}]: {e[i]} vs {a[i]}");
        }
        // Large pre-activations reach the saturated ends of sigmoid and tanh.
        foreach (float scale in new[] { 4f, 40f })
        {
            float[] pre = Random(4 * h, 1, scale), cPrev = Random(h, 2, 2f), g1 = (float[])pre.Clone(), g2 = (float[])pre.Clone();
            float[] c1 = new float[h], c2 = new float[h], t1 = new float[h], t2 = new float[h], h1 = new float[h], h2 = new float[h];
            LstmKernels.ForwardRow(g1, cPrev, default, c1, t1, h1, h);
            LstmKernels.ForwardReference(g2, cPrev, default, c2, t2, h2, h);
            Close(g2, g1, "lstm gates"); Close(c2, c1, "c"); Close(t2, t1, "tanh c"); Close(h2, h1, "h");
            float[] dh = Random(h, 4, 2f), dc = Random(h, 5, 2f), dg1 = new float[4 * h], dg2 = new float[4 * h], dcp1 = new float[h], dcp2 = new float[h];
            LstmKernels.BackwardRow(g2, cPrev, c2, t2, default, dh, dc, dg1, dcp1, default, h);
            LstmKernels.BackwardReference(g2, cPrev, c2, t2, default, dh, dc, dg2, dcp2, default, h);
            Close(dg2, dg1, "lstm dGates"); Close(dcp2, dcp1, "dcPrev");

            float[] gpre = Random(3 * h, 6, scale), hn = Random(h, 7, 2f), hPrev = Random(h, 8, 1f);
            float[] q1 = (float[])gpre.Clone(), q2 = (float[])gpre.Clone(), y1 = new float[h], y2 = new float[h];
            GruKernels.ForwardResetAfterRow(q1, hn, hPrev, y1, h);
            GruKernels.ForwardResetAfterReference(q2, hn, hPrev, y2, h);
            Close(q2, q1, "gru gates"); Close(y2, y1, "gru h");
            float[] dx1 = new float[3 * h], dx2 = new float[3 * h], dhh1 = new float[3 * h], dhh2 = new float[3 * h], dp1 = new float[h], dp2 = new float[h];
            GruKernels.BackwardResetAfterRow(q2, hn, hPrev, dh, dx1, dhh1, dp1, h);
            GruKernels.BackwardResetAfterReference(q2, hn, hPrev, dh, dx2, dhh2, dp2, h);
            Close(dx2, dx1, "gru dGx"); Close(dhh2, dhh1, "gru dGh"); Close(dp2, dp1, "gru dhPrev");
        }
    }

    public static IEnumerable<object[]> Cells() =>
        from cell in new[] { RecurrentCellType.Lstm, RecurrentCellType.Gru, RecurrentCellType.Rnn }
        from reset in cell == RecurrentCellType.Gru ? new[] { GruResetMode.AfterRecurrentProduct, GruResetMode.BeforeRecurrentProduct } : new[] { GruResetMode.AfterRecurrentProduct }
        from hidden in new[] { 128, 100, 40 }
        select new object[] { cell, reset, hidden };

    /// <summary>
    /// A one-row shard runs its recurrent product as a GEMV over the 256-column panels; the same sequence as row 0 of
    /// a two-row shard runs the GEMM over row-major W_hhᵀ. Every FMA chain is the same, so the outputs are identical.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cells))]
    public void OneRowPanelProductIsBitIdenticalToTheGemm(RecurrentCellType cell, GruResetMode reset, int hidden)
    {
        const int T = 9, F = 5;
        var a = new RecurrentArchitecture
        {
            Cell = cell, GruReset = reset, InputKind = SequenceInputKind.Features, FeaturesPerStep = F, HiddenSize = hidden, NumberOfClasses = 3,
            Pooling = SequencePooling.Mean, Bidirectional = true,
        };
        var layout = new ParameterLayout(a);
        var net = new RecurrentNetwork(layout, Initializer.Create(layout, 3, 1f));
        float[] x = Random(T * F, 9, 1f);
        float[] two = [.. x, .. x];

        var ws1 = new Workspace(layout);
        net.Forward(ws1, new ShardInput([T], [0], default, x), training: false, 0);
        var ws2 = new Workspace(layout);
        net.Forward(ws2, new ShardInput([T, T], [0, T * F], default, two), training: false, 0);

        Assert.Equal(ws2.Logits.AsSpan(0, 3).ToArray(), ws1.Logits.AsSpan(0, 3).ToArray());
        for (int t = 0; t < T; t++)
            Assert.Equal(ws2.X[1].AsSpan(t * 2 * a.OutputSize, a.OutputSize).ToArray(), ws1.X[1].AsSpan(t * a.OutputSize, a.OutputSize).ToArray());
    }
}
