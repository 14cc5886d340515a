using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// Single-precision GEMM on row-major matrices: C[m,n] = (accumulate ? C : 0) + op(A)·op(B).
/// </summary>
/// <remarks>
/// <para>GotoBLAS-style layout, single threaded, tuned for the engine's LSTM shapes:</para>
/// <list type="bullet">
/// <item>Loops: jc over n in NC=576 column blocks → pc over k in KC=256 depth blocks → ir over m in MR=8 row
/// panels → jr over the block in NR-wide column panels → register-blocked micro-kernel (8×48 on AVX-512:
/// 24 zmm accumulators, broadcast A, vector loads of B).</item>
/// <item>A panels [kc,8] are packed (row-major A is transposed 8×8 at a time with AVX) except when op(A)=Aᵀ
/// and the panel is full, in which case Aᵀ rows are already the panel layout and are read in place.</item>
/// <item>B panels [kc,NR] are packed for op(B)=Bᵀ (transpose) and for the ragged last panel; full panels of
/// a non-transposed B are read in place with stride ldb.</item>
/// <item>Ragged tiles (m % 8, n % 16) are computed into a zero-padded stack tile and copied out, so padding
/// of C (ldc &gt; n) is never written.</item>
/// </list>
/// <para>Deterministic: the summation order depends only on (m, n, k, transposes) and the ISA, never on
/// timing or thread. Safe to call concurrently: packing buffers are [ThreadStatic], grown on demand.</para>
/// </remarks>
internal static unsafe partial class Sgemm
{
    private const int MR = 8;     // rows of C per micro-tile (one broadcast of A each)
    private const int KC = 256;   // depth block: A panel [256,8] = 8 KB stays in L1
    private const int NC = 576;   // column block: B block [256,576] = 576 KB stays in L2 (multiple of 48, 8, 4)

    internal static bool TunePackA, TunePackB;
    [ThreadStatic] private static float[]? t_packA;
    [ThreadStatic] private static float[]? t_packB;

