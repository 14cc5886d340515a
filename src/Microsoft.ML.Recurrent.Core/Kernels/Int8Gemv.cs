using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Recurrent.Model;

namespace Microsoft.ML.Recurrent.Kernels;

/// <summary>
/// The recurrent product h·W_hhᵀ of <see cref="InferencePrecision.Int8"/>, four rows at a time where it can (each
/// weight load then feeds four rows' sums), else one: each row of h is quantized to unsigned bytes with its own scale (max |h|, so any activation range works: tanh, ReLU, a Jordan cell's outputs),
/// multiplied with the int8 weights of <see cref="QuantizedRecurrentWeights"/> into int32 sums by AVX-VNNI
/// (<c>vpdpbusd</c>: 8 outputs × 4 inputs a 256-bit instruction), then scaled back to float:
/// <code>
///   u[k]   = round(h[k] · 127 / max|h|) + 128                 (1..255; round half to even)
///   acc[o] = Σ_k u[k] · q[o, k] − 128 · Σ_k q[o, k]            (exact int32: |acc| ≤ 255·127·K)
///   out[o] (+)= (float)acc[o] · (s_o · max|h| / 127)
/// </code>
/// The integer part is exact, so every path (VNNI, the scalar fallback for CPUs without it) gives the same int32
/// sums; the float steps are the same operations in the same order in the vector and scalar code, so the results
/// are bit-identical however a row is computed (tested against a scalar reference).
/// Why int8 and not bf16: docs/performance.md, "Reduced precision" (the GEMV is compute-bound at a quarter of the
/// fp32 bytes; bf16 halves the bytes but needs a shift and a mask per pair of weights before the fp32 FMAs).
/// </summary>
internal static unsafe class Int8Gemv
{
    /// <summary>Widest panel: 16 accumulators of 8 outputs.</summary>
    public const int MaxPanel = 128;

    /// <summary>Width of the next panel when <paramref name="remaining"/> (a multiple of 8) outputs are left: 128, 32 or 8.</summary>
    public static int PanelWidth(int remaining) => remaining >= 128 ? 128 : remaining >= 32 ? 32 : 8;

    /// <summary>Below this max |h| a row counts as zero (127 / max would overflow); its product is then exactly 0.</summary>
    private const float Tiny = 1e-30f;

    /// <summary>
    /// out[r, 0..cols) (+)= h[r, K] · W_hhᵀ[K, colStart..colStart+cols) for rows r &lt; n (out rows ldc apart): the
    /// int8 form of <c>RecurrentLayer.HiddenProduct</c>. [colStart, colStart+cols) must be one of the weights' segments.
    /// </summary>
    [SkipLocalsInit]
    public static void Product(int n, int colStart, int cols, ReadOnlySpan<float> h, int inner, QuantizedRecurrentWeights w,
        Span<float> output, int ldc, bool accumulate)
    {
        if (inner != w.Inner) throw new ArgumentException($"h rows hold {inner} values; the weights expect {w.Inner}.", nameof(inner));
        int segment = -1;
        for (int s = 0; s < w.Segments.Length; s++)
            if (w.Segments[s].Start == colStart && w.Segments[s].Count == cols) segment = s;
        if (segment < 0) throw new InvalidOperationException($"Columns [{colStart}, {colStart + cols}) are not a segment of the int8 weights.");
        if (h.Length < (long)n * inner) throw new ArgumentException($"Expected {n} × {inner} values of h; got {h.Length}.", nameof(h));
        if (n > 0 && output.Length < (long)(n - 1) * ldc + cols) throw new ArgumentException($"Output too short for {n} rows of {cols} (ldc {ldc}).", nameof(output));
        int kp = w.InnerPadded;
        var seg = w.Segments[segment];
        int* acc = stackalloc int[Rows * MaxPanel];
        int r = 0;
        if (AvxVnni.IsSupported && n >= Rows && kp <= MaxGroupInner)
        {
            // Four rows at a time: each weight vector loaded once feeds four rows' sums.
            byte* q4 = stackalloc byte[Rows * kp];
            float* scales = stackalloc float[Rows];
            for (; r + Rows <= n; r += Rows)
            {
                bool all = true;
                for (int i = 0; i < Rows; i++)
                {
                    scales[i] = QuantizeRow(h.Slice((r + i) * inner, inner), new Span<byte>(q4 + i * kp, kp));
                    all &= scales[i] != 0 && !float.IsNaN(scales[i]);
                }
                if (all) GroupProduct(q4, w, seg, scales, output.Slice(r * ldc), ldc, acc, accumulate);
                else
                    for (int i = 0; i < Rows; i++) FinishRow(q4 + i * kp, scales[i], w, seg, output.Slice((r + i) * ldc, cols), acc, accumulate);
            }
        }
        byte* q = stackalloc byte[kp];   // K ≤ 8192 (HiddenSize's limit): at most 8 KB
        for (; r < n; r++)
        {
            float scale = QuantizeRow(h.Slice(r * inner, inner), new Span<byte>(q, kp));
            FinishRow(q, scale, w, seg, output.Slice(r * ldc, cols), acc, accumulate);
        }
    }

