using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Reads labelled sequences from an <see cref="IDataView"/> (one cursor pass) into an engine dataset, with an encoder that is already known.</summary>
internal static class TrainingDataReader
{
    /// <summary>Reads rows of keys or floats, or validation rows of any kind; rows with a missing label, a bad weight or unusable features are counted and skipped.</summary>
    public static SequenceDataset Read(IDataView data, DataViewSchema.Column label, DataViewSchema.Column features, DataViewSchema.Column? weight,
        SequenceClassificationTask task, SequenceEncoder encoder, Action checkAlive, out RowCounts counts)
    {
        counts = new RowCounts();
        var builder = encoder.CreateDatasetBuilder();
        using var cursor = data.GetRowCursor(RowGetters.Active(label, features, weight));
        // Regression: the float label is kept aside (a row with a NaN/infinite label counts as missing) and attached at the end.
        var getTarget = task == SequenceClassificationTask.Regression ? RowGetters.Target(cursor, label) : null;
        var targets = getTarget is null ? null : new List<float>();
        var getLabel = getTarget is null ? RowGetters.Label(cursor, label, task) : () => 0;
        var getWeight = RowGetters.Weight(cursor, weight);
        var reader = encoder.CreateReader(cursor, features);
        while (cursor.MoveNext())
        {
            if ((counts.Rows++ & 1023) == 0) checkAlive();
            float target = getTarget?.Invoke() ?? 0;
            int y = getLabel();
            if (y < 0 || !float.IsFinite(target)) { counts.MissingLabel++; continue; }
            float w = 1;
            if (getWeight is not null && !((w = getWeight()) >= 0 && float.IsFinite(w))) { counts.BadWeight++; continue; }
            if (!reader.TryAddTo(builder, y, w)) { counts.BadFeatures++; continue; }
            targets?.Add(target);
            counts.Used++;
        }
        var dataset = builder.Build();
        return targets is null ? dataset : dataset.WithTargets(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(targets));
    }
}
