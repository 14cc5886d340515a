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
        var getLabel = RowGetters.Label(cursor, label, task);
        var getWeight = RowGetters.Weight(cursor, weight);
        var reader = encoder.CreateReader(cursor, features);
        while (cursor.MoveNext())
        {
            if ((counts.Rows++ & 1023) == 0) checkAlive();
            int y = getLabel();
            if (y < 0) { counts.MissingLabel++; continue; }
            float w = 1;
            if (getWeight is not null && !((w = getWeight()) >= 0 && float.IsFinite(w))) { counts.BadWeight++; continue; }
            if (!reader.TryAddTo(builder, y, w)) { counts.BadFeatures++; continue; }
            counts.Used++;
        }
        return builder.Build();
    }
}
