using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Pulls input rows in mini-batches, scores each batch in one engine call and serves the rows one by one.</summary>
internal sealed class BatchScoringCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly BoundScorer _bound;
    private readonly bool[] _active;
    private readonly ScoringBatch _batch;
    private readonly ColumnCache?[] _caches;
    private readonly ValueGetter<DataViewRowId> _inputId;
    private readonly DataViewRowId[] _ids = [];
    private int _count, _current = -1;
    private long _position = -1;
    private bool _done, _reported;
    private readonly Microsoft.ML.Runtime.IHost _host;

    public BatchScoringCursor(DataViewRowCursor input, BoundScorer bound, bool[] active, int batchSize, Microsoft.ML.Runtime.IHost host)
    {
        _input = input; _bound = bound; _active = active; _host = host;
        _batch = bound.CreateBatch(input, batchSize);
        _ids = new DataViewRowId[batchSize];
        _caches = new ColumnCache?[bound.InputCount];
        for (int i = 0; i < bound.InputCount; i++)
            if (active[i]) _caches[i] = ColumnCache.Create(input, input.Schema[i], batchSize);
        _inputId = input.GetIdGetter();
    }

    public override DataViewSchema Schema => _bound.OutputSchema;
    public override long Position => _position;
    public override long Batch => _input.Batch;
    public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

    public override bool MoveNext()
    {
        if (_current + 1 < _count) { _current++; _position++; return true; }
        if (_done || !Fill()) { _done = true; _current = _count = 0; ReportUnusableRows(); return false; }
        _current = 0;
        _position++;
        return true;
    }

    private bool Fill()
    {
        _count = 0;
        while (_count < _batch.Capacity && _input.MoveNext())
        {
            _batch.ReadRow(_count);
            _inputId(ref _ids[_count]);
            foreach (var c in _caches) c?.Fetch(_count);
            _count++;
        }
        if (_count == 0) return false;
        _batch.Score(_count);
        return true;
    }

    private int Row()
    {
        if (_position < 0 || _current >= _count) throw new InvalidOperationException("The cursor is not on a row: call MoveNext first (and stop when it returns false).");
        return _current;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId v) => v = _ids[Row()];

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!_active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
        if (column.Index < _bound.InputCount)
        {
            var cache = _caches[column.Index]!;
            return cache.Getter<TValue>(Row);
        }
        var getter = PredictionGetters.Create(_batch, column.Index - _bound.InputCount, Row);
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue)}.");
    }

    /// <summary>Once per cursor, at its end or disposal: how many rows scored NaN and why.</summary>
    private void ReportUnusableRows()
    {
        if (_reported || _batch.UnusableRows == 0) return;
        _reported = true;
        using var ch = _host.Start("Scoring");
        ch.Warning(Microsoft.ML.Runtime.MessageSensitivity.None, _batch.DescribeUnusableRows());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) { ReportUnusableRows(); _input.Dispose(); }
        base.Dispose(disposing);
    }
}
