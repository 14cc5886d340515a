using Microsoft.ML.Recurrent.Data;

namespace Microsoft.ML.Recurrent.Training;

/// <summary>
/// The standardised targets of the rows of the current <see cref="PackedBatch"/>, in its sorted row order
/// ([rows, K], one buffer reused across batches): what the regression loss compares the outputs with.
/// </summary>
internal sealed class RegressionTargets(SequenceDataset data, TargetStandardization standardization)
{
    private readonly int _k = data.TargetCount;
    private float[] _rows = [];

    public void Gather(PackedBatch batch)
    {
        int n = batch.Count;
        if (_rows.Length < n * _k) _rows = new float[n * _k];
        for (int r = 0; r < n; r++) data.TargetsOf(batch.Order[r]).CopyTo(_rows.AsSpan(r * _k, _k));
        standardization.Standardize(_rows.AsSpan(0, n * _k));
    }

    /// <summary>Rows [start, start + count) of the last gathered batch.</summary>
    public ReadOnlySpan<float> Rows(int start, int count) => _rows.AsSpan(start * _k, count * _k);
}
