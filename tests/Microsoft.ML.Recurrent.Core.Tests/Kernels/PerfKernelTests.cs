using System.Runtime.Intrinsics;
using Microsoft.ML.Recurrent.Kernels;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Training;
using Xunit;
using Microsoft.ML.Recurrent.Data;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Tests.Kernels;

/// <summary>
/// The speed work's kernels against their references: the rational tanh and sigmoid of the SIMD activations, and the panel GEMV
/// of one-row steps, which must match the row-major GEMM bit for bit.
/// </summary>
public class PerfKernelTests
{
    private static float[] Random(int n, int seed, float scale)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)((r.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    /// <summary>Distance in units in the last place of the float nearest <paramref name="exact"/>.</summary>
    private static double Ulps(float value, double exact)
    {
        float nearest = (float)exact;
        double ulp = nearest == 0 ? float.Epsilon : Math.Abs((double)MathF.BitIncrement(Math.Abs(nearest)) - Math.Abs(nearest));
        return Math.Abs(value - exact) / ulp;
    }

    [Fact]
    public void VectorActivationsStayWithinTheirBounds()
    {
        // Random magnitudes from 1e-30 to 30 (uniform in the exponent, so tiny, mid and saturating inputs all count).
        var r = new Random(11);
        double worstTanh = 0, worstSigmoid = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            float x = (float)(Math.Pow(10, r.NextDouble() * 31.5 - 30) * (r.Next(2) * 2 - 1));
            float t256 = VectorMath.Tanh(Vector256.Create(x)).ToScalar(), t512 = VectorMath.Tanh(Vector512.Create(x)).ToScalar();
            float s256 = VectorMath.Sigmoid(Vector256.Create(x)).ToScalar(), s512 = VectorMath.Sigmoid(Vector512.Create(x)).ToScalar();
            Assert.Equal(t256, t512);   // lane for lane the same arithmetic
            Assert.Equal(s256, s512);
            worstTanh = Math.Max(worstTanh, Ulps(t512, Math.Tanh(x)));
            worstSigmoid = Math.Max(worstSigmoid, Math.Abs(s512 - 1 / (1 + Math.Exp(-(double)x))));
            Assert.Equal(-t512, VectorMath.Tanh(Vector512.Create(-x)).ToScalar());   // odd
            Assert.True(s512 is >= 0f and <= 1f, $"sigmoid({x}) = {s512}");
        }
        Assert.True(worstTanh <= 6, $"tanh: {worstTanh:F2} ulp");
        Assert.True(worstSigmoid <= 1.7e-7, $"sigmoid: {worstSigmoid:E2}");
        // The exact points: zero keeps its sign, saturation is exactly ±1 (so sigmoid is exactly 0 and 1), NaN stays NaN.
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(VectorMath.Tanh(Vector512.Create(-0f)).ToScalar()));
        Assert.Equal(1f, VectorMath.Tanh(Vector512.Create(9.0110f)).ToScalar());
        Assert.Equal(-1f, VectorMath.Tanh(Vector512.Create(-60f)).ToScalar());
        Assert.Equal(1f, VectorMath.Tanh(Vector256.Create(float.PositiveInfinity)).ToScalar());
        Assert.Equal(1f, VectorMath.Sigmoid(Vector512.Create(float.PositiveInfinity)).ToScalar());
        Assert.Equal(1f, VectorMath.Sigmoid(Vector256.Create(200f)).ToScalar());
        Assert.Equal(0f, VectorMath.Sigmoid(Vector256.Create(-200f)).ToScalar());
        Assert.Equal(0f, VectorMath.Sigmoid(Vector512.Create(float.NegativeInfinity)).ToScalar());
        Assert.True(float.IsNaN(VectorMath.Tanh(Vector512.Create(float.NaN)).ToScalar()));
        Assert.True(float.IsNaN(VectorMath.Sigmoid(Vector256.Create(float.NaN)).ToScalar()));
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

        var ws1 = new Workspace(layout.Architecture);
        net.Forward(ws1, SequenceShard.Create([T], [0], default, x), training: false, 0);
        var ws2 = new Workspace(layout.Architecture);
        net.Forward(ws2, SequenceShard.Create([T, T], [0, T * F], default, two), training: false, 0);

        Assert.Equal(ws2.Logits.AsSpan(0, 3).ToArray(), ws1.Logits.AsSpan(0, 3).ToArray());
        for (int t = 0; t < T; t++)
            Assert.Equal(ws2.X[1].AsSpan(t * 2 * a.OutputSize, a.OutputSize).ToArray(), ws1.X[1].AsSpan(t * a.OutputSize, a.OutputSize).ToArray());
    }
}
