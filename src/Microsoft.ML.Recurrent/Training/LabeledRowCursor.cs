using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The label side of one training-data pass: moves a cursor to the rows whose label (or regression target) and weight are
/// usable, counts the rows skipped for them, decides which rows the validation split holds out, and checks for
/// cancellation every 1,024 rows. The text and the key/float readers share it and differ only in how they read features.
/// </summary>
internal sealed class LabeledRowCursor(DataViewRowCursor cursor, DataViewSchema.Column label, DataViewSchema.Column? weight,
    SequenceClassificationTask task, bool regression, ValidationSplit? split, RowCounts counts, Action checkAlive)
{
    private readonly Func<float>? _getTarget = regression ? RowGetters.Target(cursor, label) : null;
    private readonly Func<int> _getLabel = regression ? () => 0 : RowGetters.Label(cursor, label, task);
    private readonly Func<float>? _getWeight = RowGetters.Weight(cursor, weight);

    /// <summary>The class index of the current row (0 for regression).</summary>
    public int Label { get; private set; }

    /// <summary>The regression target of the current row (0 for classification).</summary>
    public float Target { get; private set; }

    /// <summary>The example weight of the current row (1 without a weight column).</summary>
    public float Weight { get; private set; }

    /// <summary>Whether the validation split holds the current row out.</summary>
    public bool HoldOut { get; private set; }

    /// <summary>Moves to the next row with a usable label and weight; false at the end of the data.</summary>
    public bool MoveNext()
    {
        while (cursor.MoveNext())
        {
            if ((counts.Rows++ & 1023) == 0) checkAlive();
            Target = _getTarget?.Invoke() ?? 0;
            Label = _getLabel();
            if (Label < 0 || !float.IsFinite(Target)) { counts.MissingLabel++; continue; }
            Weight = 1;
            if (_getWeight is not null && !((Weight = _getWeight()) >= 0 && float.IsFinite(Weight))) { counts.BadWeight++; continue; }
            HoldOut = split?.HoldOut() ?? false;
            return true;
        }
        return false;
    }
}
