using System.Runtime.Intrinsics;
using Microsoft.ML.Recurrent.Kernels;
using Microsoft.ML.Recurrent.Tests.Network;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Kernels;

/// <summary>
/// Every fused kernel, two ways. (1) Run with the widest lanes and with one float at a time, the results are equal
/// bit for bit (the kernel is written once, and the one-float lane is its tail and its reference). (2) Against an
/// independent double-precision oracle: the reference network's per-unit step math (<see cref="ReferenceCells"/>),
/// differentiated numerically for the backward kernels. Sizes exercise 16-lane bodies, 8-lane blocks and tails.
/// </summary>
public class CellKernelTests
{
    public static IEnumerable<object[]> Sizes() => new[] { 1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 33, 40, 100, 143 }.Select(h => new object[] { h });

    private static float[] Random(int n, int seed, float scale = 2f)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)((r.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    /// <summary>Runs <paramref name="kernel"/> on fresh copies of <paramref name="buffers"/> at both widths and requires equal bits.</summary>
    private static float[][] BothWidthsAgree(float[][] buffers, Action<float[][], LaneWidth> kernel)
    {
        var wide = buffers.Select(b => (float[])b.Clone()).ToArray();
        var one = buffers.Select(b => (float[])b.Clone()).ToArray();
        kernel(wide, LaneWidth.Widest);
        kernel(one, LaneWidth.One);
        for (int k = 0; k < wide.Length; k++)
            for (int i = 0; i < wide[k].Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(wide[k][i]) == BitConverter.SingleToInt32Bits(one[k][i]),
                    $"buffer {k}[{i}]: widest {wide[k][i]:R}, one lane {one[k][i]:R}");
        return wide;
    }

    private static void Near(double expected, float actual, string what, double tolerance = 3e-6)
        => Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Abs(expected)), $"{what}: {actual:R}, oracle {expected:R}");

    /// <summary>∂f/∂x by central differences in double (f smooth near x).</summary>
    private static double D(Func<double, double> f, double x, double step = 1e-5) => (f(x + step) - f(x - step)) / (2 * step);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Lstm(int h)
    {
        foreach (bool peep in new[] { false, true })
        foreach (float scale in new[] { 4f, 40f })
        {
            float[] pre = Random(4 * h, 1, scale), cPrev = Random(h, 2), p = peep ? Random(3 * h, 3) : [];
            var f = BothWidthsAgree([(float[])pre.Clone(), new float[h], new float[h], new float[h]],
                (b, w) => Lanes.Run(new LstmKernels.Forward { Gates = b[0], CPrev = cPrev, Peephole = p, C = b[1], TanhC = b[2], HNew = b[3], Hidden = h }, w));
            float[] gates = f[0], c = f[1], tanhC = f[2], hh = f[3];
            for (int j = 0; j < h; j++)
            {
                var u = ReferenceCells.Lstm(pre[j], pre[h + j], pre[2 * h + j], pre[3 * h + j], cPrev[j], peep ? p[j] : 0, peep ? p[h + j] : 0, peep ? p[2 * h + j] : 0);
                Near(u.I, gates[j], "i"); Near(u.F, gates[h + j], "f"); Near(u.G, gates[2 * h + j], "g"); Near(u.O, gates[3 * h + j], "o");
                Near(u.C, c[j], "c"); Near(Math.Tanh(u.C), tanhC[j], "tanh c"); Near(u.H, hh[j], "h");
            }
            if (scale > 4f) continue;   // gradients are checked where the gates are not saturated

            float[] dh = Random(h, 4), dc = Random(h, 5), dpInit = peep ? Random(3 * h, 6) : [];
            var g = BothWidthsAgree([new float[4 * h], new float[h], (float[])dpInit.Clone()],
                (b, w) => Lanes.Run(new LstmKernels.Backward { Gates = gates, CPrev = cPrev, C = c, TanhC = tanhC, Peephole = p, Dh = dh, Dc = dc, DGates = b[0], DcPrev = b[1], DPeephole = b[2], Hidden = h }, w));
            for (int j = 0; j < h; j++)
            {
                // L = dh·h_t + dc·c_t as a function of each pre-activation, of c_{t-1} and of the peepholes.
                double pi = peep ? p[j] : 0, pf = peep ? p[h + j] : 0, po = peep ? p[2 * h + j] : 0;
                double L(double ai, double af, double ag, double ao, double cp, double qi, double qf, double qo)
                {
                    var u = ReferenceCells.Lstm(ai, af, ag, ao, cp, qi, qf, qo);
                    return dh[j] * u.H + dc[j] * u.C;
                }
                double a0 = pre[j], a1 = pre[h + j], a2 = pre[2 * h + j], a3 = pre[3 * h + j], c0 = cPrev[j];
                Near(D(x => L(x, a1, a2, a3, c0, pi, pf, po), a0), g[0][j], "dA_i", 2e-5);
                Near(D(x => L(a0, x, a2, a3, c0, pi, pf, po), a1), g[0][h + j], "dA_f", 2e-5);
                Near(D(x => L(a0, a1, x, a3, c0, pi, pf, po), a2), g[0][2 * h + j], "dA_g", 2e-5);
                Near(D(x => L(a0, a1, a2, x, c0, pi, pf, po), a3), g[0][3 * h + j], "dA_o", 2e-5);
                Near(D(x => L(a0, a1, a2, a3, x, pi, pf, po), c0), g[1][j], "dcPrev", 2e-5);
                if (!peep) continue;
                Near(dpInit[j] + D(x => L(a0, a1, a2, a3, c0, x, pf, po), pi), g[2][j], "dP_i", 2e-5);
                Near(dpInit[h + j] + D(x => L(a0, a1, a2, a3, c0, pi, x, po), pf), g[2][h + j], "dP_f", 2e-5);
                Near(dpInit[2 * h + j] + D(x => L(a0, a1, a2, a3, c0, pi, pf, x), po), g[2][2 * h + j], "dP_o", 2e-5);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void GruResetAfter(int h)
    {
        foreach (float scale in new[] { 4f, 40f })
        {
            float[] pre = Random(3 * h, 1, scale), hn = Random(h, 2), hPrev = Random(h, 3, 1f);
            var f = BothWidthsAgree([(float[])pre.Clone(), new float[h]], (b, w) => Lanes.Run(new GruKernels.ForwardResetAfter { Gates = b[0], Hn = hn, HPrev = hPrev, HNew = b[1], Hidden = h }, w));
            for (int j = 0; j < h; j++)
            {
                var u = ReferenceCells.Gru(pre[j], pre[h + j], r => pre[2 * h + j] + r * hn[j], hPrev[j]);
                Near(u.R, f[0][j], "r"); Near(u.Z, f[0][h + j], "z"); Near(u.N, f[0][2 * h + j], "n"); Near(u.H, f[1][j], "h");
            }
            if (scale > 4f) continue;

            float[] dh = Random(h, 4);
            var g = BothWidthsAgree([new float[3 * h], new float[3 * h], new float[h]],
                (b, w) => Lanes.Run(new GruKernels.BackwardResetAfter { Gates = f[0], Hn = hn, HPrev = hPrev, Dh = dh, DGx = b[0], DGh = b[1], DhPrev = b[2], Hidden = h }, w));
            for (int j = 0; j < h; j++)
            {
                // n = tanh(a_n + r∘hn): the input side sees a_n, the hidden side sees hn (whose gradient is r·dA_n).
                double L(double ar, double az, double an, double hnj, double hp) => dh[j] * ReferenceCells.Gru(ar, az, r => an + r * hnj, hp).H;
                double a0 = pre[j], a1 = pre[h + j], a2 = pre[2 * h + j], q = hn[j], hp0 = hPrev[j];
                double dar = D(x => L(x, a1, a2, q, hp0), a0), daz = D(x => L(a0, x, a2, q, hp0), a1), dan = D(x => L(a0, a1, x, q, hp0), a2);
                Near(dar, g[0][j], "dGx r", 2e-5); Near(daz, g[0][h + j], "dGx z", 2e-5); Near(dan, g[0][2 * h + j], "dGx n", 2e-5);
                Near(dar, g[1][j], "dGh r", 2e-5); Near(daz, g[1][h + j], "dGh z", 2e-5);
                Near(D(x => L(a0, a1, a2, x, hp0), q), g[1][2 * h + j], "dGh n", 2e-5);
                Near(D(x => L(a0, a1, a2, q, x), hp0), g[2][j], "dhPrev (direct path)", 2e-5);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void GruResetBefore(int h)
    {
        foreach (float scale in new[] { 4f, 40f })
        {
            // Pass 1: r, z and r∘h. Pass 2 (after the caller's W_hn product): n and h.
            float[] pre = Random(3 * h, 1, scale), hPrev = Random(h, 3, 1f);
            var f1 = BothWidthsAgree([(float[])pre.Clone(), new float[h]], (b, w) => Lanes.Run(new GruKernels.ResetGates { Gates = b[0], HPrev = hPrev, Rh = b[1], Hidden = h }, w));
            var f2 = BothWidthsAgree([(float[])f1[0].Clone(), new float[h]], (b, w) => Lanes.Run(new GruKernels.Candidate { Gates = b[0], HPrev = hPrev, HNew = b[1], Hidden = h }, w));
            for (int j = 0; j < h; j++)
            {
                var u = ReferenceCells.Gru(pre[j], pre[h + j], _ => pre[2 * h + j], hPrev[j]);
                Near(u.R, f1[0][j], "r"); Near(u.Z, f1[0][h + j], "z"); Near(u.R * hPrev[j], f1[1][j], "r∘h");
                Assert.Equal(pre[2 * h + j], f1[0][2 * h + j]);   // pass 1 leaves n alone
                Near(u.N, f2[0][2 * h + j], "n"); Near(u.H, f2[1][j], "h");
            }
            if (scale > 4f) continue;

            float[] dh = Random(h, 4), drh = Random(h, 5);
            var g1 = BothWidthsAgree([new float[3 * h], new float[h]], (b, w) => Lanes.Run(new GruKernels.CandidateBackward { Gates = f2[0], HPrev = hPrev, Dh = dh, DGates = b[0], DhPrev = b[1], Hidden = h }, w));
            var g2 = BothWidthsAgree([(float[])g1[0].Clone(), (float[])g1[1].Clone()], (b, w) => Lanes.Run(new GruKernels.ResetBackward { Gates = f2[0], HPrev = hPrev, Drh = drh, DGates = b[0], DhPrev = b[1], Hidden = h }, w));
            for (int j = 0; j < h; j++)
            {
                // L = dh·h' + drh·(r∘h): the second term stands for the gradient arriving through W_hn (r∘h).
                double L(double ar, double az, double an, double hp)
                {
                    var u = ReferenceCells.Gru(ar, az, _ => an, hp);
                    return dh[j] * u.H + drh[j] * u.R * hp;
                }
                double a0 = pre[j], a1 = pre[h + j], a2 = pre[2 * h + j], hp0 = hPrev[j];
                Near(D(x => L(x, a1, a2, hp0), a0), g2[0][j], "dA_r", 2e-5);
                Near(D(x => L(a0, x, a2, hp0), a1), g2[0][h + j], "dA_z", 2e-5);
                Near(D(x => L(a0, a1, x, hp0), a2), g2[0][2 * h + j], "dA_n", 2e-5);
                Near(D(x => L(a0, a1, a2, x), hp0), g2[1][j], "dhPrev (direct and reset paths)", 2e-5);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Rnn(int h)
    {
        foreach (bool relu in new[] { false, true })
        {
            float[] pre = Random(h, 1, 3f);
            var f = BothWidthsAgree([(float[])pre.Clone(), new float[h]], (b, w) => Lanes.Run(new RnnKernels.Forward { Pre = b[0], HNew = b[1], Hidden = h, Relu = relu }, w));
            for (int j = 0; j < h; j++) { Near(ReferenceCells.Rnn(pre[j], relu), f[0][j], "act"); Assert.Equal(f[0][j], f[1][j]); }
            float[] dh = Random(h, 2);
            var g = BothWidthsAgree([new float[h]], (b, w) => Lanes.Run(new RnnKernels.Backward { Act = f[0], Dh = dh, DPre = b[0], Hidden = h, Relu = relu }, w));
            for (int j = 0; j < h; j++) Near(dh[j] * D(x => ReferenceCells.Rnn(x, relu), pre[j], 1e-6), g[0][j], "dPre", 2e-5);
        }
    }

    [Fact]
    public void RnnTanhIsExactAtZeroAndOdd()
    {
        // TensorPrimitives.Tanh gave tanh(0) = −5.96e−8 and the wrong sign near ±1e−8 (issue #11).
        float[] x = [0f, -0f, 1e-8f, -1e-8f, 3e-30f, -3e-30f, 1e-4f, -1e-4f, 0.3f, -0.3f, 0f, 1e-8f, -1e-8f, 0f, 0f, 0f, 1e-8f];
        float[] a = (float[])x.Clone(), y = new float[x.Length];
        Lanes.Run(new RnnKernels.Forward { Pre = a, HNew = y, Hidden = x.Length });
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(Math.Sign(x[i]), Math.Sign(y[i]));
            if (Math.Abs(x[i]) < 1e-6f) Assert.Equal(x[i], y[i]);   // tanh x = x to float precision
            Assert.Equal(-y[i], y[Array.IndexOf(x, -x[i])]);
        }
        Assert.Equal(0, BitConverter.SingleToInt32Bits(y[0]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(33)]
    [InlineData(1000)]
    public void Adam(int n)
    {
        var r = new Random(n);
        float[] Rand() => Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray();
        float[] p = Rand(), g = Rand(), m = Rand(), v = Rand().Select(Math.Abs).ToArray();
        const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, c1 = 1.5f, c2 = 1.2f, eps = 1e-8f, l2 = 0.01f;
        var o = BothWidthsAgree([(float[])p.Clone(), (float[])m.Clone(), (float[])v.Clone()],
            (b, w) => Lanes.Run(new OptimizerKernels.Adam { Parameters = b[0], Gradient = g, Moment1 = b[1], Moment2 = b[2], Lr = lr * c1, B1 = b1, B2 = b2, C2 = c2, Eps = eps, L2 = l2 }, w));
        for (int i = 0; i < n; i++)
        {
            double gi = g[i] + (double)l2 * p[i], mi = b1 * (double)m[i] + (1 - (double)b1) * gi, vi = b2 * (double)v[i] + (1 - (double)b2) * gi * gi;
            Near(mi, o[1][i], "m"); Near(vi, o[2][i], "v");
            Near(p[i] - (double)lr * c1 * mi / (Math.Sqrt(vi * c2) + eps), o[0][i], "p");
        }
    }

    [Fact]
    public void OneLaneActivationsEqualWideLanes()
    {
        // The scalar entry points are the one-float lane: equal to a wide lane everywhere, saturation and NaN included.
        for (float x = -100f; x <= 100f; x += 0.0137f)
        {
            var v = System.Runtime.Intrinsics.Vector512.Create(x);
            Assert.Equal(VectorMath.Tanh(v).ToScalar(), VectorMath.Tanh(x));
            Assert.Equal(VectorMath.Sigmoid(v).ToScalar(), VectorMath.Sigmoid(x));
            Assert.Equal(VectorMath.Exp(v).ToScalar(), VectorMath.Exp(x));
            Assert.True(Math.Abs(VectorMath.Tanh(x) - Math.Tanh(x)) <= 2.5e-7 * Math.Max(1e-30, Math.Abs(Math.Tanh(x))) + 1e-45, $"tanh({x})");
        }
        foreach (float x in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f })
        {
            var v = System.Runtime.Intrinsics.Vector256.Create(x);
            Assert.Equal(BitConverter.SingleToInt32Bits(VectorMath.Exp(v).ToScalar()), BitConverter.SingleToInt32Bits(VectorMath.Exp(x)));
            Assert.Equal(BitConverter.SingleToInt32Bits(VectorMath.Tanh(v).ToScalar()), BitConverter.SingleToInt32Bits(VectorMath.Tanh(x)));
        }
    }

    [Fact]
    public void KernelsRejectShortBuffers()
    {
        Assert.Throws<ArgumentException>(() => Lanes.Run(new LstmKernels.Forward { Gates = new float[7], CPrev = new float[2], C = new float[2], TanhC = new float[2], HNew = new float[2], Hidden = 2 }));
        Assert.Throws<ArgumentException>(() => Lanes.Run(new GruKernels.ForwardResetAfter { Gates = new float[6], Hn = new float[1], HPrev = new float[2], HNew = new float[2], Hidden = 2 }));
        Assert.Throws<ArgumentException>(() => Lanes.Run(new GruKernels.ResetBackward { Gates = new float[6], HPrev = new float[2], Drh = new float[1], DGates = new float[6], DhPrev = new float[2], Hidden = 2 }));
        Assert.Throws<ArgumentException>(() => Lanes.Run(new RnnKernels.Forward { Pre = new float[3], HNew = new float[2], Hidden = 3 }));
        Assert.Throws<ArgumentException>(() => Lanes.Run(new OptimizerKernels.Adam { Parameters = new float[4], Gradient = new float[3], Moment1 = new float[4], Moment2 = new float[4] }));
    }
}
