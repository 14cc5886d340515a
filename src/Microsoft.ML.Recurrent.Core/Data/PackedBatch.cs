namespace Microsoft.ML.Recurrent;

/// <summary>
/// A mini-batch gathered from a <see cref="SequenceDataset"/>: rows sorted longest first (ties by position, so the
/// order is deterministic), their values copied contiguously, and per-row labels and loss weights.
/// Buffers are reused across batches.
/// </summary>
internal sealed class PackedBatch
{
    public int Count;
    public int[] Order = [];      // dataset index of each sorted row
    public int[] Lengths = [];
    public int[] Offsets = [];
    public int[] Labels = [];
    public float[] Weights = [];
    public int[] Tokens = [];
    public float[] Features = [];
    private long[] _keys = [];

    /// <summary>Gathers <paramref name="indices"/>; row weight = example weight × class weight (if any).</summary>
    public void Pack(SequenceDataset data, ReadOnlySpan<int> indices, ReadOnlySpan<float> classWeights)
    {
        int n = indices.Length;
        Count = n;
        Grow(ref _keys, n); Grow(ref Order, n); Grow(ref Lengths, n); Grow(ref Offsets, n); Grow(ref Labels, n); Grow(ref Weights, n);
        // Sort key: length descending, then position ascending — one primitive sort, no comparer allocation.
        for (int i = 0; i < n; i++) _keys[i] = ((long)(int.MaxValue - data.LengthOf(indices[i])) << 32) | (uint)i;
        _keys.AsSpan(0, n).Sort();
        int f = Math.Max(1, data.FeaturesPerStep);
        long total = 0;
        for (int r = 0; r < n; r++)
        {
            int idx = indices[(int)(_keys[r] & 0xFFFFFFFF)];
            Order[r] = idx;
            Lengths[r] = data.LengthOf(idx);
            Offsets[r] = (int)total;
            total += (long)Lengths[r] * f;
            Labels[r] = data.Labels[idx];
            float cw = classWeights.IsEmpty ? 1f : classWeights[data.Labels[idx]];
            Weights[r] = data.Weights[idx] * cw;
        }
        if (data.Kind == SequenceInputKind.Tokens)
        {
            Grow(ref Tokens, (int)total);
            for (int r = 0; r < n; r++) data.Tokens.AsSpan(data.OffsetOf(Order[r]), Lengths[r]).CopyTo(Tokens.AsSpan(Offsets[r]));
        }
        else
        {
            Grow(ref Features, (int)total);
            for (int r = 0; r < n; r++) data.Features.AsSpan(data.OffsetOf(Order[r]), Lengths[r] * f).CopyTo(Features.AsSpan(Offsets[r]));
        }
    }

    /// <summary>Rows [start, start+count) as one shard (still sorted, so it is a valid <see cref="ShardInput"/>).</summary>
    public ShardInput Shard(int start, int count)
        => new(Lengths.AsSpan(start, count), Offsets.AsSpan(start, count), Tokens, Features);

    public float TotalWeight()
    {
        double s = 0;
        for (int i = 0; i < Count; i++) s += Weights[i];
        return (float)s;
    }

    private static void Grow<T>(ref T[] a, int n)
    {
        if (a.Length < n) a = new T[Math.Max(n, a.Length * 2)];
    }
}
