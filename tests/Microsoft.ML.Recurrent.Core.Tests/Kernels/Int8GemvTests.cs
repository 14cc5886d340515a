using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Recurrent.Kernels;
using Microsoft.ML.Recurrent.Model;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Kernels;

/// <summary>
/// The int8 recurrent product (<see cref="Int8Gemv"/>) against scalar references of the same integer arithmetic:
/// the VNNI panels against plain loops, exactly, at every panel width and inner sizes with and without a tail; the
/// whole product (quantize h, integer sums with the +128 correction, scale back) against a reference written from
/// the formula, exactly; and the quantization itself against fp32 within its rounding bound.
/// </summary>
public unsafe class Int8GemvTests
{
    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }

    [Theory]
    [InlineData(128, 128)]
    [InlineData(128, 37)]
    [InlineData(32, 64)]
    [InlineData(32, 5)]
    [InlineData(8, 128)]
    [InlineData(8, 3)]
    [InlineData(8, 1)]
    [InlineData(128, 1)]
    public void PanelsEqualTheScalarSums(int width, int inner)
    {
        int kp = (inner + 3) / 4 * 4, kq = kp / 4;
        var rng = new Random(width * 1000 + inner);
        byte[] q = new byte[kp];
        sbyte[] panel = new sbyte[kp * width];
        // Extremes included: 255 × −127 at every position must not saturate (vpdpbusd sums exactly into int32).
        for (int i = 0; i < q.Length; i++) q[i] = (byte)(i % 7 == 0 ? 255 : rng.Next(256));
        for (int i = 0; i < panel.Length; i++) panel[i] = (sbyte)(i % 5 == 0 ? -127 : rng.Next(-127, 128));
        int[] expected = new int[width], actual = new int[width];
        fixed (byte* qp = q) fixed (sbyte* wp = panel) fixed (int* e = expected) fixed (int* a = actual)
        {
            Int8Gemv.PanelReference(qp, kq, wp, width, e);
            Int8Gemv.Panel(qp, kq, wp, width, a);
        }
        // The reference loop against the definition, for one output: Σ_k q[k]·W[o, k] with the [kq][width][4] layout.
        long sum = 0;
        for (int k = 0; k < kp; k++) sum += q[k] * panel[(k / 4) * 4 * width + 4 * (width - 1) + (k & 3)];
        Assert.Equal(sum, expected[width - 1]);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void PanelsRunOnVnniHere()
    {
        // The machine the numbers in docs/performance.md come from has AVX-VNNI; elsewhere the scalar path runs.
        if (!AvxVnni.IsSupported) return;
        Assert.True(AvxVnni.IsSupported);
    }

    /// <summary>The whole product from the formula in <see cref="Int8Gemv"/>'s summary, one output at a time.</summary>
    private static void Reference(ReadOnlySpan<float> h, QuantizedRecurrentWeights w, int colStart, int cols, Span<float> output, bool accumulate)
    {
        int K = w.Inner;
        float max = 0;
        foreach (float v in h) max = Math.Max(max, Math.Abs(v));
        if (max < 1e-30f) { if (!accumulate) output[..cols].Clear(); return; }
        float inv = 127f / max, hScale = max / 127f;
        for (int c = 0; c < cols; c++)
        {
            int o = colStart + c, sum = 0, wsum = 0;
            for (int k = 0; k < K; k++)
            {
                int u = (int)MathF.Round(h[k] * inv) + 128;
                sum += u * w.Weight(o, k);
                wsum += w.Weight(o, k);
            }
            int acc = sum - 128 * wsum;
            float value = (float)acc * (w.Scales[w.PaddedIndex(o)] * hScale);
            output[c] = accumulate ? output[c] + value : value;
        }
    }

    [Theory]
    [InlineData(4, 128, false)]   // LSTM H = 128: one segment of 512, four 128-panels
    [InlineData(3, 128, false)]   // GRU 384
    [InlineData(3, 128, true)]    // GRU reset-before: [0, 256) and [256, 384)
    [InlineData(4, 37, false)]    // 148 outputs: 128 + 8 + 8 + 8 (padded 152), inner 37 (tail of 1)
    [InlineData(3, 37, true)]     // segments of 74 and 37
    [InlineData(1, 5, false)]
    [InlineData(1, 200, false)]   // 200: 128 + 32 + 32 + 8
    [InlineData(4, 41, false)]
    public void ProductEqualsTheFormulaExactly(int gates, int hidden, bool twoSegments)
    {
        int N = gates * hidden, K = hidden;
        (int, int)[] segments = twoSegments ? [(0, 2 * hidden), (2 * hidden, hidden)] : [(0, N)];
        var w = new QuantizedRecurrentWeights(Random(N * K, 1, 0.3f), N, K, segments);
        const int rows = 3;
        // Row 1 is ReLU-like (large, nonnegative), row 2 holds an exact zero and tiny values.
        float[] h = Random(rows * K, 2);
        for (int k = 0; k < K; k++) h[K + k] = Math.Abs(h[K + k]) * 40f;
        h[2 * K] = 0; if (K > 1) h[2 * K + 1] = 1e-6f;
        foreach (bool accumulate in new[] { false, true })
            foreach (var (start, count) in segments)
            {
                int ldc = count + 3;
                float[] init = Random(rows * ldc, 3);
                float[] actual = (float[])init.Clone(), expected = (float[])init.Clone();
                Int8Gemv.Product(rows, start, count, h, K, w, actual, ldc, accumulate);
                for (int r = 0; r < rows; r++)
                    Reference(h.AsSpan(r * K, K), w, start, count, expected.AsSpan(r * ldc, count), accumulate);
                for (int i = 0; i < actual.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                        $"accumulate {accumulate}, segment {start}: value {i} is {actual[i]:R}, the formula gives {expected[i]:R}");
            }
    }

    [Fact]
    public void ZeroAndNonFiniteRowsAreExact()
    {
        var w = new QuantizedRecurrentWeights(Random(16 * 8, 4), 16, 8, [(0, 16)]);
        float[] h = new float[2 * 8];
        h[8 + 3] = float.PositiveInfinity;
        float[] output = Random(2 * 16, 5);
        float[] first = output[..16];
        Int8Gemv.Product(2, 0, 16, h, 8, w, output, 16, accumulate: true);
        Assert.Equal(first, output[..16]);                    // h = 0 adds nothing
        Assert.All(output[16..], v => Assert.True(float.IsNaN(v)));
        Int8Gemv.Product(1, 0, 16, h, 8, w, output, 16, accumulate: false);
        Assert.All(output[..16], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ProductIsCloseToFp32WithinTheQuantizationBound()
    {
        // Error of one output: weights off by ≤ s_o/2 each and activations by ≤ max|h|/254 each, so
        // |Δ| ≤ Σ_k (|h_k|·s_o/2 + |W_ok|·max|h|/254 + s_o·max|h|/254·1/2) ≤ K·max|h|·s_o·(1/2 + 127/254 + 1/508).
        const int N = 512, K = 128;
        float[] W = Random(N * K, 6, 0.2f), h = Random(K, 7);
        var w = new QuantizedRecurrentWeights(W, N, K, [(0, N)]);
        float[] actual = new float[N];
        Int8Gemv.Product(1, 0, N, h, K, w, actual, N, accumulate: false);
        float maxH = h.Max(Math.Abs);
        double worst = 0;
        for (int o = 0; o < N; o++)
        {
            double exact = 0;
            for (int k = 0; k < K; k++) exact += (double)h[k] * W[o * K + k];
            double bound = K * maxH * w.Scales[o] * (0.5 + 0.5 + 1.0 / 508) + 1e-5;
            Assert.True(Math.Abs(actual[o] - exact) <= bound, $"output {o}: {actual[o]} vs {exact}, bound {bound}");
            worst = Math.Max(worst, Math.Abs(actual[o] - exact) / (K * maxH * w.Scales[o]));
        }
        // Random rounding errors mostly cancel: for these uniform h and W the error of one output has a standard
        // deviation of ≈ 2.1·max|h|·s_o (≈ 0.017 in these units for K = 128), so the largest of 512 sits near 3.3σ ≈ 0.055
        // (measured 0.055). 0.1 leaves margin and is still a tenth of the worst-case bound; a wrong scale or +128
        // correction gives errors of the order of the outputs themselves (≈ 3.7 in these units).
        Assert.True(worst < 0.1, $"largest error {worst:F4} of K·max|h|·s_o");
    }

    [Theory]
    [InlineData(4, 128, false)]   // LSTM: 128-wide panels through the four-row tiles
    [InlineData(3, 128, true)]    // GRU reset-before's two segments
    [InlineData(4, 37, false)]    // 8-wide last panels and an inner tail
    [InlineData(1, 200, false)]   // 128 + 32 + 32 + 8
    public void ManyRowsGiveTheBitsOfOneRowAtATime(int gates, int hidden, bool twoSegments)
    {
        // Nine rows: two groups of four (the shared-load path on VNNI machines) and one left over. The second group holds
        // a zero row and a row with a NaN, which leave that group to the one-row path with their own results.
        int N = gates * hidden, K = hidden;
        (int, int)[] segments = twoSegments ? [(0, 2 * hidden), (2 * hidden, hidden)] : [(0, N)];
        var w = new QuantizedRecurrentWeights(Random(N * K, 11, 0.3f), N, K, segments);
        const int rows = 9;
        float[] h = Random(rows * K, 12);
        for (int k = 0; k < K; k++) h[K + k] = Math.Abs(h[K + k]) * 40f;   // row 1: large, nonnegative (ReLU-like)
        h.AsSpan(5 * K, K).Clear();                                        // row 5: zero
        h[6 * K + K / 2] = float.NaN;                                      // row 6: not finite
        foreach (bool accumulate in new[] { false, true })
            foreach (var (start, count) in segments)
            {
                int ldc = count + 5;
                float[] init = Random(rows * ldc, 13);
                float[] together = (float[])init.Clone(), alone = (float[])init.Clone();
                Int8Gemv.Product(rows, start, count, h, K, w, together, ldc, accumulate);
                for (int r = 0; r < rows; r++)
                    Int8Gemv.Product(1, start, count, h.AsSpan(r * K, K), K, w, alone.AsSpan(r * ldc), ldc, accumulate);
                for (int i = 0; i < together.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(alone[i]) == BitConverter.SingleToInt32Bits(together[i]),
                        $"accumulate {accumulate}, segment {start}: value {i} (row {i / ldc}) is {together[i]:R}, one row at a time gives {alone[i]:R}");
            }
    }
}
