using System.Runtime.Intrinsics;
using Microsoft.ML.Recurrent.Kernels;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Training;
using Xunit;
using Microsoft.ML.Recurrent.Data;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Tests.Kernels;

/// <summary>
/// The speed work's kernels against their references: the float exp behind the SIMD activations, and the panel GEMV
/// of one-row steps, which must match the row-major GEMM bit for bit.
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
