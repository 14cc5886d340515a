using Microsoft.ML.Recurrent.Kernels;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests.Kernels;

/// <summary>Sgemm.Multiply vs the double-accumulating scalar reference, plus argument checks and determinism.</summary>
public class SgemmTests
{
    private const float Sentinel = float.NaN; // padding of A/B: any read of it would poison results
    private const float CSentinel = -12345.5f; // padding of C: must survive bit-for-bit

    private static readonly int[] OddSizes = [1, 3, 7, 15, 16, 17, 31, 33, 65, 100];

    /// <summary>A test problem: op(A)[m,k], op(B)[k,n], C[m,n] stored with padded leading dimensions.</summary>
    private sealed class Problem
    {
        public required bool TransA, TransB, Accumulate;
        public required int M, N, K, Lda, Ldb, Ldc;
        public required float[] A, B, C0;
    }

    private static Problem Make(bool transA, bool transB, int m, int n, int k, bool accumulate, int pad, int seed)
    {
        var rng = new Random(seed);
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = Math.Max(1, aCols) + pad, ldb = Math.Max(1, bCols) + pad, ldc = n + pad;
        return new Problem
        {
            TransA = transA, TransB = transB, Accumulate = accumulate, M = m, N = n, K = k,
            Lda = lda, Ldb = ldb, Ldc = ldc,
            A = Fill(rng, aRows, aCols, lda, Sentinel),
            B = Fill(rng, bRows, bCols, ldb, Sentinel),
            C0 = Fill(rng, m, n, ldc, CSentinel),
        };
    }

    // Exactly (rows-1)*ld + cols long, values in [-1,1), padding columns set to the sentinel.
    private static float[] Fill(Random rng, int rows, int cols, int ld, float padding)
    {
        var x = new float[rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols];
        for (int i = 0; i < x.Length; i++)
            x[i] = i % ld < cols ? (float)(rng.NextDouble() * 2 - 1) : padding;
        return x;
    }

    private static float[] RunFast(Problem p)
    {
        var c = (float[])p.C0.Clone();
        Sgemm.Multiply(p.TransA, p.TransB, p.M, p.N, p.K, p.A, p.Lda, p.B, p.Ldb, c, p.Ldc, p.Accumulate);
        return c;
    }

    private static void Check(Problem p)
    {
        float[] got = RunFast(p);
        var want = (float[])p.C0.Clone();
        Sgemm.MultiplyReference(p.TransA, p.TransB, p.M, p.N, p.K, p.A, p.Lda, p.B, p.Ldb, want, p.Ldc, p.Accumulate);
        for (int i = 0; i < p.M; i++)
        {
            for (int j = 0; j < p.Ldc && i * p.Ldc + j < got.Length; j++)
            {
                int idx = i * p.Ldc + j;
                if (j >= p.N)
                {
                    // Padding of C is never written.
                    Assert.True(BitConverter.SingleToInt32Bits(got[idx]) == BitConverter.SingleToInt32Bits(CSentinel),
                        $"C padding [{i},{j}] overwritten: {Describe(p)}");
                    continue;
                }
                // Error budget scales with sum_k |a_ik b_kj| (+ |C0| when accumulating).
                double mag = p.Accumulate ? Math.Abs(p.C0[idx]) : 0;
                for (int q = 0; q < p.K; q++)
                {
                    float a = p.TransA ? p.A[q * p.Lda + i] : p.A[i * p.Lda + q];
                    float b = p.TransB ? p.B[j * p.Ldb + q] : p.B[q * p.Ldb + j];
                    mag += Math.Abs((double)a * b);
                }
                double err = Math.Abs((double)got[idx] - want[idx]);
                Assert.True(err <= 1e-5 * mag + 1e-6,
                    $"C[{i},{j}] = {got[idx]}, want {want[idx]} (err {err:E2}, mag {mag:E2}): {Describe(p)}");
            }
        }
    }

    private static string Describe(Problem p) =>
        $"transA={p.TransA} transB={p.TransB} m={p.M} n={p.N} k={p.K} lda={p.Lda} ldb={p.Ldb} ldc={p.Ldc} acc={p.Accumulate}";

