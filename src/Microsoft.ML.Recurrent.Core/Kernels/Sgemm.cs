using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// Single-precision GEMM on row-major matrices: C[m,n] = (accumulate ? C : 0) + op(A)·op(B).
/// </summary>
/// <remarks>
/// <para>GotoBLAS-style layout, single threaded, tuned for the engine's LSTM shapes on AVX-512 (Zen 5):</para>
/// <list type="bullet">
/// <item>Loops: jc over n in NC=288 column blocks → pc over k in KC=512 depth blocks → ir over m in MR=8 row
/// panels → jr over the block in NR-wide column panels → register-blocked micro-kernel. On AVX-512 the
/// micro-kernel is 8×48 (24 zmm accumulators, 8 broadcasts of A and 3 loads of B per depth step), with 8×32
/// and 8×16 variants for the last column panel; AVX2 uses 8×8, other hardware a scalar 8×4.</item>
/// <item>A is never packed when a full 8-row panel can be read in place: op(A)=Aᵀ rows already are [kc,8]
/// panel rows (stride lda), and for row-major A the RowA kernels broadcast straight from the 8 rows. Ragged
/// row panels (m % 8) and non-AVX-512 row-major A are packed into a zero-padded [kc,8] panel.</item>
/// <item>op(B)=Bᵀ is packed into [kc,NR] panels (8×8 AVX transposes). Row-major B is read in place for
/// small m (packing could not be amortized) and packed for m ≥ 256 (contiguous, no 4 KB aliasing); the
/// ragged last panel (n % 16) is always packed with zero padding.</item>
/// <item>Ragged tiles are computed into a stack tile and copied out with masked stores, so nothing past
/// column n of C (the padding when ldc &gt; n) is ever read or written.</item>
/// <item>m == 1 with row-major B (batch-1 inference) is a GEMV that streams B once with 256 (then 128, 64)
/// columns of accumulators in registers.</item>
/// </list>
/// <para>Deterministic: the summation order depends only on (m, n, k, transposes) and the ISA, never on
/// timing or thread; each C element is a float FMA chain over p in order within a depth block, added to C
/// once per block. Safe to call concurrently: packing buffers are [ThreadStatic] and grow on demand, so
/// steady-state calls allocate nothing.</para>
/// </remarks>
internal static unsafe partial class Sgemm
{
    private const int MR = 8;     // rows of C per micro-tile (one broadcast of A each)
    private const int KC = 512;   // depth block: A panel [512,8] = 16 KB stays in L1; C tile re-read once per 512 depths
    private const int NC = 288;   // column block: B block [512,288] = 576 KB stays in L2 (multiple of 48, 8, 4)

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
        => Multiply(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, default);

    /// <summary>
    /// As <see cref="Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool)"/>,
    /// then C[i, j] += <paramref name="rowBias"/>[j] on every row (empty: nothing added). The bias is added to each tile
    /// of C right after its last depth block, while the tile is in L1, instead of in a pass over all of C afterwards;
    /// each element gets the same two roundings (product sum, then + bias) as that pass would give.
    /// </summary>
    /// <exception cref="ArgumentException">A size, leading dimension or span length is invalid, or the bias is shorter than n.</exception>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> rowBias)
    {
        Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (!rowBias.IsEmpty && rowBias.Length < n)
            throw new ArgumentException($"Row bias of length {rowBias.Length} is shorter than n = {n}.", nameof(rowBias));
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            // op(A)·op(B) is all zeros: C stays (accumulate) or becomes 0.
            if (!accumulate)
                for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            if (!rowBias.IsEmpty)
                for (int i = 0; i < m; i++) AddRow(c.Slice(i * ldc, n), rowBias);
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pbias = rowBias)
        {
            if (m == 1 && !transB && Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
                GemvRow512(n, k, pa, transA ? lda : 1, pb, ldb, pc, accumulate);
            else if (m == 1 && !transB && Vector256.IsHardwareAccelerated && Fma.IsSupported)
                GemvRow256(n, k, pa, transA ? lda : 1, pb, ldb, pc, accumulate);
            else
            {
                Gemm(transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, pbias);
                return;
            }
            if (pbias != null) AddRow(c[..n], rowBias);
        }
    }