    /// <summary>Rows <see cref="Product"/> runs together (sharing each weight load).</summary>
    private const int Rows = 4;

    /// <summary>Longest padded h row the four-row path quantizes on the stack (4 × 2 KB); longer rows go one at a time.</summary>
    private const int MaxGroupInner = 2048;

    /// <summary>One row's product from its quantized h: zero, NaN, or the integer sums scaled back.</summary>
    private static void FinishRow(byte* q, float scale, QuantizedRecurrentWeights w, QuantizedRecurrentWeights.Segment seg, Span<float> o, int* acc, bool accumulate)
    {
        if (scale == 0) { if (!accumulate) o.Clear(); return; }          // h = 0: the product is exactly 0
        if (float.IsNaN(scale)) { o.Fill(float.NaN); return; }          // h not finite: so is the result
        RowProduct(q, w, seg, scale, o, acc, accumulate);
    }

    /// <summary>
    /// Four rows (quantized h at q4 + i·kp, every scale finite and nonzero): each panel's integer sums for all four, then
    /// each row scaled back as <see cref="RowProduct"/> does. The sums are exact, so the results equal one row at a time.
    /// </summary>
    private static void GroupProduct(byte* q4, QuantizedRecurrentWeights w, QuantizedRecurrentWeights.Segment seg, float* scales, Span<float> output, int ldc,
        int* acc, bool accumulate)
    {
        int kp = w.InnerPadded, kq = kp / 4;
        fixed (float* weightScales = w.Scales)
        fixed (int* corrections = w.Corrections)
        fixed (float* o = output)
            for (int j = 0; j < seg.PaddedCount;)
            {
                int width = PanelWidth(seg.PaddedCount - j), p0 = seg.PaddedStart + j;
                sbyte* panel = w.Weights + (long)p0 * kp;
                for (int c = 0; c < width; c += width >= 32 ? 32 : 8)
                {
                    if (width >= 32) Panel4x32(q4, kp, kq, panel + 4 * c, 4 * width, acc + c);
                    else Panel4x8(q4, kp, kq, panel + 4 * c, 4 * width, acc + c);
                }
                for (int i = 0; i < Rows; i++)
                    Dequantize(acc + i * MaxPanel, width, corrections + p0, weightScales + p0, scales[i], o + (long)i * ldc + j,
                        Math.Min(width, seg.Count - j), accumulate);
                j += width;
            }
    }