    /// <summary>
    /// C[m,n] = (accumulate ? C : 0) + op(A)·op(B), all row-major.
    /// op(A) is [m,k]: A stored [m,k] with leading dimension <paramref name="lda"/>, or if <paramref name="transA"/>, A stored [k,m] (lda ≥ m).
    /// op(B) is [k,n]: B stored [k,n] with <paramref name="ldb"/>, or if <paramref name="transB"/>, B stored [n,k] (ldb ≥ k).
    /// C is [m,n] with <paramref name="ldc"/> ≥ n; elements of C past column n in each row are never touched.
    /// C must not overlap A or B.
    /// </summary>
    /// <exception cref="ArgumentException">A size, leading dimension or span length is invalid.</exception>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate)
    {
        Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            // op(A)·op(B) is all zeros: C stays (accumulate) or becomes 0.
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            if (m == 1 && !transB && Vector512.IsHardwareAccelerated)
                GemvRow512(n, k, pa, transA ? lda : 1, pb, ldb, pc, accumulate);
            else
                Gemm(transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate);
        }
    }

    /// <summary>
    /// Scalar reference with the same contract as <see cref="Multiply"/>: plain triple loop, each dot product
    /// accumulated in double (in order p = 0..k-1), then added to C in float. Used by tests.
    /// </summary>
    /// <exception cref="ArgumentException">A size, leading dimension or span length is invalid.</exception>
    public static void MultiplyReference(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate)
    {
        Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float aip = transA ? a[p * lda + i] : a[i * lda + p];
                    float bpj = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += (double)aip * bpj;
                }
                ref float cij = ref c[i * ldc + j];
                cij = accumulate ? (float)(cij + sum) : (float)sum;
            }
        }
    }

    private static void Validate(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc)
    {
        if (m < 0) throw new ArgumentException($"m must be non-negative (got {m}).", nameof(m));
        if (n < 0) throw new ArgumentException($"n must be non-negative (got {n}).", nameof(n));
        if (k < 0) throw new ArgumentException($"k must be non-negative (got {k}).", nameof(k));
        // Stored shapes: A is [m,k] or [k,m]; B is [k,n] or [n,k]; C is [m,n].
        CheckMatrix(a.Length, transA ? k : m, transA ? m : k, lda, nameof(a), nameof(lda));
        CheckMatrix(b.Length, transB ? n : k, transB ? k : n, ldb, nameof(b), nameof(ldb));
        CheckMatrix(c.Length, m, n, ldc, nameof(c), nameof(ldc));
    }

    private static void CheckMatrix(int length, int rows, int cols, int ld, string name, string ldName)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"Leading dimension {ld} must be >= max(1, {cols}).", ldName);
        if (rows == 0 || cols == 0) return;
        long needed = (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException($"Span of length {length} is too short for a [{rows},{cols}] matrix with leading dimension {ld} (needs {needed}).", name);
    }

    /// <summary>Blocked driver; picks the micro-kernel family from the ISA once per call.</summary>
    private static void Gemm(bool transA, bool transB, int m, int n, int k,
        float* A, nint lda, float* B, nint ldb, float* C, nint ldc, bool accumulate)
    {
        // unit = vector width of the kernel family, maxW = widest micro-panel.
        int unit, maxW;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported) { unit = 16; maxW = 48; }
        else if (Vector256.IsHardwareAccelerated && Fma.IsSupported) { unit = 8; maxW = 8; }
        else { unit = 4; maxW = 4; }

        int kcMax = Math.Min(k, KC);
        int ncMax = Math.Min(RoundUp(n, unit), NC);
        float[] packA = Grow(ref t_packA, MR * kcMax);
        float[] packB = Grow(ref t_packB, kcMax * ncMax);
        float* tile = stackalloc float[MR * 48]; // ragged tiles land here, [8, w]

        fixed (float* pA = packA)
        fixed (float* pB = packB)
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool load = accumulate || pc > 0; // later depth blocks add onto C

                    // Pack op(B)[pc:pc+kc, jc:jc+nc] panel by panel where needed; panel jr lives at pB + jr*kc.
                    for (int jr = 0; jr < nc; jr += maxW)
                    {
                        int nr = Math.Min(maxW, nc - jr);
                        int w = RoundUp(nr, unit);
                        if (transB)
                            PackBT(B + (nint)(jc + jr) * ldb + pc, ldb, kc, nr, w, pB + (nint)jr * kc);
                        else if (nr != w || TunePackB)
                            PackBN(B + (nint)pc * ldb + jc + jr, ldb, kc, nr, w, pB + (nint)jr * kc);
                    }

                    for (int ir = 0; ir < m; ir += MR)
                    {
                        int mr = Math.Min(MR, m - ir);
                        // op(A)[ir:ir+8, pc:pc+kc] as a [kc,8] panel.
                        float* aPanel;
                        nint aStride;
                        if (transA && mr == MR && !TunePackA)
                        {
                            aPanel = A + (nint)pc * lda + ir; // Aᵀ rows already are panel rows
                            aStride = lda;
                        }
                        else
                        {
                            if (transA) PackAT(A + (nint)pc * lda + ir, lda, kc, mr, pA);
                            else PackAN(A + (nint)ir * lda + pc, lda, kc, mr, pA);
                            aPanel = pA;
                            aStride = MR;
                        }

                        for (int jr = 0; jr < nc; jr += maxW)
                        {
                            int nr = Math.Min(maxW, nc - jr);
                            int w = RoundUp(nr, unit);
                            float* bPanel;
                            nint bStride;
                            if (!transB && nr == w && !TunePackB)
                            {
                                bPanel = B + (nint)pc * ldb + jc + jr; // B rows already are panel rows
                                bStride = ldb;
                            }
                            else
                            {
                                bPanel = pB + (nint)jr * kc;
                                bStride = w;
                            }

                            float* cTile = C + (nint)ir * ldc + jc + jr;
                            if (mr == MR && nr == w)
                            {
                                Kernel(w, kc, aPanel, aStride, bPanel, bStride, cTile, ldc, load);
                            }
                            else
                            {
                                // Ragged edge: full tile into scratch, copy the valid [mr,nr] corner.
                                Kernel(w, kc, aPanel, aStride, bPanel, bStride, tile, w, false);
                                for (int r = 0; r < mr; r++)
                                {
                                    float* cr = cTile + r * ldc;
                                    float* tr = tile + r * w;
                                    if (load) for (int j = 0; j < nr; j++) cr[j] += tr[j];
                                    else for (int j = 0; j < nr; j++) cr[j] = tr[j];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel(int w, int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool load)
    {
        switch (w)
        {
            case 48: Kernel512x48(kc, a, aStride, b, bStride, c, ldc, load); break;
            case 32: Kernel512x32(kc, a, aStride, b, bStride, c, ldc, load); break;
            case 16: Kernel512x16(kc, a, aStride, b, bStride, c, ldc, load); break;
            case 8: Kernel256x8(kc, a, aStride, b, bStride, c, ldc, load); break;
            default: KernelScalar8x4(kc, a, aStride, b, bStride, c, ldc, load); break;
        }
    }

    /// <summary>Pack op(A) = A (row-major [m,k]) rows [8 or fewer, kc] into panel [kc,8], zero-padding missing rows.</summary>
    private static void PackAN(float* a, nint lda, int kc, int mr, float* dst)
    {
        int p = 0;
        if (mr == MR && Avx.IsSupported)
        {
            // 8 rows × 8 columns of A → 8 panel rows of 8: one in-register transpose.
            for (; p + 8 <= kc; p += 8)
                Transpose8x8(a + p, lda, dst + p * MR, MR);
        }
        for (; p < kc; p++)
        {
            float* d = dst + p * MR;
            int r = 0;
            for (; r < mr; r++) d[r] = a[r * lda + p];
            for (; r < MR; r++) d[r] = 0f;
        }
    }

    /// <summary>Pack op(A) = Aᵀ (A stored [k,m]) columns [kc, mr&lt;8] into panel [kc,8], zero-padding.</summary>
    private static void PackAT(float* a, nint lda, int kc, int mr, float* dst)
    {
        for (int p = 0; p < kc; p++)
        {
            float* s = a + p * lda;
            float* d = dst + p * MR;
            int r = 0;
            for (; r < mr; r++) d[r] = s[r];
            for (; r < MR; r++) d[r] = 0f;
        }
    }

    /// <summary>Pack op(B) = B (row-major [k,n]) block [kc, nr] into panel [kc, w], zero-padding columns nr..w.</summary>
    private static void PackBN(float* b, nint ldb, int kc, int nr, int w, float* dst)
    {
        for (int p = 0; p < kc; p++)
        {
            float* s = b + p * ldb;
            float* d = dst + p * w;
            int j = 0;
            for (; j < nr; j++) d[j] = s[j];
            for (; j < w; j++) d[j] = 0f;
        }
    }

    /// <summary>Pack op(B) = Bᵀ (B stored [n,k]) rows [nr, kc] into panel [kc, w] (a transpose), zero-padding columns nr..w.</summary>
    private static void PackBT(float* b, nint ldb, int kc, int nr, int w, float* dst)
    {
        int j = 0;
        if (Avx.IsSupported)
        {
            // 8 rows of B × 8 depths → 8 panel rows of 8 columns.
            for (; j + 8 <= nr; j += 8)
            {
                float* s = b + j * ldb;
                int p = 0;
                for (; p + 8 <= kc; p += 8)
                    Transpose8x8(s + p, ldb, dst + p * w + j, w);
                for (; p < kc; p++)
                    for (int jj = 0; jj < 8; jj++) dst[p * w + j + jj] = s[jj * ldb + p];
            }
        }
        for (; j < nr; j++)
        {
            float* s = b + j * ldb;
            for (int p = 0; p < kc; p++) dst[p * w + j] = s[p];
        }
        for (; j < w; j++)
            for (int p = 0; p < kc; p++) dst[p * w + j] = 0f;
    }

    /// <summary>dst[c*dstStride + r] = src[r*srcStride + c] for an 8×8 block (AVX unpack/shuffle/permute).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint srcStride, float* dst, nint dstStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(src);
        Vector256<float> r1 = Avx.LoadVector256(src + srcStride);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * srcStride);
        Vector256<float> r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * srcStride);
        Vector256<float> r5 = Avx.LoadVector256(src + 5 * srcStride);
        Vector256<float> r6 = Avx.LoadVector256(src + 6 * srcStride);
        Vector256<float> r7 = Avx.LoadVector256(src + 7 * srcStride);
        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(s3, s7, 0x31));
    }

    /// <summary>
    /// m == 1 with row-major B (batch-1 inference): c[n] (+)= a[k]·B[k,n]. B streams once; 64 columns of
    /// accumulators stay in registers across all of k, so nothing is packed. a is strided by aStride.
    /// </summary>
    private static void GemvRow512(int n, int k, float* a, nint aStride, float* b, nint ldb, float* c, bool accumulate)
    {
        int j = 0;
        for (; j + 64 <= n; j += 64)
        {
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
            float* bp = b + j;
            float* ap = a;
            for (int p = 0; p < k; p++)
            {
                Vector512<float> av = Vector512.Create(*ap);
                c0 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp), c0);
                c1 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 16), c1);
                c2 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 32), c2);
                c3 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 48), c3);
                ap += aStride;
                bp += ldb;
            }
            if (accumulate)
            {
                c0 += Vector512.Load(c + j); c1 += Vector512.Load(c + j + 16);
                c2 += Vector512.Load(c + j + 32); c3 += Vector512.Load(c + j + 48);
            }
            c0.Store(c + j); c1.Store(c + j + 16); c2.Store(c + j + 32); c3.Store(c + j + 48);
        }
        for (; j + 16 <= n; j += 16)
        {
            Vector512<float> c0 = default;
            float* bp = b + j;
            float* ap = a;
            for (int p = 0; p < k; p++)
            {
                c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(*ap), Vector512.Load(bp), c0);
                ap += aStride;
                bp += ldb;
            }
            if (accumulate) c0 += Vector512.Load(c + j);
            c0.Store(c + j);
        }
        for (; j < n; j++)
        {
            // < 16 leftover columns: scalar FMA in the same p order as the vector lanes.
            float sum = 0f;
            for (int p = 0; p < k; p++) sum = MathF.FusedMultiplyAdd(a[p * aStride], b[p * ldb + j], sum);
            c[j] = accumulate ? c[j] + sum : sum;
        }
    }

    private static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;

    private static float[] Grow(ref float[]? buffer, int size)
    {
        if (buffer == null || buffer.Length < size) buffer = new float[size];
        return buffer;
    }
}
