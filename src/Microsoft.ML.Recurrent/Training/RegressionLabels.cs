using System.Runtime.InteropServices;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The Single labels of a regression read, kept beside the dataset builders (which hold class labels): one list for
/// the rows used for training, one for the held-out rows, attached to the built datasets as their targets.
/// </summary>
internal sealed class RegressionLabels
{
    private readonly List<float> _used = [], _held = [];

    /// <summary>A collector for a regression task, else null.</summary>
    public static RegressionLabels? For(SequenceClassificationTask task) => task == SequenceClassificationTask.Regression ? new() : null;

    public void Add(float label, bool heldOut) => (heldOut ? _held : _used).Add(label);

    /// <summary><paramref name="data"/> with the collected labels as targets (unchanged without a collector).</summary>
    public static SequenceDataset? Attach(RegressionLabels? labels, SequenceDataset? data, bool heldOut)
        => labels is null || data is null ? data : data.WithTargets(CollectionsMarshal.AsSpan(heldOut ? labels._held : labels._used));
}