    /// <summary>
    /// acc[i·MaxPanel + 0..32) = Σ_p Σ_b u_i[4p+b]·w[p][o][b] for the four rows u_i = q4 + i·kp: 32 outputs of a panel whose
    /// rows of 4-byte groups are <paramref name="stride"/> bytes apart. 16 accumulators, four weight loads and four
    /// broadcasts per 16 <c>vpdpbusd</c>, so the loop is bound by the instruction, not by loads.
    /// </summary>
    private static void Panel4x32(byte* q4, int kp, int kq, sbyte* w, int stride, int* acc)
    {
        Vector256<int> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<int> c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        byte* q0 = q4, q1 = q4 + kp, q2 = q4 + 2 * kp, q3 = q4 + 3 * kp;
        for (int p = 0; p < kq; p++)
        {
            Vector256<sbyte> b0 = Vector256.Load(w), b1 = Vector256.Load(w + 32), b2 = Vector256.Load(w + 64), b3 = Vector256.Load(w + 96);
            Vector256<byte> a0 = Vector256.Create(*(int*)(q0 + 4 * p)).AsByte(), a1 = Vector256.Create(*(int*)(q1 + 4 * p)).AsByte();
            Vector256<byte> a2 = Vector256.Create(*(int*)(q2 + 4 * p)).AsByte(), a3 = Vector256.Create(*(int*)(q3 + 4 * p)).AsByte();
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, a0, b0); c01 = AvxVnni.MultiplyWideningAndAdd(c01, a0, b1);
            c02 = AvxVnni.MultiplyWideningAndAdd(c02, a0, b2); c03 = AvxVnni.MultiplyWideningAndAdd(c03, a0, b3);
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, a1, b0); c11 = AvxVnni.MultiplyWideningAndAdd(c11, a1, b1);
            c12 = AvxVnni.MultiplyWideningAndAdd(c12, a1, b2); c13 = AvxVnni.MultiplyWideningAndAdd(c13, a1, b3);
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, a2, b0); c21 = AvxVnni.MultiplyWideningAndAdd(c21, a2, b1);
            c22 = AvxVnni.MultiplyWideningAndAdd(c22, a2, b2); c23 = AvxVnni.MultiplyWideningAndAdd(c23, a2, b3);
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, a3, b0); c31 = AvxVnni.MultiplyWideningAndAdd(c31, a3, b1);
            c32 = AvxVnni.MultiplyWideningAndAdd(c32, a3, b2); c33 = AvxVnni.MultiplyWideningAndAdd(c33, a3, b3);
            w += stride;
        }
        c00.Store(acc); c01.Store(acc + 8); c02.Store(acc + 16); c03.Store(acc + 24);
        c10.Store(acc + MaxPanel); c11.Store(acc + MaxPanel + 8); c12.Store(acc + MaxPanel + 16); c13.Store(acc + MaxPanel + 24);
        c20.Store(acc + 2 * MaxPanel); c21.Store(acc + 2 * MaxPanel + 8); c22.Store(acc + 2 * MaxPanel + 16); c23.Store(acc + 2 * MaxPanel + 24);
        c30.Store(acc + 3 * MaxPanel); c31.Store(acc + 3 * MaxPanel + 8); c32.Store(acc + 3 * MaxPanel + 16); c33.Store(acc + 3 * MaxPanel + 24);
    }

    /// <summary>As <see cref="Panel4x32"/> for 8 outputs (the narrow last panel): one weight load feeds four rows.</summary>
    private static void Panel4x8(byte* q4, int kp, int kq, sbyte* w, int stride, int* acc)
    {
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < kq; p++)
        {
            Vector256<sbyte> b = Vector256.Load(w);
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, Vector256.Create(*(int*)(q4 + 4 * p)).AsByte(), b);
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, Vector256.Create(*(int*)(q4 + kp + 4 * p)).AsByte(), b);
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, Vector256.Create(*(int*)(q4 + 2 * kp + 4 * p)).AsByte(), b);
            c3 = AvxVnni.MultiplyWideningAndAdd(c3, Vector256.Create(*(int*)(q4 + 3 * kp + 4 * p)).AsByte(), b);
            w += stride;
        }
        c0.Store(acc); c1.Store(acc + MaxPanel); c2.Store(acc + 2 * MaxPanel); c3.Store(acc + 3 * MaxPanel);
    }

    /// <summary>
    /// u[k] = round(h[k]·127/max|h|) + 128 into <paramref name="q"/> (padding up to its length: 128, i.e. zero);
    /// returns max|h|/127, 0 when max|h| &lt; 1e-30 (h counts as zero), NaN when h holds a NaN or ±∞.
    /// </summary>
    public static float QuantizeRow(ReadOnlySpan<float> h, Span<byte> q)
    {
        float max = h.IsEmpty ? 0 : Math.Abs(TensorPrimitives.MaxMagnitude(h));
        if (!float.IsFinite(max)) return float.NaN;
        if (max < Tiny) return 0;
        float inv = 127f / max;
        int k = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            var vinv = Vector512.Create(inv);
            var offset = Vector512.Create(128);
            fixed (float* hp = h)
            fixed (byte* qp = q)
                for (; k + 16 <= h.Length; k += 16)
                {
                    // Round (half to even) then convert the integral value: the same as MathF.Round in the tail.
                    Vector512<int> u = Vector512.ConvertToInt32Native(Vector512.Round(Vector512.Load(hp + k) * vinv)) + offset;
                    Avx512F.ConvertToVector128Byte(u).Store(qp + k);
                }
        }
        for (; k < h.Length; k++) q[k] = (byte)((int)MathF.Round(h[k] * inv) + 128);
        q[h.Length..].Fill(128);
        return max / 127f;
    }

    /// <summary>One row: every panel of the segment into int32 sums, then scaled into the row's outputs.</summary>
    private static void RowProduct(byte* q, QuantizedRecurrentWeights w, QuantizedRecurrentWeights.Segment seg, float scale, Span<float> output, int* acc, bool accumulate)
    {
        int kp = w.InnerPadded;
        fixed (float* scales = w.Scales)
        fixed (int* corrections = w.Corrections)
        fixed (float* o = output)
            for (int j = 0; j < seg.PaddedCount;)
            {
                int width = PanelWidth(seg.PaddedCount - j), p0 = seg.PaddedStart + j;
                Panel(q, kp / 4, w.Weights + (long)p0 * kp, width, acc);
                Dequantize(acc, width, corrections + p0, scales + p0, scale, o + j, Math.Min(width, seg.Count - j), accumulate);
                j += width;
            }
    }

    /// <summary>acc[0..width) = Σ_p Σ_b u[4p+b]·panel[p][o][b] over a [kq][width][4] panel (width 128, 32 or 8).</summary>
    public static void Panel(byte* q, int kq, sbyte* panel, int width, int* acc)
    {
        if (!AvxVnni.IsSupported) { PanelReference(q, kq, panel, width, acc); return; }
        if (width == 128) Panel128(q, kq, panel, acc);
        else if (width == 32) Panel32(q, kq, panel, acc);
        else Panel8(q, kq, panel, acc);
    }

    /// <summary>The same sums in scalar code: the fallback without AVX-VNNI and the tests' reference.</summary>
    public static void PanelReference(byte* q, int kq, sbyte* panel, int width, int* acc)
    {
        for (int o = 0; o < width; o++)
        {
            int sum = 0;
            for (int p = 0; p < kq; p++)
                for (int b = 0; b < 4; b++) sum += q[4 * p + b] * panel[(long)p * 4 * width + 4 * o + b];
            acc[o] = sum;
        }
    }

    private static void Panel128(byte* q, int kq, sbyte* w, int* acc)
    {
        // 16 independent chains of vpdpbusd over the inner index: the loop is bound by the instruction's throughput
        // (512 bytes of weights per step of p), not by its latency.
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector256<int> c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        for (int p = 0; p < kq; p++)
        {
            Vector256<byte> a = Vector256.Create(*(int*)(q + 4 * p)).AsByte();
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, a, Vector256.Load(w));
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, a, Vector256.Load(w + 32));
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, a, Vector256.Load(w + 64));
            c3 = AvxVnni.MultiplyWideningAndAdd(c3, a, Vector256.Load(w + 96));
            c4 = AvxVnni.MultiplyWideningAndAdd(c4, a, Vector256.Load(w + 128));
            c5 = AvxVnni.MultiplyWideningAndAdd(c5, a, Vector256.Load(w + 160));
            c6 = AvxVnni.MultiplyWideningAndAdd(c6, a, Vector256.Load(w + 192));
            c7 = AvxVnni.MultiplyWideningAndAdd(c7, a, Vector256.Load(w + 224));
            c8 = AvxVnni.MultiplyWideningAndAdd(c8, a, Vector256.Load(w + 256));
            c9 = AvxVnni.MultiplyWideningAndAdd(c9, a, Vector256.Load(w + 288));
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, a, Vector256.Load(w + 320));
            c11 = AvxVnni.MultiplyWideningAndAdd(c11, a, Vector256.Load(w + 352));
            c12 = AvxVnni.MultiplyWideningAndAdd(c12, a, Vector256.Load(w + 384));
            c13 = AvxVnni.MultiplyWideningAndAdd(c13, a, Vector256.Load(w + 416));
            c14 = AvxVnni.MultiplyWideningAndAdd(c14, a, Vector256.Load(w + 448));
            c15 = AvxVnni.MultiplyWideningAndAdd(c15, a, Vector256.Load(w + 480));
            w += 512;
        }
        c0.Store(acc); c1.Store(acc + 8); c2.Store(acc + 16); c3.Store(acc + 24);
        c4.Store(acc + 32); c5.Store(acc + 40); c6.Store(acc + 48); c7.Store(acc + 56);
        c8.Store(acc + 64); c9.Store(acc + 72); c10.Store(acc + 80); c11.Store(acc + 88);
        c12.Store(acc + 96); c13.Store(acc + 104); c14.Store(acc + 112); c15.Store(acc + 120);
    }

    private static void Panel32(byte* q, int kq, sbyte* w, int* acc)
    {
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < kq; p++)
        {
            Vector256<byte> a = Vector256.Create(*(int*)(q + 4 * p)).AsByte();
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, a, Vector256.Load(w));
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, a, Vector256.Load(w + 32));
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, a, Vector256.Load(w + 64));
            c3 = AvxVnni.MultiplyWideningAndAdd(c3, a, Vector256.Load(w + 96));
            w += 128;
        }
        c0.Store(acc); c1.Store(acc + 8); c2.Store(acc + 16); c3.Store(acc + 24);
    }

    private static void Panel8(byte* q, int kq, sbyte* w, int* acc)
    {
        // Two chains (even and odd p) so the last, narrow panel is not bound by vpdpbusd's latency alone.
        Vector256<int> c0 = default, c1 = default;
        int p = 0;
        for (; p + 2 <= kq; p += 2)
        {
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, Vector256.Create(*(int*)(q + 4 * p)).AsByte(), Vector256.Load(w));
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, Vector256.Create(*(int*)(q + 4 * p + 4)).AsByte(), Vector256.Load(w + 32));
            w += 64;
        }
        if (p < kq) c0 = AvxVnni.MultiplyWideningAndAdd(c0, Vector256.Create(*(int*)(q + 4 * p)).AsByte(), Vector256.Load(w));
        (c0 + c1).Store(acc);
    }

    /// <summary>
    /// out[i] (+)= (float)(acc[i] − correction[i]) · (scales[i]·hScale) for i &lt; <paramref name="real"/> (the
    /// panel's outputs that exist; the rest are padding). 8 at a time, the last partial group lane by lane with the
    /// same operations.
    /// </summary>
    private static void Dequantize(int* acc, int width, int* correction, float* scales, float hScale, float* output, int real, bool accumulate)
    {
        var hs = Vector256.Create(hScale);
        int i = 0;
        for (; i + 8 <= real; i += 8)
        {
            Vector256<float> v = Vector256.ConvertToSingle(Vector256.Load(acc + i) - Vector256.Load(correction + i)) * (Vector256.Load(scales + i) * hs);
            if (accumulate) v = Vector256.Load(output + i) + v;
            v.Store(output + i);
        }
        for (; i < real; i++)
        {
            float v = (float)(acc[i] - correction[i]) * (scales[i] * hScale);
            output[i] = accumulate ? output[i] + v : v;
        }
    }
}
