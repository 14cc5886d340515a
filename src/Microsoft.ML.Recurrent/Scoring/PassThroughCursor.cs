using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>No output column requested: the input's rows as they are.</summary>
internal sealed class PassThroughCursor(DataViewRowCursor input, DataViewSchema schema, bool[] active) : DataViewRowCursor
{
    public override DataViewSchema Schema => schema;
    public override long Position => input.Position;
    public override long Batch => input.Batch;
    public override bool MoveNext() => input.MoveNext();
    public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
        return input.GetGetter<TValue>(input.Schema[column.Index]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) input.Dispose();
        base.Dispose(disposing);
    }
}
