using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Reads labelled sequences from an <see cref="IDataView"/> (one cursor pass) into an engine dataset, with an encoder that is already known.</summary>
internal static class TrainingDataReader
{
    /// <summary>
    /// Reads rows of keys or floats, or validation rows of any kind; rows with a missing label, a bad weight or unusable
    /// features are counted and skipped. With <paramref name="split"/>, usable rows it holds out go to <paramref name="heldOut"/>.
    /// </summary>
    public static SequenceDataset Read(IDataView data, DataViewSchema.Column label, DataViewSchema.Column features, DataViewSchema.Column? weight,
        SequenceClassificationTask task, SequenceEncoder encoder, Action checkAlive, ValidationSplit? split, out RowCounts counts, out SequenceDataset? heldOut)
    {
        counts = new RowCounts();
        var builder = encoder.CreateDatasetBuilder();
        var held = split is null ? null : encoder.CreateDatasetBuilder();
        using var cursor = data.GetRowCursor(RowGetters.Active(label, features, weight));
        // Regression: the Single label is kept aside (NaN or infinite counts as missing) and attached as the target.
        var targets = RegressionLabels.For(task);
        var rows = new LabeledRowCursor(cursor, label, weight, task, targets is not null, split, counts, checkAlive);
        var reader = encoder.CreateReader(cursor, features);
        while (rows.MoveNext())
        {
            bool holdOut = rows.HoldOut;
            if (!reader.TryAddTo(holdOut ? held! : builder, rows.Label, rows.Weight)) { counts.BadFeatures++; continue; }
            targets?.Add(rows.Target, holdOut);
            if (holdOut) counts.HeldOut++; else counts.Used++;
        }
        heldOut = RegressionLabels.Attach(targets, held?.Build(), heldOut: true);
        return RegressionLabels.Attach(targets, builder.Build(), heldOut: false)!;
    }
}
