using System.Runtime.CompilerServices;
using Microsoft.ML.Recurrent.Kernels;

namespace Microsoft.ML.Recurrent.Model;

/// <summary>
/// W_hh of one direction in int8 for <see cref="InferencePrecision.Int8"/>: built once per predictor from the fp32
/// weights, read by <see cref="Int8Gemv"/>. Symmetric per output row: q[o, k] = round(W[o, k] / s_o) in [−127, 127]
/// with s_o = max_k |W[o, k]| / 127. Also kept per output: 128·Σ_k q[o, k], the correction for the activations'
/// +128 offset (they go in as unsigned bytes, <see cref="Int8Gemv.QuantizeRow"/>).
/// </summary>
/// <remarks>
/// Layout. The outputs are cut into segments, each the column range of one <c>RecurrentLayer.HiddenProduct</c> call
/// (the whole G·H, or for GRU reset-before [0, 2H) and [2H, 3H)), each padded to a multiple of 8 outputs. A segment is
/// stored as panels of 128, then 32, then 8 outputs; a panel of width w holds [Kp/4][w][4] bytes (Kp = the inner size
/// rounded up to 4, padding zero), so one 32-byte load is 8 outputs × 4 inputs, the operand of one <c>vpdpbusd</c>, and
/// a panel streams contiguously as the inner index grows. Padded output o of a panel starting at padded output j0
/// sits at byte j0·Kp + p·4w + (o − j0)·4 + (k mod 4) for k = 4p + (k mod 4). The bytes start 64-byte aligned
/// (pinned array) so no load splits a cache line.
/// </remarks>
internal sealed unsafe class QuantizedRecurrentWeights
{
    /// <summary>One column range of the product: real outputs [Start, Start+Count) at padded outputs [PaddedStart, PaddedStart+PaddedCount).</summary>
    internal readonly record struct Segment(int Start, int Count, int PaddedStart, int PaddedCount);

    private readonly sbyte[] _storage;   // pinned; Weights points 64-byte aligned into it
    private readonly float[] _scales;      // [padded outputs] s_o (0 for padding)
    private readonly int[] _corrections;   // [padded outputs] 128·Σ_k q[o, k]

    /// <summary>Inputs per output (H, or a Jordan cell's output size R).</summary>
    public int Inner { get; }
    /// <summary><see cref="Inner"/> rounded up to a multiple of 4.</summary>
    public int InnerPadded { get; }
    public Segment[] Segments { get; }
    public int PaddedOutputs { get; }
    public sbyte* Weights { get; }
    public ReadOnlySpan<float> Scales => _scales;
    public ReadOnlySpan<int> Corrections => _corrections;

    /// <summary>
    /// Quantizes <paramref name="w"/> [N, K] (row o = output o, PyTorch's W_hh layout) into segments
    /// (start, count) that tile [0, N) in order.
    /// </summary>
    public QuantizedRecurrentWeights(ReadOnlySpan<float> w, int outputs, int inner, ReadOnlySpan<(int Start, int Count)> segments)
    {
        if (w.Length != (long)outputs * inner) throw new ArgumentException($"Expected {outputs} × {inner} weights; got {w.Length}.", nameof(w));
        Inner = inner;
        InnerPadded = (inner + 3) / 4 * 4;
        Segments = new Segment[segments.Length];
        int padded = 0, next = 0;
        for (int s = 0; s < segments.Length; s++)
        {
            var (start, count) = segments[s];
            if (start != next || count <= 0) throw new ArgumentException("Segments must tile the outputs in order.", nameof(segments));
            int pc = (count + 7) / 8 * 8;
            Segments[s] = new Segment(start, count, padded, pc);
            padded += pc;
            next = start + count;
        }
        if (next != outputs) throw new ArgumentException("Segments must tile the outputs in order.", nameof(segments));
        PaddedOutputs = padded;
        _scales = new float[padded];
        _corrections = new int[padded];
        _storage = GC.AllocateArray<sbyte>(padded * InnerPadded + 64, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref _storage[0]);
        Weights = (sbyte*)((address + 63) & ~(nint)63);

        foreach (var seg in Segments)
            for (int j = 0; j < seg.PaddedCount;)
            {
                int width = Int8Gemv.PanelWidth(seg.PaddedCount - j);
                sbyte* panel = Weights + (long)(seg.PaddedStart + j) * InnerPadded;   // [Kp/4][width][4]
                for (int o = j; o < Math.Min(j + width, seg.Count); o++)
                    QuantizeRow(w.Slice((seg.Start + o) * inner, inner), seg.Start + o, seg.PaddedStart + o, panel + 4 * (o - j), 4 * width);
                j += width;
            }
    }

    /// <summary>One output row into its panel column (bytes 4p·… apart by <paramref name="stride"/>), its scale and correction.</summary>
    private void QuantizeRow(ReadOnlySpan<float> row, int output, int paddedOutput, sbyte* column, int stride)
    {
        float max = 0;
        foreach (float v in row) max = Math.Max(max, Math.Abs(v));
        if (!float.IsFinite(max)) throw new ArgumentException($"Weight row {output} of W_hh holds {max}; int8 scoring needs finite weights.", "w");
        if (max == 0) return;   // an all-zero row: q = 0, scale 0
        _scales[paddedOutput] = max / 127f;
        int sum = 0;
        for (int k = 0; k < row.Length; k++)
        {
            int q = (int)Math.Clamp(Math.Round(row[k] * 127.0 / max, MidpointRounding.ToEven), -127, 127);
            column[(long)(k / 4) * stride + (k & 3)] = (sbyte)q;
            sum += q;
        }
        _corrections[paddedOutput] = 128 * sum;
    }

    /// <summary>The byte of padded output <paramref name="paddedOutput"/> and input k in <see cref="Weights"/>.</summary>
    public long Offset(int paddedOutput, int k)
    {
        foreach (var seg in Segments)
        {
            if (paddedOutput >= seg.PaddedStart + seg.PaddedCount) continue;
            int j = 0;   // panel start within the segment
            while (true)
            {
                int width = Int8Gemv.PanelWidth(seg.PaddedCount - j);
                if (paddedOutput - seg.PaddedStart < j + width)
                {
                    long j0 = seg.PaddedStart + j;
                    return j0 * InnerPadded + (long)(k / 4) * 4 * width + (paddedOutput - j0) * 4 + (k & 3);
                }
                j += width;
            }
        }
        throw new ArgumentOutOfRangeException(nameof(paddedOutput));
    }

    /// <summary>The quantized weight of real output o and input k.</summary>
    public sbyte Weight(int output, int k) => Weights[Offset(PaddedIndex(output), k)];

    /// <summary>The padded index of real output o.</summary>
    public int PaddedIndex(int output)
    {
        foreach (var seg in Segments)
            if (output < seg.Start + seg.Count) return seg.PaddedStart + output - seg.Start;
        throw new ArgumentOutOfRangeException(nameof(output));
    }

    /// <summary>The segments of a cell's recurrent products: see <see cref="RecurrentArchitecture"/>'s cell and reset mode.</summary>
    public static (int Start, int Count)[] SegmentsOf(RecurrentArchitecture a)
    {
        int H = a.HiddenSize, gh = a.GateCount * H;
        // GRU reset-before multiplies h by W_h(r|z) and r∘h by W_hn: two products a step.
        return a.Cell == RecurrentCellType.Gru && a.GruReset == GruResetMode.BeforeRecurrentProduct ? [(0, 2 * H), (2 * H, H)] : [(0, gh)];
    }
}
