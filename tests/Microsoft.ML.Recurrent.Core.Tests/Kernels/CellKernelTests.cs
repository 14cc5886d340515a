using Microsoft.ML.Recurrent.Kernels;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Kernels;

/// <summary>The fused SIMD cell kernels against their scalar references, over sizes that exercise bodies and tails.</summary>
public class CellKernelTests
{
    public static IEnumerable<object[]> Sizes() => new[] { 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100 }.Select(h => new object[] { h });

    private static float[] Random(int n, int seed, float scale = 2f)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)((r.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    private static void Close(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 2e-6f * Math.Max(1f, Math.Abs(expected[i])), $"{what}[{i}]: {expected[i]} vs {actual[i]}");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void LstmMatchesReference(int h)
    {
        foreach (bool peep in new[] { false, true })
        {
            float[] pre = Random(4 * h, 1, 4f), cPrev = Random(h, 2), peephole = peep ? Random(3 * h, 3) : [];
            float[] g1 = (float[])pre.Clone(), g2 = (float[])pre.Clone();
            float[] c1 = new float[h], c2 = new float[h], t1 = new float[h], t2 = new float[h], h1 = new float[h], h2 = new float[h];
            LstmKernels.ForwardRow(g1, cPrev, peephole, c1, t1, h1, h);
            LstmKernels.ForwardReference(g2, cPrev, peephole, c2, t2, h2, h);
            Close(g2, g1, "gates"); Close(c2, c1, "c"); Close(t2, t1, "tanh c"); Close(h2, h1, "h");

            float[] dh = Random(h, 4), dc = Random(h, 5);
            float[] dg1 = new float[4 * h], dg2 = new float[4 * h], dcp1 = new float[h], dcp2 = new float[h];
            float[] dp1 = peep ? Random(3 * h, 6) : [], dp2 = (float[])dp1.Clone();
            LstmKernels.BackwardRow(g2, cPrev, c2, t2, peephole, dh, dc, dg1, dcp1, dp1, h);
            LstmKernels.BackwardReference(g2, cPrev, c2, t2, peephole, dh, dc, dg2, dcp2, dp2, h);
            Close(dg2, dg1, "dGates"); Close(dcp2, dcp1, "dcPrev"); Close(dp2, dp1, "dPeephole");
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void GruResetAfterMatchesReference(int h)
    {
        float[] pre = Random(3 * h, 1, 4f), hn = Random(h, 2), hPrev = Random(h, 3, 1f);
        float[] g1 = (float[])pre.Clone(), g2 = (float[])pre.Clone(), h1 = new float[h], h2 = new float[h];
        GruKernels.ForwardResetAfterRow(g1, hn, hPrev, h1, h);
        GruKernels.ForwardResetAfterReference(g2, hn, hPrev, h2, h);
        Close(g2, g1, "gates"); Close(h2, h1, "h");
        float[] dh = Random(h, 4);
        float[] dx1 = new float[3 * h], dx2 = new float[3 * h], dhh1 = new float[3 * h], dhh2 = new float[3 * h], dp1 = new float[h], dp2 = new float[h];
        GruKernels.BackwardResetAfterRow(g2, hn, hPrev, dh, dx1, dhh1, dp1, h);
        GruKernels.BackwardResetAfterReference(g2, hn, hPrev, dh, dx2, dhh2, dp2, h);
        Close(dx2, dx1, "dGx"); Close(dhh2, dhh1, "dGh"); Close(dp2, dp1, "dhPrev");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void RnnMatchesReference(int h)
    {
        foreach (bool relu in new[] { false, true })
        {
            float[] pre = Random(h, 1, 3f), a1 = (float[])pre.Clone(), a2 = (float[])pre.Clone(), h1 = new float[h], h2 = new float[h];
            RnnKernels.ForwardRow(a1, h1, h, relu);
            RnnKernels.ForwardReference(a2, h2, h, relu);
            Close(a2, a1, "act"); Close(h2, h1, "h");
            float[] dh = Random(h, 2), d1 = new float[h], d2 = new float[h];
            RnnKernels.BackwardRow(a2, dh, d1, h, relu);
            RnnKernels.BackwardReference(a2, dh, d2, h, relu);
            Close(d2, d1, "dPre");
        }
    }

    [Fact]
    public void VectorActivationsMatchScalarOverTheirRange()
    {
        // Covers the polynomial/exponential switch of tanh, saturation and sigmoid underflow.
        for (float x = -30f; x <= 30f; x += 0.01f)
        {
            var v = System.Runtime.Intrinsics.Vector256.Create(x);
            float t = VectorMath.Tanh(v)[0], s = VectorMath.Sigmoid(v)[0];
            Assert.True(Math.Abs(t - MathF.Tanh(x)) <= 2e-7f + 2e-7f * Math.Abs(MathF.Tanh(x)), $"tanh({x}) = {t}, expected {MathF.Tanh(x)}");
            Assert.True(Math.Abs(s - VectorMath.Sigmoid(x)) <= 1e-7f + 2e-7f * VectorMath.Sigmoid(x), $"sigmoid({x}) = {s}");
        }
    }

    [Fact]
    public void KernelsRejectShortBuffers()
    {
        Assert.Throws<ArgumentException>(() => LstmKernels.ForwardRow(new float[7], new float[2], default, new float[2], new float[2], new float[2], 2));
        Assert.Throws<ArgumentException>(() => GruKernels.ForwardResetAfterRow(new float[6], new float[1], new float[2], new float[2], 2));
    }
}
