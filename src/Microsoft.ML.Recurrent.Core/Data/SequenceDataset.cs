namespace Microsoft.ML.Recurrent;

/// <summary>
/// Labelled sequences for training or evaluation: token-id sequences (for an embedding) or dense float steps.
/// Stored flat (one array of values, one of offsets) so batches are gathered without per-sequence objects.
/// </summary>
public sealed partial class SequenceDataset
{
    private readonly int[] _offsets;   // [Count + 1], in values (ids or floats)

    internal SequenceDataset(SequenceInputKind kind, int featuresPerStep, int[]? tokens, float[]? features, int[] offsets, int[] labels, float[] weights)
    {
        Kind = kind; FeaturesPerStep = featuresPerStep; Tokens = tokens; Features = features; _offsets = offsets; Labels = labels; Weights = weights;
    }

    /// <summary>Token ids or dense features.</summary>
    public SequenceInputKind Kind { get; }

    /// <summary>Floats per step (dense datasets), else 0.</summary>
    public int FeaturesPerStep { get; }

    /// <summary>Number of sequences.</summary>
    public int Count => Labels.Length;

    /// <summary>Class labels, 0-based.</summary>
    public IReadOnlyList<int> LabelList => Labels;

    internal int[]? Tokens { get; }
    internal float[]? Features { get; }
    internal int[] Labels { get; }
    internal float[] Weights { get; }

    /// <summary>Number of steps of sequence <paramref name="index"/>.</summary>
    public int LengthOf(int index) => (_offsets[index + 1] - _offsets[index]) / Math.Max(1, FeaturesPerStep);

    internal int OffsetOf(int index) => _offsets[index];

    /// <summary>The largest label plus one.</summary>
    public int LabelCount => Labels.Length == 0 ? 0 : Labels.Max() + 1;

    /// <summary>
    /// Token-id sequences. Ids must be non-negative; 0 is padding (ignored as input), 1 the unknown token,
    /// ids at or above the model's vocabulary size are read as 1.
    /// </summary>
    /// <param name="sequences">One id array per example (may be empty).</param>
    /// <param name="labels">Class per example, 0-based.</param>
    /// <param name="weights">Optional non-negative example weights (default 1).</param>
    public static SequenceDataset FromTokens(IReadOnlyList<int[]> sequences, IReadOnlyList<int> labels, IReadOnlyList<float>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var (lab, w) = CheckLabels(sequences.Count, labels, weights);
        var offsets = new int[sequences.Count + 1];
        long total = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            int[] s = sequences[i] ?? throw new ArgumentException($"Sequence {i} is null.", nameof(sequences));
            for (int t = 0; t < s.Length; t++)
                if (s[t] < 0) throw new ArgumentException($"Sequence {i}, step {t}: token id {s[t]} is negative; expected an id >= 0 (0 = padding, 1 = unknown).", nameof(sequences));
            total += s.Length;
            if (total > Array.MaxLength) throw new ArgumentException("The dataset holds more token ids than one array can.", nameof(sequences));
            offsets[i + 1] = (int)total;
        }
        var tokens = new int[total];
        for (int i = 0; i < sequences.Count; i++) sequences[i].CopyTo(tokens, offsets[i]);
        return new SequenceDataset(SequenceInputKind.Tokens, 0, tokens, null, offsets, lab, w);
    }

    /// <summary>
    /// Dense sequences: each array holds its steps back to back, <paramref name="featuresPerStep"/> floats a step
    /// (an MNIST image as 28 rows: 784 floats, 28 per step).
    /// </summary>
    public static SequenceDataset FromFeatures(IReadOnlyList<float[]> sequences, int featuresPerStep, IReadOnlyList<int> labels, IReadOnlyList<float>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (featuresPerStep <= 0) throw new ArgumentOutOfRangeException(nameof(featuresPerStep), featuresPerStep, "Expected at least one feature per step.");
        var (lab, w) = CheckLabels(sequences.Count, labels, weights);
        var offsets = new int[sequences.Count + 1];
        long total = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            float[] s = sequences[i] ?? throw new ArgumentException($"Sequence {i} is null.", nameof(sequences));
            if (s.Length % featuresPerStep != 0)
                throw new ArgumentException($"Sequence {i} has {s.Length} values; expected a multiple of featuresPerStep = {featuresPerStep}.", nameof(sequences));
            for (int k = 0; k < s.Length; k++)
                if (!float.IsFinite(s[k])) throw new ArgumentException($"Sequence {i}, value {k} is {s[k]}; expected a finite number.", nameof(sequences));
            total += s.Length;
            if (total > Array.MaxLength) throw new ArgumentException("The dataset holds more values than one array can.", nameof(sequences));
            offsets[i + 1] = (int)total;
        }
        var features = new float[total];
        for (int i = 0; i < sequences.Count; i++) sequences[i].CopyTo(features, offsets[i]);
        return new SequenceDataset(SequenceInputKind.Features, featuresPerStep, null, features, offsets, lab, w);
    }

    private static (int[] Labels, float[] Weights) CheckLabels(int count, IReadOnlyList<int> labels, IReadOnlyList<float>? weights)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != count) throw new ArgumentException($"There are {labels.Count} labels for {count} sequences; expected one each.", nameof(labels));
        var lab = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (labels[i] < 0) throw new ArgumentException($"Label {i} is {labels[i]}; expected a class index >= 0.", nameof(labels));
            lab[i] = labels[i];
        }
        var w = new float[count];
        if (weights is null) { Array.Fill(w, 1f); return (lab, w); }
        if (weights.Count != count) throw new ArgumentException($"There are {weights.Count} weights for {count} sequences; expected one each.", nameof(weights));
        for (int i = 0; i < count; i++)
        {
            if (!(weights[i] >= 0f) || float.IsInfinity(weights[i])) throw new ArgumentException($"Weight {i} is {weights[i]}; expected a finite value >= 0.", nameof(weights));
            w[i] = weights[i];
        }
        return (lab, w);
    }
}
