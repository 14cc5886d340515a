using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Data;

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
    public int[] ShardStart = [], ShardCount = [];
    public int[] Active = [], ActiveStart = [];   // each shard's active-row counts [T_s], at ActiveStart[s]
    public int Shards;
    private long[] _keys = [];

    /// <summary>
    /// Gathers <paramref name="indices"/>; row weight = example weight × class weight (if any). Rows are dealt
    /// round-robin by length rank into <paramref name="shards"/> contiguous shards, so every shard is sorted and
    /// the threads get equal work.
    /// </summary>
    public void Pack(SequenceDataset data, ReadOnlySpan<int> indices, ReadOnlySpan<float> classWeights, int shards = 1)
        => Pack(new DatasetSource(data), indices, classWeights, shards);

    /// <summary>Same as the dataset overload, from any <see cref="ISequenceSource"/> (a struct, so no boxing).</summary>
    public void Pack<TSource>(TSource data, ReadOnlySpan<int> indices, ReadOnlySpan<float> classWeights, int shards = 1)
        where TSource : ISequenceSource
    {
        int n = indices.Length;
        Count = n;
        Shards = Math.Max(1, Math.Min(shards, n));
        Buffers.Grow(ref _keys, n); Buffers.Grow(ref Order, n); Buffers.Grow(ref Lengths, n); Buffers.Grow(ref Offsets, n);
        Buffers.Grow(ref Labels, n); Buffers.Grow(ref Weights, n); Buffers.Grow(ref ShardStart, Shards); Buffers.Grow(ref ShardCount, Shards);
        Buffers.Grow(ref ActiveStart, Shards);
        // Sort key: length descending, then position ascending — one primitive sort, no comparer allocation.
        for (int i = 0; i < n; i++) _keys[i] = ((long)(int.MaxValue - data.LengthOf(indices[i])) << 32) | (uint)i;
        _keys.AsSpan(0, n).Sort();
        int f = Math.Max(1, data.FeaturesPerStep);
        long total = 0;
        int row = 0;
        for (int s = 0; s < Shards; s++)
        {
            ShardStart[s] = row;
            for (int rank = s; rank < n; rank += Shards) Order[row++] = indices[(int)(_keys[rank] & 0xFFFFFFFF)];
            ShardCount[s] = row - ShardStart[s];
        }
        for (int r = 0; r < n; r++)
        {
            int idx = Order[r];
            Lengths[r] = data.LengthOf(idx);
            Offsets[r] = (int)total;
            total += (long)Lengths[r] * f;
            Labels[r] = data.LabelOf(idx);
            float cw = classWeights.IsEmpty ? 1f : classWeights[Labels[r]];
            Weights[r] = data.WeightOf(idx) * cw;
        }
        if (data.Kind == SequenceInputKind.Tokens)
        {
            Buffers.Grow(ref Tokens, total);
            for (int r = 0; r < n; r++) data.TokensOf(Order[r]).CopyTo(Tokens.AsSpan(Offsets[r]));
        }
        else
        {
            Buffers.Grow(ref Features, total);
            for (int r = 0; r < n; r++) data.FeaturesOf(Order[r]).CopyTo(Features.AsSpan(Offsets[r]));
        }
        CountActive();
    }

    /// <summary>One sequence as a one-row batch (batch-1 prediction); <paramref name="features"/> steps are F floats each.</summary>
    public void PackOne(ReadOnlySpan<int> tokens, ReadOnlySpan<float> features, int featuresPerStep)
    {
        Count = 1; Shards = 1;
        Buffers.Grow(ref Order, 1); Buffers.Grow(ref Lengths, 1); Buffers.Grow(ref Offsets, 1); Buffers.Grow(ref Labels, 1); Buffers.Grow(ref Weights, 1);
        Buffers.Grow(ref ShardStart, 1); Buffers.Grow(ref ShardCount, 1); Buffers.Grow(ref ActiveStart, 1);
        Order[0] = 0; Offsets[0] = 0; Labels[0] = 0; Weights[0] = 1f; ShardStart[0] = 0; ShardCount[0] = 1;
        if (featuresPerStep == 0)
        {
            Lengths[0] = tokens.Length;
            Buffers.Grow(ref Tokens, tokens.Length);
            tokens.CopyTo(Tokens);
        }
        else
        {
            Lengths[0] = features.Length / featuresPerStep;
            Buffers.Grow(ref Features, features.Length);
            features.CopyTo(Features);
        }
        CountActive();
    }

    private void CountActive()
    {
        int total = 0;
        for (int s = 0; s < Shards; s++)
        {
            ActiveStart[s] = total;
            total += SequenceShard.StepsOf(Lengths.AsSpan(ShardStart[s], ShardCount[s]));
        }
        Buffers.Grow(ref Active, total);
        for (int s = 0; s < Shards; s++)
        {
            ReadOnlySpan<int> lengths = Lengths.AsSpan(ShardStart[s], ShardCount[s]);
            SequenceShard.CountActive(lengths, Active.AsSpan(ActiveStart[s], SequenceShard.StepsOf(lengths)));
        }
    }

    /// <summary>Shard <paramref name="s"/> of the last <see cref="Pack"/>.</summary>
    public SequenceShard Shard(int s)
    {
        ReadOnlySpan<int> lengths = Lengths.AsSpan(ShardStart[s], ShardCount[s]);
        return new SequenceShard(lengths, Offsets.AsSpan(ShardStart[s], ShardCount[s]), Tokens, Features,
            Active.AsSpan(ActiveStart[s], SequenceShard.StepsOf(lengths)));
    }

    public float TotalWeight()
    {
        double s = 0;
        for (int i = 0; i < Count; i++) s += Weights[i];
        return (float)s;
    }
}

