namespace Microsoft.ML.Recurrent.Training;

/// <summary>The order in which one epoch visits the training sequences.</summary>
internal static class EpochPlanner
{
    /// <summary>
    /// Shuffles the sequence order for one epoch. With bucketing, pools of 50 batches are sorted by length and cut
    /// into batches, and the batches are shuffled: batches hold similar lengths yet the epoch order stays random.
    /// </summary>
    public static void Plan(int[] order, SequenceDataset train, int batchSize, bool bucket, int seed, int epoch)
    {
        var rng = new SplitMix64(SplitMix64.Hash((ulong)(uint)seed * 0x100000001UL + (ulong)epoch));
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Shuffle(order, ref rng);
        if (!bucket) return;
        int B = batchSize, pool = B * 50;
        var keys = new long[Math.Min(pool, order.Length)];
        var segment = new int[keys.Length];
        for (int start = 0; start < order.Length; start += pool)
        {
            int m = Math.Min(pool, order.Length - start);
            order.AsSpan(start, m).CopyTo(segment);
            // Ties keep their shuffled position (not their dataset index), so equal lengths stay shuffled.
            for (int i = 0; i < m; i++) keys[i] = ((long)train.LengthOf(segment[i]) << 32) | (uint)i;
            keys.AsSpan(0, m).Sort();
            for (int i = 0; i < m; i++) order[start + i] = segment[(int)(keys[i] & 0xFFFFFFFF)];
        }
        // Shuffle whole batches (the last, short one included).
        int batches = (order.Length + B - 1) / B;
        var perm = new int[batches];
        for (int i = 0; i < batches; i++) perm[i] = i;
        Shuffle(perm, ref rng);
        var copy = (int[])order.Clone();
        int pos = 0;
        foreach (int b in perm)
        {
            int s = b * B, len = Math.Min(B, order.Length - s);
            Array.Copy(copy, s, order, pos, len);
            pos += len;
        }
    }

    private static void Shuffle(int[] a, ref SplitMix64 rng)
    {
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
    }
}
