using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>A vector of Single → dense steps of FeaturesPerStep values (sparse vectors are densified).</summary>
internal sealed class FloatSequenceReader(SequenceEncoder encoder, ValueGetter<VBuffer<float>> getter) : SequenceReader
{
    private VBuffer<float> _buffer;
    private float[] _values = [];

    /// <summary>The current row's steps (the first MaxSteps); false if it has a non-finite value or its length is not a multiple of FeaturesPerStep.</summary>
    public bool TryRead(out ReadOnlySpan<float> steps)
    {
        steps = default;
        getter(ref _buffer);
        int f = encoder.FeaturesPerStep;
        if (_buffer.Length % f != 0) return false;
        int n = encoder.Limit(_buffer.Length / f) * f;
        if (_values.Length < n) _values = new float[Math.Max(n, _values.Length * 2)];
        var values = _values.AsSpan(0, n);
        if (_buffer.IsDense) _buffer.GetValues().Slice(0, n).CopyTo(values);
        else
        {
            values.Clear();
            var indices = _buffer.GetIndices();
            var v = _buffer.GetValues();
            for (int k = 0; k < indices.Length && indices[k] < n; k++) values[indices[k]] = v[k];
        }
        // Vectorized and NaN-propagating: finite exactly when every value is.
        if (!values.IsEmpty && !float.IsFinite(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(values))) return false;
        steps = values;
        return true;
    }

    public override bool TryAddTo(SequenceDatasetBuilder builder, int label, float weight)
    {
        if (!TryRead(out var steps)) return false;
        builder.AddFeatures(steps, label, weight);
        return true;
    }
}