    public static TheoryData<bool, bool> Transposes() => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(Transposes))]
    public void OddSizesEachDimension(bool transA, bool transB)
    {
        // Sweep each dimension through the odd sizes with the other two fixed at awkward values.
        int seed = 1;
        foreach (bool acc in new[] { false, true })
        {
            foreach (int s in OddSizes)
            {
                Check(Make(transA, transB, s, 33, 17, acc, pad: 0, seed++));
                Check(Make(transA, transB, 19, s, 17, acc, pad: 3, seed++));
                Check(Make(transA, transB, 17, 35, s, acc, pad: 5, seed++));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void RandomShapesWithPaddedLeadingDimensions(bool transA, bool transB)
    {
        var rng = new Random(transA ? 10 : 20 + (transB ? 1 : 0));
        for (int t = 0; t < 12; t++)
        {
            int m = OddSizes[rng.Next(OddSizes.Length)], n = OddSizes[rng.Next(OddSizes.Length)], k = OddSizes[rng.Next(OddSizes.Length)];
            Check(Make(transA, transB, m, n, k, accumulate: t % 2 == 1, pad: rng.Next(1, 9), seed: 100 + t));
        }
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void ShapesCrossingCacheBlocks(bool transA, bool transB)
    {
        // k > 256 (several depth blocks), n > 576 (several column blocks), m >= 256 (packed-B path), n = 28.
        Check(Make(transA, transB, 9, 40, 600, accumulate: true, pad: 1, seed: 7));
        Check(Make(transA, transB, 10, 601, 20, accumulate: false, pad: 2, seed: 8));
        Check(Make(transA, transB, 260, 50, 21, accumulate: true, pad: 0, seed: 9));
        Check(Make(transA, transB, 24, 28, 300, accumulate: false, pad: 0, seed: 10));
        Check(Make(transA, transB, 16, 96, 64, accumulate: true, pad: 0, seed: 11));
    }

    [Theory]
    [MemberData(nameof(Transposes))]
    public void SingleRow(bool transA, bool transB)
    {
        // m = 1 (batch-1 inference) takes a dedicated GEMV path for row-major B.
        // n covers each column block of the GEMV (256, 128, 64, 16-column chunks, masked tail) alone and combined.
        foreach (int n in new[] { 1, 15, 16, 17, 64, 80, 128, 200, 255, 256, 257, 300, 384, 448, 512 })
            foreach (bool acc in new[] { false, true })
                Check(Make(transA, transB, 1, n, 37, acc, pad: 3, seed: n));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ZeroK(bool accumulate)
    {
        var p = Make(false, false, 5, 6, 0, accumulate, pad: 2, seed: 3);
        float[] got = RunFast(p);
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 6; j++)
                Assert.Equal(accumulate ? p.C0[i * p.Ldc + j] : 0f, got[i * p.Ldc + j]);
        Check(p);
    }

    [Fact]
    public void ZeroMOrNIsNoOp()
    {
        float[] c = [1f, 2f];
        Sgemm.Multiply(false, false, 0, 2, 3, [], 3, new float[6], 2, [], 2, false);
        Sgemm.Multiply(false, false, 1, 0, 3, new float[3], 3, [], 1, c, 1, false);
        Assert.Equal([1f, 2f], c);
    }

    [Fact]
    public void Deterministic()
    {
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
        {
            var p = Make(ta, tb, 70, 130, 300, accumulate: true, pad: 1, seed: 42);
            float[] first = RunFast(p), second = RunFast(p);
            for (int i = 0; i < first.Length; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(first[i]), BitConverter.SingleToInt32Bits(second[i]));
        }
    }

    [Fact]
    public void ConcurrentCallsAgreeWithSerial()
    {
        // Thread-static packing buffers: concurrent calls of different shapes must not interfere.
        var problems = Enumerable.Range(0, 8).Select(i => Make(i % 2 == 1, i % 3 == 0, 40 + 9 * i, 70 + 13 * i, 280 + i, true, 1, 500 + i)).ToArray();
        float[][] serial = problems.Select(RunFast).ToArray();
        float[][] parallel = new float[problems.Length][];
        Parallel.For(0, problems.Length * 4, t => { int i = t % problems.Length; parallel[i] = RunFast(problems[i]); });
        for (int i = 0; i < problems.Length; i++) Assert.Equal(serial[i], parallel[i]);
    }

    /// <summary>
    /// The row-bias overload adds the bias inside the GEMM, tile by tile: it must equal the plain product followed by a
    /// separate row-by-row add, bit for bit (one depth block and several, ragged tiles, the one-row GEMV, accumulate),
    /// and leave C's padding alone.
    /// </summary>
    [Theory]
    [InlineData(false, true, 40, 512, 64, false)]    // input projection shape, ragged-free
    [InlineData(false, true, 37, 100, 28, false)]    // ragged rows and columns
    [InlineData(false, false, 19, 70, 700, true)]    // two depth blocks, accumulate
    [InlineData(true, false, 9, 33, 1030, false)]    // Aᵀ, three depth blocks
    [InlineData(false, false, 1, 300, 64, false)]    // one row: the GEMV path
    [InlineData(false, false, 5, 17, 0, true)]       // k = 0
    public void RowBiasEqualsAddingTheBiasAfterwards(bool transA, bool transB, int m, int n, int k, bool accumulate)
    {
        var p = Make(transA, transB, m, n, k, accumulate, pad: 3, seed: m * 31 + n);
        var bias = Enumerable.Range(0, n).Select(j => (float)Math.Sin(j) * 3f).ToArray();
        float[] want = RunFast(p);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) want[i * p.Ldc + j] += bias[j];
        var got = (float[])p.C0.Clone();
        Sgemm.Multiply(p.TransA, p.TransB, p.M, p.N, p.K, p.A, p.Lda, p.B, p.Ldb, got, p.Ldc, p.Accumulate, bias);
        for (int i = 0; i < got.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(got[i]), $"C[{i / p.Ldc},{i % p.Ldc}]: {got[i]:R}, expected {want[i]:R}");
        AssertParam("rowBias", () => Sgemm.Multiply(p.TransA, p.TransB, p.M, p.N, p.K, p.A, p.Lda, p.B, p.Ldb, got, p.Ldc, p.Accumulate, bias.AsSpan(0, n - 1)));
    }

    [Fact]
    public void InvalidArgumentsThrow()
    {
        float[] a = new float[13], b = new float[12], c = new float[12];
        // m=3, n=4, k=3 NN: A [3,3] lda 3, B [3,4] ldb 4, C [3,4] ldc 4.
        AssertParam("m", () => Sgemm.Multiply(false, false, -1, 4, 3, a, 3, b, 4, c, 4, false));
        AssertParam("n", () => Sgemm.Multiply(false, false, 3, -1, 3, a, 3, b, 4, c, 4, false));
        AssertParam("k", () => Sgemm.Multiply(false, false, 3, 4, -1, a, 3, b, 4, c, 4, false));
        AssertParam("lda", () => Sgemm.Multiply(false, false, 3, 4, 3, a, 2, b, 4, c, 4, false));
        AssertParam("lda", () => Sgemm.Multiply(true, false, 4, 4, 3, a, 3, b, 4, c, 4, false)); // Aᵀ needs lda >= m
        AssertParam("ldb", () => Sgemm.Multiply(false, false, 3, 4, 3, a, 3, b, 3, c, 4, false));
        AssertParam("ldb", () => Sgemm.Multiply(false, true, 3, 4, 3, a, 3, b, 2, c, 4, false)); // Bᵀ needs ldb >= k
        AssertParam("ldc", () => Sgemm.Multiply(false, false, 3, 4, 3, a, 3, b, 4, c, 3, false));
        AssertParam("a", () => Sgemm.Multiply(false, false, 3, 4, 3, a.AsSpan(0, 8), 3, b, 4, c, 4, false));
        AssertParam("b", () => Sgemm.Multiply(false, false, 3, 4, 3, a, 3, b.AsSpan(0, 11), 4, c, 4, false));
        AssertParam("c", () => Sgemm.Multiply(false, false, 3, 4, 3, a, 3, b, 4, c.AsSpan(0, 11), 4, false));
        AssertParam("a", () => Sgemm.MultiplyReference(false, false, 3, 4, 3, a.AsSpan(0, 8), 3, b, 4, c, 4, false));
        // Exactly-long-enough spans with padded leading dimensions are fine: (rows-1)*ld + cols.
        Sgemm.Multiply(false, false, 3, 4, 3, a.AsSpan(0, 2 * 5 + 3), 5, b, 4, c, 4, false);
    }

    private static void AssertParam(string name, Action action)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(action);
        Assert.Equal(name, ex.ParamName);
    }
}
