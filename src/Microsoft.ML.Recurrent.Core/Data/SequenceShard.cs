using System.Numerics.Tensors;

namespace Microsoft.ML.Recurrent.Data;

/// <summary>
/// One batch shard, the unit every layer works on: B sequences sorted by length, longest first, padded to
/// T = max(1, Lengths[0]) steps, with their input (token ids, or F floats a step; sequence b at Offsets[b]) and
/// Active[t] = the rows still running at step t. Sorting makes those rows a prefix 0..Active[t]−1 (PyTorch's
/// packed-sequence trick), so each step's GEMM skips finished rows; the step helpers below handle the rest.
/// Buffers laid out by time are [T, B, width], by slot (states) [T+1, B, H].
/// </summary>
internal readonly ref struct SequenceShard
{
    public readonly ReadOnlySpan<int> Lengths;   // [B], non-increasing
    public readonly ReadOnlySpan<int> Offsets;   // [B] into Tokens or Features
    public readonly ReadOnlySpan<int> Tokens;
    public readonly ReadOnlySpan<float> Features;
    public readonly ReadOnlySpan<int> Active;    // [T]

    public SequenceShard(ReadOnlySpan<int> lengths, ReadOnlySpan<int> offsets, ReadOnlySpan<int> tokens, ReadOnlySpan<float> features, ReadOnlySpan<int> active)
    {
        Lengths = lengths; Offsets = offsets; Tokens = tokens; Features = features; Active = active;
    }

    public int Batch => Lengths.Length;
    public int Steps => StepsOf(Lengths);

    /// <summary>T of a shard with these (sorted) lengths: the longest, at least 1.</summary>
    public static int StepsOf(ReadOnlySpan<int> lengths) => lengths.IsEmpty ? 0 : Math.Max(1, lengths[0]);

    /// <summary>Fills <paramref name="active"/>[t] = number of rows with length &gt; t; checks the non-increasing order.</summary>
    public static void CountActive(ReadOnlySpan<int> lengths, Span<int> active)
    {
        for (int b = 1; b < lengths.Length; b++)
            if (lengths[b] > lengths[b - 1]) throw new ArgumentException("Shard rows must be sorted by length, longest first.", nameof(lengths));
        int n = lengths.Length;
        for (int t = 0; t < StepsOf(lengths); t++)
        {
            while (n > 0 && lengths[n - 1] <= t) n--;
            active[t] = n;
        }
    }

    /// <summary>A shard over caller-held input, counting its active rows into a new array (tests and one-off callers).</summary>
    public static SequenceShard Create(ReadOnlySpan<int> lengths, ReadOnlySpan<int> offsets, ReadOnlySpan<int> tokens, ReadOnlySpan<float> features)
    {
        var active = new int[StepsOf(lengths)];
        CountActive(lengths, active);
        return new SequenceShard(lengths, offsets, tokens, features, active);
    }

    // ---- Step helpers: what every cell's time loop does around its own arithmetic. ----

    /// <summary>Real time of the <paramref name="step"/>-th step a direction takes.</summary>
    public int Time(int step, bool reverse) => reverse ? Steps - 1 - step : step;

    /// <summary>
    /// Slot the step at time t reads its previous state from, and the slot it writes: the forward direction reads
    /// t and writes t+1, the reverse direction reads t+1 and writes t, so either way the T "previous" states are
    /// contiguous and the W_hh gradient is one GEMM.
    /// </summary>
    public static (int Prev, int Cur) Slots(int t, bool reverse) => reverse ? (t + 1, t) : (t, t + 1);

    /// <summary>Rows [active, B) of a [B, width] step buffer keep <paramref name="prev"/> (finished, or in reverse not yet started, rows hold their state).</summary>
    public void HoldInactive(Span<float> cur, ReadOnlySpan<float> prev, int active, int width)
        => prev.Slice(active * width, (Batch - active) * width).CopyTo(cur.Slice(active * width));

    /// <summary>Rows [active, B) of a [B, width] step buffer get no gradient.</summary>
    public void ClearInactive(Span<float> step, int active, int width)
        => step.Slice(active * width, (Batch - active) * width).Clear();

    /// <summary>y[t, b, offset..offset+H) = h[b] for the active rows, zeros for the padded ones (y is [T, B, width]).</summary>
    public void EmitOutput(Span<float> y, ReadOnlySpan<float> h, int t, int active, int hidden, int width, int offset)
    {
        int B = Batch;
        for (int b = 0; b < B; b++)
        {
            Span<float> dst = y.Slice((t * B + b) * width + offset, hidden);
            if (b < active) h.Slice(b * hidden, hidden).CopyTo(dst);
            else dst.Clear();
        }
    }

    /// <summary>dh[b] += dy[t, b, offset..offset+H) for the active rows (nothing when dy is empty).</summary>
    public void AddOutputGradient(Span<float> dh, ReadOnlySpan<float> dy, int t, int active, int hidden, int width, int offset)
    {
        if (dy.IsEmpty) return;
        for (int b = 0; b < active; b++)
        {
            Span<float> row = dh.Slice(b * hidden, hidden);
            TensorPrimitives.Add(row, dy.Slice((t * Batch + b) * width + offset, hidden), row);
        }
    }
}