    private static void AddRow(Span<float> row, ReadOnlySpan<float> bias) => System.Numerics.Tensors.TensorPrimitives.Add(row, bias[..row.Length], row);

    /// <summary>C[mr, nr] += bias[0..nr) on each row of a tile just written (in L1).</summary>
    private static void AddBiasToTile(float* c, nint ldc, int mr, int nr, float* bias)
    {
        for (int r = 0; r < mr; r++)
        {
            float* cr = c + r * ldc;
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
                for (; j + 16 <= nr; j += 16) (Vector512.Load(cr + j) + Vector512.Load(bias + j)).Store(cr + j);
            for (; j < nr; j++) cr[j] += bias[j];
        }
    }

    /// <summary>
    /// Scalar reference with the same contract as <see cref="Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool)"/>: plain triple loop, each dot product
    /// accumulated in double (in order p = 0..k-1), added to C in double and rounded to float once. Used by tests.
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
        float* A, nint lda, float* B, nint ldb, float* C, nint ldc, bool accumulate, float* bias = null)
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
        // Non-transposed B is read in place (saves a k×n copy that small m cannot amortize) unless m is large
        // enough that a contiguous, alias-free panel pays for itself (e.g. ldb = 1024 puts B rows 4 KB apart).
        bool packAllB = transB || m >= 256;

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
                        else if (nr != w || packAllB)
                            PackBN(B + (nint)pc * ldb + jc + jr, ldb, kc, nr, w, pB + (nint)jr * kc);
                    }

                    for (int ir = 0; ir < m; ir += MR)
                    {
                        int mr = Math.Min(MR, m - ir);
                        // op(A)[ir:ir+8, pc:pc+kc] as a [kc,8] panel.
                        float* aPanel;
                        nint aStride;
                        bool rowA = false;
                        if (transA && mr == MR)
                        {
                            aPanel = A + (nint)pc * lda + ir; // Aᵀ rows already are panel rows
                            aStride = lda;
                        }
                        else if (!transA && mr == MR && unit == 16)
                        {
                            aPanel = A + (nint)ir * lda + pc; // kernel broadcasts straight from the 8 rows of A
                            aStride = lda;
                            rowA = true;
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
                            if (!packAllB && nr == w)
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
                                Kernel(w, rowA, kc, aPanel, aStride, bPanel, bStride, cTile, ldc, load);
                            }
                            else
                            {
                                // Ragged edge: full tile into scratch, copy the valid [mr,nr] corner.
                                Kernel(w, rowA, kc, aPanel, aStride, bPanel, bStride, tile, w, false);
                                StoreTile(tile, w, cTile, ldc, mr, nr, load);
                            }
                            if (bias != null && pc + kc == k) AddBiasToTile(cTile, ldc, mr, nr, bias + jc + jr);
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel(int w, bool rowA, int kc, float* a, nint aStride, float* b, nint bStride, float* c, nint ldc, bool load)
    {
        if (rowA)
        {
            switch (w)
            {
                case 48: Kernel512x48RowA(kc, a, aStride, b, bStride, c, ldc, load); break;
                case 32: Kernel512x32RowA(kc, a, aStride, b, bStride, c, ldc, load); break;
                default: Kernel512x16RowA(kc, a, aStride, b, bStride, c, ldc, load); break;
            }
            return;
        }
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
            if (Vector512.IsHardwareAccelerated)
                for (; j + 16 <= nr; j += 16) Vector512.Load(s + j).Store(d + j);
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

    /// <summary>C[mr,nr] (+)= tile[mr, 0..nr) for a ragged edge tile (tile row stride w); masked AVX-512 when available.</summary>
    private static void StoreTile(float* tile, int w, float* c, nint ldc, int mr, int nr, bool load)
    {
        for (int r = 0; r < mr; r++)
        {
            float* cr = c + r * ldc;
            float* tr = tile + r * w;
            int j = 0;
            if (Avx512F.IsSupported)
            {
                for (; j < nr; j += 16)
                {
                    // Lanes past nr are masked off: C's padding (ldc > n) and memory past the span stay untouched.
                    Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(nr - j)).AsSingle();
                    Vector512<float> v = Vector512.Load(tr + j);
                    if (load) v += Avx512F.MaskLoad(cr + j, mask, Vector512<float>.Zero);
                    Avx512F.MaskStore(cr + j, mask, v);
                }
            }
            else
            {
                if (load) for (; j < nr; j++) cr[j] += tr[j];
                else for (; j < nr; j++) cr[j] = tr[j];
            }
        }
    }

    /// <summary>
    /// m == 1 with row-major B (batch-1 inference): c[n] (+)= a[k]·B[k,n]. B streams once; 256 columns of
    /// accumulators (16 zmm) stay in registers across all of k, so nothing is packed. This is bound by L2→L1
    /// bandwidth (one B element per FMA), not by the FMA units. a is strided by aStride (1 for A, lda for Aᵀ).
    /// </summary>
    private static void GemvRow512(int n, int k, float* a, nint aStride, float* b, nint ldb, float* c, bool accumulate)
    {
        int j = 0;
        for (; j + 256 <= n; j += 256)
        {
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
            Vector512<float> c4 = default, c5 = default, c6 = default, c7 = default;
            Vector512<float> c8 = default, c9 = default, c10 = default, c11 = default;
            Vector512<float> c12 = default, c13 = default, c14 = default, c15 = default;
            float* bp = b + j;
            float* ap = a;
            for (int p = 0; p < k; p++)
            {
                Vector512<float> av = Vector512.Create(*ap);
                c0 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp), c0);
                c1 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 16), c1);
                c2 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 32), c2);
                c3 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 48), c3);
                c4 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 64), c4);
                c5 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 80), c5);
                c6 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 96), c6);
                c7 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 112), c7);
                c8 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 128), c8);
                c9 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 144), c9);
                c10 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 160), c10);
                c11 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 176), c11);
                c12 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 192), c12);
                c13 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 208), c13);
                c14 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 224), c14);
                c15 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 240), c15);
                ap += aStride;
                bp += ldb;
            }
            float* cp = c + j;
            if (accumulate)
            {
                c0 += Vector512.Load(cp); c1 += Vector512.Load(cp + 16); c2 += Vector512.Load(cp + 32); c3 += Vector512.Load(cp + 48);
                c4 += Vector512.Load(cp + 64); c5 += Vector512.Load(cp + 80); c6 += Vector512.Load(cp + 96); c7 += Vector512.Load(cp + 112);
                c8 += Vector512.Load(cp + 128); c9 += Vector512.Load(cp + 144); c10 += Vector512.Load(cp + 160); c11 += Vector512.Load(cp + 176);
                c12 += Vector512.Load(cp + 192); c13 += Vector512.Load(cp + 208); c14 += Vector512.Load(cp + 224); c15 += Vector512.Load(cp + 240);
            }
            c0.Store(cp); c1.Store(cp + 16); c2.Store(cp + 32); c3.Store(cp + 48);
            c4.Store(cp + 64); c5.Store(cp + 80); c6.Store(cp + 96); c7.Store(cp + 112);
            c8.Store(cp + 128); c9.Store(cp + 144); c10.Store(cp + 160); c11.Store(cp + 176);
            c12.Store(cp + 192); c13.Store(cp + 208); c14.Store(cp + 224); c15.Store(cp + 240);
        }
        // Then 128 and 64 columns at a time (e.g. the last, 128-column panel of a 3H = 384 GRU): a single chain per zmm
        // over all of k would be bound by FMA latency; several side by side keep the loads the limit.
        for (; j + 128 <= n; j += 128)
        {
            Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
            Vector512<float> c4 = default, c5 = default, c6 = default, c7 = default;
            float* bp = b + j;
            float* ap = a;
            for (int p = 0; p < k; p++)
            {
                Vector512<float> av = Vector512.Create(*ap);
                c0 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp), c0);
                c1 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 16), c1);
                c2 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 32), c2);
                c3 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 48), c3);
                c4 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 64), c4);
                c5 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 80), c5);
                c6 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 96), c6);
                c7 = Avx512F.FusedMultiplyAdd(av, Vector512.Load(bp + 112), c7);
                ap += aStride;
                bp += ldb;
            }
            float* cp = c + j;
            if (accumulate)
            {
                c0 += Vector512.Load(cp); c1 += Vector512.Load(cp + 16); c2 += Vector512.Load(cp + 32); c3 += Vector512.Load(cp + 48);
                c4 += Vector512.Load(cp + 64); c5 += Vector512.Load(cp + 80); c6 += Vector512.Load(cp + 96); c7 += Vector512.Load(cp + 112);
            }
            c0.Store(cp); c1.Store(cp + 16); c2.Store(cp + 32); c3.Store(cp + 48);
            c4.Store(cp + 64); c5.Store(cp + 80); c6.Store(cp + 96); c7.Store(cp + 112);
        }
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
            float* cp = c + j;
            if (accumulate) { c0 += Vector512.Load(cp); c1 += Vector512.Load(cp + 16); c2 += Vector512.Load(cp + 32); c3 += Vector512.Load(cp + 48); }
            c0.Store(cp); c1.Store(cp + 16); c2.Store(cp + 32); c3.Store(cp + 48);
        }
        for (; j < n; j += 16)
        {
            // 16-column chunks; the last one is masked so nothing past column n is read or written.
            Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(n - j)).AsSingle();
            Vector512<float> c0 = default;
            float* bp = b + j;
            float* ap = a;
            for (int p = 0; p < k; p++)
            {
                c0 = Avx512F.FusedMultiplyAdd(Vector512.Create(*ap), Avx512F.MaskLoad(bp, mask, Vector512<float>.Zero), c0);
                ap += aStride;
                bp += ldb;
            }
            if (accumulate) c0 += Avx512F.MaskLoad(c + j, mask, Vector512<float>.Zero);
            Avx512F.MaskStore(c + j, mask, c0);
        }
    }

    /// <summary>AVX2 version of <see cref="GemvRow512"/>: 64 columns (8 ymm) of accumulators, scalar tail.</summary>
    private static void GemvRow256(int n, int k, float* a, nint aStride, float* b, nint ldb, float* c, bool accumulate)
    {
        int j = 0;
        for (; j + 64 <= n; j += 64)
        {
            Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
            Vector256<float> c4 = default, c5 = default, c6 = default, c7 = default;
            float* bp = b + j;
            float* ap = a;
            for (int p = 0; p < k; p++)
            {
                Vector256<float> av = Vector256.Create(*ap);
                c0 = Fma.MultiplyAdd(av, Vector256.Load(bp), c0);
                c1 = Fma.MultiplyAdd(av, Vector256.Load(bp + 8), c1);
                c2 = Fma.MultiplyAdd(av, Vector256.Load(bp + 16), c2);
                c3 = Fma.MultiplyAdd(av, Vector256.Load(bp + 24), c3);
                c4 = Fma.MultiplyAdd(av, Vector256.Load(bp + 32), c4);
                c5 = Fma.MultiplyAdd(av, Vector256.Load(bp + 40), c5);
                c6 = Fma.MultiplyAdd(av, Vector256.Load(bp + 48), c6);
                c7 = Fma.MultiplyAdd(av, Vector256.Load(bp + 56), c7);
                ap += aStride;
                bp += ldb;
            }
            float* cp = c + j;
            if (accumulate)
            {
                c0 += Vector256.Load(cp); c1 += Vector256.Load(cp + 8); c2 += Vector256.Load(cp + 16); c3 += Vector256.Load(cp + 24);
                c4 += Vector256.Load(cp + 32); c5 += Vector256.Load(cp + 40); c6 += Vector256.Load(cp + 48); c7 += Vector256.Load(cp + 56);
            }
            c0.Store(cp); c1.Store(cp + 8); c2.Store(cp + 16); c3.Store(cp + 24);
            c4.Store(cp + 32); c5.Store(cp + 40); c6.Store(cp + 48); c7.Store(cp + 56);
        }
        for (; j + 8 <= n; j += 8)
        {
            Vector256<float> c0 = default;
            float* bp = b + j;
            float* ap = a;
            for (int p = 0; p < k; p++)
            {
                c0 = Fma.MultiplyAdd(Vector256.Create(*ap), Vector256.Load(bp), c0);
                ap += aStride;
                bp += ldb;
            }
            if (accumulate) c0 += Vector256.Load(c + j);
            c0.Store(c + j);
        }
        for (; j < n; j++)
        {
            // < 8 leftover columns: scalar FMA, same p order as the vector lanes.
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
