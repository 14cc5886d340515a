using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Getters of the label and example-weight columns, as the engine wants them.</summary>
internal static class RowGetters
{
    /// <summary>Label getter: 0-based class index, or -1 for a missing label.</summary>
    public static Func<int> Label(DataViewRow row, DataViewSchema.Column label, SequenceClassificationTask task)
    {
        if (task == SequenceClassificationTask.Binary)
        {
            var getter = row.GetGetter<bool>(label);
            bool value = false;
            return () => { getter(ref value); return value ? 1 : 0; };
        }
        var key = KeyColumns.KeyGetter(row, label);
        return () => { ulong k = key(); return k == 0 ? -1 : (int)(k - 1); };
    }

    /// <summary>Regression label getter: the Single value (NaN = missing).</summary>
    public static Func<float> Target(DataViewRow row, DataViewSchema.Column label)
    {
        var getter = row.GetGetter<float>(label);
        float value = 0;
        return () => { getter(ref value); return value; };
    }

    /// <summary>Weight getter, or null without a weight column.</summary>
    public static Func<float>? Weight(DataViewRow row, DataViewSchema.Column? weight)
    {
        if (weight is null) return null;
        var getter = row.GetGetter<float>(weight.Value);
        float value = 0;
        return () => { getter(ref value); return value; };
    }

    /// <summary>The columns that are not null, for a cursor.</summary>
    public static IEnumerable<DataViewSchema.Column> Active(params DataViewSchema.Column?[] columns)
        => columns.Where(c => c is not null).Select(c => c!.Value);
}
