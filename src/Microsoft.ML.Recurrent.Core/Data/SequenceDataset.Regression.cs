namespace Microsoft.ML.Recurrent;

public sealed partial class SequenceDataset
{
    /// <summary>Real-valued targets [Count, TargetCount] of a regression dataset, else null.</summary>
    internal float[]? Targets { get; private set; }

    /// <summary>Targets per sequence (regression datasets), else 0.</summary>
    public int TargetCount { get; private set; }

    /// <summary>The targets of sequence <paramref name="index"/> (regression datasets).</summary>
    public ReadOnlySpan<float> TargetsOf(int index)
        => Targets is null ? throw new InvalidOperationException("This dataset has class labels, not regression targets.")
            : Targets.AsSpan(index * TargetCount, TargetCount);

    /// <summary>
    /// Dense sequences with real-valued targets, for a regression head: each array in <paramref name="sequences"/>
    /// holds its steps back to back, <paramref name="featuresPerStep"/> floats a step; <paramref name="targets"/>
    /// holds one array of the same length (the model's number of outputs) per sequence.
    /// </summary>
    public static SequenceDataset ForRegression(IReadOnlyList<float[]> sequences, int featuresPerStep, IReadOnlyList<float[]> targets, IReadOnlyList<float>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var (flat, width) = CheckTargets(sequences.Count, targets);
        var data = FromFeatures(sequences, featuresPerStep, new int[sequences.Count], weights);
        data.Targets = flat; data.TargetCount = width;
        return data;
    }

    /// <summary>Token-id sequences with real-valued targets (see the dense overload and <see cref="FromTokens"/>).</summary>
    public static SequenceDataset ForRegression(IReadOnlyList<int[]> sequences, IReadOnlyList<float[]> targets, IReadOnlyList<float>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var (flat, width) = CheckTargets(sequences.Count, targets);
        var data = FromTokens(sequences, new int[sequences.Count], weights);
        data.Targets = flat; data.TargetCount = width;
        return data;
    }

    /// <summary>
    /// The same sequences and weights with regression targets: <paramref name="targetsPerSequence"/> finite values
    /// per sequence, row after row (e.g. a dataset built with <see cref="SequenceDatasetBuilder"/> and labels 0).
    /// </summary>
    public SequenceDataset WithTargets(ReadOnlySpan<float> targets, int targetsPerSequence = 1)
    {
        if (targetsPerSequence < 1) throw new ArgumentOutOfRangeException(nameof(targetsPerSequence), targetsPerSequence, "Expected at least one target per sequence.");
        if (targets.Length != (long)Count * targetsPerSequence)
            throw new ArgumentException($"There are {targets.Length} targets for {Count} sequences × {targetsPerSequence}; expected one row each.", nameof(targets));
        for (int i = 0; i < targets.Length; i++)
            if (!float.IsFinite(targets[i]))
                throw new ArgumentException($"Target {i % targetsPerSequence} of sequence {i / targetsPerSequence} is {targets[i]}; expected a finite number (drop rows with a missing target first).", nameof(targets));
        var data = new SequenceDataset(Kind, FeaturesPerStep, Tokens, Features, _offsets, new int[Count], Weights)
        {
            Targets = targets.ToArray(), TargetCount = targetsPerSequence,
        };
        return data;
    }

    private static (float[] Flat, int Width) CheckTargets(int count, IReadOnlyList<float[]> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count != count) throw new ArgumentException($"There are {targets.Count} target rows for {count} sequences; expected one each.", nameof(targets));
        int width = count == 0 ? 1 : (targets[0] ?? throw new ArgumentException("Target row 0 is null.", nameof(targets))).Length;
        if (width == 0) throw new ArgumentException("Target row 0 is empty; expected at least one target per sequence.", nameof(targets));
        var flat = new float[(long)count * width];
        for (int i = 0; i < count; i++)
        {
            float[] row = targets[i] ?? throw new ArgumentException($"Target row {i} is null.", nameof(targets));
            if (row.Length != width) throw new ArgumentException($"Target row {i} has {row.Length} values; row 0 has {width}. Expected the same count for every sequence.", nameof(targets));
            for (int k = 0; k < width; k++)
                if (!float.IsFinite(row[k])) throw new ArgumentException($"Target {k} of sequence {i} is {row[k]}; expected a finite number (drop rows with a missing target first).", nameof(targets));
            row.CopyTo(flat, (long)i * width);
        }
        return (flat, width);
    }
}