/// <summary>Where <see cref="PackedBatch"/> reads sequences from.</summary>
internal interface ISequenceSource
{
    SequenceInputKind Kind { get; }
    int FeaturesPerStep { get; }
    int LengthOf(int index);
    ReadOnlySpan<int> TokensOf(int index);
    ReadOnlySpan<float> FeaturesOf(int index);
    int LabelOf(int index);
    float WeightOf(int index);
}

/// <summary>A <see cref="SequenceDataset"/> as a source.</summary>
internal readonly struct DatasetSource(SequenceDataset data) : ISequenceSource
{
    public SequenceInputKind Kind => data.Kind;
    public int FeaturesPerStep => data.FeaturesPerStep;
    public int LengthOf(int index) => data.LengthOf(index);
    public ReadOnlySpan<int> TokensOf(int index) => data.Tokens.AsSpan(data.OffsetOf(index), data.LengthOf(index));
    public ReadOnlySpan<float> FeaturesOf(int index) => data.Features.AsSpan(data.OffsetOf(index), data.LengthOf(index) * data.FeaturesPerStep);
    public int LabelOf(int index) => data.Labels[index];
    public float WeightOf(int index) => data.Weights[index];
}

/// <summary>Unlabelled token sequences (prediction) as a source.</summary>
internal readonly struct TokenListSource(IReadOnlyList<int[]> sequences) : ISequenceSource
{
    public SequenceInputKind Kind => SequenceInputKind.Tokens;
    public int FeaturesPerStep => 0;
    public int LengthOf(int index) => sequences[index].Length;
    public ReadOnlySpan<int> TokensOf(int index) => sequences[index];
    public ReadOnlySpan<float> FeaturesOf(int index) => default;
    public int LabelOf(int index) => 0;
    public float WeightOf(int index) => 1f;
}

/// <summary>Unlabelled dense sequences (prediction) as a source.</summary>
internal readonly struct FeatureListSource(IReadOnlyList<float[]> sequences, int featuresPerStep) : ISequenceSource
{
    public SequenceInputKind Kind => SequenceInputKind.Features;
    public int FeaturesPerStep => featuresPerStep;
    public int LengthOf(int index) => sequences[index].Length / featuresPerStep;
    public ReadOnlySpan<int> TokensOf(int index) => default;
    public ReadOnlySpan<float> FeaturesOf(int index) => sequences[index];
    public int LabelOf(int index) => 0;
    public float WeightOf(int index) => 1f;
}
