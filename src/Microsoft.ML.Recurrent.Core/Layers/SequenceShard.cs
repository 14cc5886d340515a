namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The shape of one batch shard: B rows sorted by length, longest first, padded to T steps. Sorting makes the rows
/// still running at step t a prefix 0..Active[t]-1 (PyTorch's packed-sequence trick), so each step's GEMM skips finished rows.
/// </summary>
internal readonly ref struct SequenceShard
{
    public readonly int Batch;
    public readonly int Steps;
    public readonly ReadOnlySpan<int> Lengths;  // [B], non-increasing
    public readonly ReadOnlySpan<int> Active;   // [T], rows with length > t

    public SequenceShard(int batch, int steps, ReadOnlySpan<int> lengths, ReadOnlySpan<int> active)
    {
        Batch = batch; Steps = steps; Lengths = lengths; Active = active;
    }

    /// <summary>Fills <paramref name="active"/>[t] = number of rows with length &gt; t; checks the non-increasing order.</summary>
    public static void CountActive(ReadOnlySpan<int> lengths, int steps, Span<int> active)
    {
        for (int b = 1; b < lengths.Length; b++)
            if (lengths[b] > lengths[b - 1]) throw new ArgumentException("Shard rows must be sorted by length, longest first.", nameof(lengths));
        int n = lengths.Length;
        for (int t = 0; t < steps; t++)
        {
            while (n > 0 && lengths[n - 1] <= t) n--;
            active[t] = n;
        }
    }
}
