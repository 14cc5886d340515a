using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Row-to-row mapping for <c>CreatePredictionEngine</c> and <c>TransformerChain.GetRowToRowMapper</c>: scores the one
/// current row when an output column is first read at a new position. <see cref="InputSchema"/> is the very schema
/// object it was made for and every returned row's schema is <see cref="OutputSchema"/>, as chained mappers require.
/// </summary>
/// <remarks>The first row a mapped row cannot score (non-finite features) is reported as a warning on <see cref="MLContext.Log"/>, once.</remarks>
internal sealed class SequenceRowMapper(BoundScorer bound, Microsoft.ML.Runtime.IHost host) : IRowToRowMapper
{
    public DataViewSchema InputSchema => bound.InputSchema;
    public DataViewSchema OutputSchema => bound.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) => bound.Dependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Schema != InputSchema) throw new ArgumentException("The row's schema is not the schema this mapper was made for.", nameof(input));
        var active = new bool[OutputSchema.Count];
        foreach (var c in activeColumns) active[c.Index] = true;
        return new MappedRow(input, bound, active, host);
    }

    private sealed class MappedRow : DataViewRow
    {
        private readonly DataViewRow _input;
        private readonly BoundScorer _bound;
        private readonly bool[] _active;
        private ScoringBatch? _batch;
        private long _scoredPosition = long.MinValue;
        private readonly object _lock = new();
        private readonly Microsoft.ML.Runtime.IHost _host;
        private bool _reported;

        public MappedRow(DataViewRow input, BoundScorer bound, bool[] active, Microsoft.ML.Runtime.IHost host)
        {
            _input = input; _bound = bound; _active = active; _host = host;
        }

        public override DataViewSchema Schema => _bound.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        // Made on first use: the feature column's getter is only needed once an output column is read.
        private ScoringBatch GetBatch()
        {
            lock (_lock) return _batch ??= _bound.CreateBatch(_input, 1);
        }

        private int Current()
        {
            lock (_lock)
            {
                if (_scoredPosition != _input.Position)
                {
                    var batch = GetBatch();
                    batch.ReadRow(0);
                    batch.Score(1);
                    _scoredPosition = _input.Position;
                    if (batch.UnusableRows > 0 && !_reported)
                    {
                        _reported = true;
                        using var ch = _host.Start("Scoring");
                        ch.Warning(Microsoft.ML.Runtime.MessageSensitivity.None, batch.DescribeUnusableRows() + " (Reported once per prediction engine.)");
                    }
                }
            }
            return 0;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' is not active in this row.");
            if (column.Index < _bound.InputCount) return _input.GetGetter<TValue>(_bound.InputSchema[column.Index]);
            return PredictionGetters.Create(GetBatch(), column.Index - _bound.InputCount, Current) as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue)}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
