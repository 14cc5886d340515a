namespace Microsoft.ML.Recurrent;

/// <summary>
/// Builds a <see cref="SequenceDataset"/> one labelled sequence at a time, straight into the dataset's flat buffers:
/// a reader that produces each row as a span (e.g. from an ML.NET cursor) adds it without a per-row array. The same
/// checks as <see cref="SequenceDataset.FromTokens"/> and <see cref="SequenceDataset.FromFeatures"/> apply.
/// </summary>
public sealed class SequenceDatasetBuilder
{
    private int[] _tokens = [];
    private float[] _features = [];
    private int[] _offsets = new int[1];   // [Count + 1], in values (ids or floats)
    private int[] _labels = [];
    private float[] _weights = [];
    private long _values;

    private SequenceDatasetBuilder(SequenceInputKind kind, int featuresPerStep)
    {
        Kind = kind; FeaturesPerStep = featuresPerStep;
    }

    /// <summary>A builder of token-id sequences.</summary>
    public static SequenceDatasetBuilder ForTokens() => new(SequenceInputKind.Tokens, 0);

    /// <summary>A builder of dense sequences, <paramref name="featuresPerStep"/> floats a step.</summary>
    public static SequenceDatasetBuilder ForFeatures(int featuresPerStep)
    {
        if (featuresPerStep <= 0) throw new ArgumentOutOfRangeException(nameof(featuresPerStep), featuresPerStep, "Expected at least one feature per step.");
        return new(SequenceInputKind.Features, featuresPerStep);
    }

    /// <summary>Token ids or dense features.</summary>
    public SequenceInputKind Kind { get; }

    /// <summary>Floats per step (dense builders), else 0.</summary>
    public int FeaturesPerStep { get; }

    /// <summary>Sequences added so far.</summary>
    public int Count { get; private set; }

    /// <summary>Adds a token-id sequence (ids ≥ 0: 0 padding, 1 unknown) with its 0-based class and weight.</summary>
    public void AddTokens(ReadOnlySpan<int> tokens, int label, float weight = 1f)
    {
        if (Kind != SequenceInputKind.Tokens) throw new InvalidOperationException("This builder holds dense features, not token ids.");
        for (int t = 0; t < tokens.Length; t++)
            if (tokens[t] < 0) throw new ArgumentException($"Sequence {Count}, step {t}: token id {tokens[t]} is negative; expected an id >= 0 (0 = padding, 1 = unknown).", nameof(tokens));
        CheckRow(tokens.Length, label, weight);
        Grow(ref _tokens, _values + tokens.Length);
        tokens.CopyTo(_tokens.AsSpan((int)_values));
        Commit(tokens.Length, label, weight);
    }

    /// <summary>Adds a dense sequence (steps back to back, <see cref="FeaturesPerStep"/> finite floats each) with its 0-based class and weight.</summary>
    public void AddFeatures(ReadOnlySpan<float> features, int label, float weight = 1f)
    {
        if (Kind != SequenceInputKind.Features) throw new InvalidOperationException("This builder holds token ids, not dense features.");
        if (features.Length % FeaturesPerStep != 0)
            throw new ArgumentException($"Sequence {Count} has {features.Length} values; expected a multiple of featuresPerStep = {FeaturesPerStep}.", nameof(features));
        for (int k = 0; k < features.Length; k++)
            if (!float.IsFinite(features[k])) throw new ArgumentException($"Sequence {Count}, value {k} is {features[k]}; expected a finite number.", nameof(features));
        CheckRow(features.Length, label, weight);
        Grow(ref _features, _values + features.Length);
        features.CopyTo(_features.AsSpan((int)_values));
        Commit(features.Length, label, weight);
    }

    /// <summary>The dataset of every sequence added (the builder can be reused afterwards; it starts empty).</summary>
    public SequenceDataset Build()
    {
        int n = Count, v = (int)_values;
        var data = new SequenceDataset(Kind, FeaturesPerStep,
            Kind == SequenceInputKind.Tokens ? _tokens.AsSpan(0, v).ToArray() : null,
            Kind == SequenceInputKind.Features ? _features.AsSpan(0, v).ToArray() : null,
            _offsets.AsSpan(0, n + 1).ToArray(), _labels.AsSpan(0, n).ToArray(), _weights.AsSpan(0, n).ToArray());
        _tokens = []; _features = []; _offsets = new int[1]; _labels = []; _weights = []; _values = 0; Count = 0;
        return data;
    }

    private void CheckRow(int values, int label, float weight)
    {
        if (label < 0) throw new ArgumentException($"Label {Count} is {label}; expected a class index >= 0.", nameof(label));
        if (!(weight >= 0f) || float.IsInfinity(weight)) throw new ArgumentException($"Weight {Count} is {weight}; expected a finite value >= 0.", nameof(weight));
        if (_values + values > Array.MaxLength) throw new InvalidOperationException("The dataset would hold more values than one array can.");
    }

    private void Commit(int values, int label, float weight)
    {
        Grow(ref _offsets, Count + 2L);
        Grow(ref _labels, Count + 1L);
        Grow(ref _weights, Count + 1L);
        _labels[Count] = label;
        _weights[Count] = weight;
        _values += values;
        _offsets[++Count] = (int)_values;
    }

    private static void Grow<T>(ref T[] a, long n)
    {
        if (a.Length < n) Array.Resize(ref a, (int)Math.Min(Array.MaxLength, Math.Max(n, Math.Max(16L, a.Length * 2L))));
    }
}
