using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The lazy output of <see cref="RecurrentSequenceClassificationTransformer.Transform"/>: nothing runs until a cursor
/// moves; each cursor pulls rows from the input cursor in mini-batches of <see cref="BatchSize"/> rows, scores them in
/// one engine call (its blocks of <see cref="RecurrentPredictor.BatchSize"/> spread over the predictor's threads) and
/// serves them one by one (input columns from a per-batch copy).
/// </summary>
/// <remarks>Each cursor that met unusable rows (non-finite features) reports how many, once, as a warning on <see cref="MLContext.Log"/>.</remarks>
internal sealed class ScoredDataView(IDataView input, BoundScorer bound, Microsoft.ML.Runtime.IHost host) : IDataView
{
    /// <summary>Rows a cursor scores per engine call: 8 blocks, so every core gets several.</summary>
    public const int BatchSize = 8 * RecurrentPredictor.BatchSize;

    public bool CanShuffle => input.CanShuffle;
    public DataViewSchema Schema => bound.OutputSchema;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = new bool[Schema.Count];
        foreach (var c in columnsNeeded) active[c.Index] = true;
        bool anyOutput = active.Skip(bound.InputCount).Any(a => a);
        var inputNeeded = bound.Dependencies(columnsNeeded).ToList();
        var cursor = input.GetRowCursor(inputNeeded, rand);
        return anyOutput ? new BatchScoringCursor(cursor, bound, active, BatchSize, host) : new PassThroughCursor(cursor, bound.OutputSchema, active);
    }

    // One cursor: batching needs every row in order and a multi-cursor split would only batch smaller groups.
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];
}
