using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Scores sequences with the engine and turns its outputs into ML.NET prediction values. Thread-safe.</summary>
internal sealed class SequenceScorer
{
    public SequenceScorer(RecurrentModel model, SequenceEncoder encoder, SequenceClassificationTask task, string featureColumnName, string[]? classNames)
    {
        Model = model; Encoder = encoder; Task = task; FeatureColumnName = featureColumnName; ClassNames = classNames;
        Predictor = model.CreatePredictor();
        ClassCount = model.Architecture.NumberOfClasses;
    }

    public RecurrentModel Model { get; }
    public RecurrentPredictor Predictor { get; }
    public SequenceEncoder Encoder { get; }
    public SequenceClassificationTask Task { get; }
    public string FeatureColumnName { get; }
    public string[]? ClassNames { get; }
    public int ClassCount { get; }

    public BoundScorer Bind(DataViewSchema input) => new(this, input);

    /// <summary>
    /// Scores <paramref name="count"/> sequences (null = unusable row: NaN scores). Writes probabilities [count × classes]
    /// and logits [count × LogitCount].
    /// </summary>
    public void Score(Array?[] sequences, int count, float[] probabilities, float[] logits)
    {
        int C = ClassCount, L = Predictor.LogitCount, valid = 0;
        for (int i = 0; i < count; i++) if (sequences[i] is not null) valid++;
        if (valid == count)
        {
            Predict(sequences.AsSpan(0, count), probabilities, logits);
            return;
        }
        var good = new Array[valid];
        for (int i = 0, j = 0; i < count; i++) if (sequences[i] is { } s) good[j++] = s;
        var p = new float[valid * C];
        var l = new float[valid * L];
        if (valid > 0) Predict(good, p, l);
        for (int i = 0, j = 0; i < count; i++)
        {
            if (sequences[i] is null)
            {
                probabilities.AsSpan(i * C, C).Fill(float.NaN);
                logits.AsSpan(i * L, L).Fill(float.NaN);
            }
            else
            {
                p.AsSpan(j * C, C).CopyTo(probabilities.AsSpan(i * C, C));
                l.AsSpan(j * L, L).CopyTo(logits.AsSpan(i * L, L));
                j++;
            }
        }
    }

    private void Predict(ReadOnlySpan<Array?> sequences, float[] probabilities, float[] logits)
    {
        if (Encoder.Kind == SequenceColumnKind.Float)
        {
            var list = new float[sequences.Length][];
            for (int i = 0; i < list.Length; i++) list[i] = (float[])sequences[i]!;
            Predictor.Predict(list, probabilities, logits);
        }
        else
        {
            var list = new int[sequences.Length][];
            for (int i = 0; i < list.Length; i++) list[i] = (int[])sequences[i]!;
            Predictor.Predict(list, probabilities, logits);
        }
    }
}

/// <summary>A <see cref="SequenceScorer"/> bound to one input schema: the checked feature column and the output schema.</summary>
internal sealed class BoundScorer
{
    public BoundScorer(SequenceScorer scorer, DataViewSchema input)
    {
        Scorer = scorer;
        InputSchema = input;
        FeatureColumn = ColumnChecks.CheckSequence(input, scorer.FeatureColumnName, scorer.Encoder.Kind, scorer.Encoder.FeaturesPerStep, out _);
        OutputSchema = PredictionColumns.Build(input, scorer.Task, scorer.ClassCount, scorer.ClassNames);
    }

    public SequenceScorer Scorer { get; }
    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }
    public DataViewSchema.Column FeatureColumn { get; }
    public int InputCount => InputSchema.Count;
    public int OutputCount => OutputSchema.Count - InputSchema.Count;

    /// <summary>Input columns needed to produce the given output columns.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var needed = new SortedSet<int>();
        foreach (var c in outputColumns)
        {
            if (c.Index < InputCount) needed.Add(c.Index);
            else needed.Add(FeatureColumn.Index);
        }
        return needed.Select(i => InputSchema[i]);
    }

    /// <summary>Per-row prediction values of a scored batch.</summary>
    public sealed class Results(BoundScorer bound, int capacity)
    {
        private readonly int _classes = bound.Scorer.ClassCount;
        private readonly int _logitCount = bound.Scorer.Predictor.LogitCount;
        public readonly Array?[] Sequences = new Array?[capacity];
        public readonly float[] Probabilities = new float[capacity * bound.Scorer.ClassCount];
        public readonly float[] Logits = new float[capacity * bound.Scorer.Predictor.LogitCount];

        public void Score(int count) => bound.Scorer.Score(Sequences, count, Probabilities, Logits);

        public float BinaryScore(int row) => Logits[row * _logitCount];
        public float BinaryProbability(int row) => Probabilities[row * _classes + 1];
        public bool BinaryPredictedLabel(int row) => Probabilities[row * _classes + 1] > 0.5f;

        public void MulticlassScore(int row, ref VBuffer<float> value)
        {
            var editor = VBufferEditor.Create(ref value, _classes);
            Probabilities.AsSpan(row * _classes, _classes).CopyTo(editor.Values);
            value = editor.Commit();
        }

        public uint MulticlassPredictedLabel(int row)
        {
            var p = Probabilities.AsSpan(row * _classes, _classes);
            if (float.IsNaN(p[0])) return 0;
            int best = 0;
            for (int c = 1; c < p.Length; c++) if (p[c] > p[best]) best = c;
            return (uint)best + 1;
        }

        /// <summary>The getter of output column <paramref name="outputIndex"/> (0-based among the added columns), reading row <paramref name="row"/>().</summary>
        public Delegate Getter(int outputIndex, Func<int> row) => (bound.Scorer.Task, outputIndex) switch
        {
            (SequenceClassificationTask.Binary, 0) => (ValueGetter<float>)((ref float v) => v = BinaryScore(row())),
            (SequenceClassificationTask.Binary, 1) => (ValueGetter<float>)((ref float v) => v = BinaryProbability(row())),
            (SequenceClassificationTask.Binary, 2) => (ValueGetter<bool>)((ref bool v) => v = BinaryPredictedLabel(row())),
            (SequenceClassificationTask.Multiclass, 0) => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) => MulticlassScore(row(), ref v)),
            (SequenceClassificationTask.Multiclass, 1) => (ValueGetter<uint>)((ref uint v) => v = MulticlassPredictedLabel(row())),
            _ => throw new ArgumentOutOfRangeException(nameof(outputIndex)),
        };
    }
}

/// <summary>
/// The lazy output of <see cref="RecurrentSequenceClassificationTransformer.Transform"/>: nothing runs until a cursor
/// moves; each cursor pulls rows from the input cursor in mini-batches of <see cref="RecurrentPredictor.BatchSize"/>,
/// scores them in one engine call and serves them one by one (input columns from a per-batch copy).
/// </summary>
internal sealed class ScoredDataView(IDataView input, BoundScorer bound) : IDataView
{
    public const int BatchSize = RecurrentPredictor.BatchSize;

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
        return anyOutput ? new BatchCursor(cursor, bound, active) : new PassThroughCursor(cursor, bound.OutputSchema, active);
    }

    // One cursor: batching needs every row in order and a multi-cursor split would only batch smaller groups.
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
        => [GetRowCursor(columnsNeeded, rand)];

    /// <summary>No output column requested: the input's rows as they are.</summary>
    private sealed class PassThroughCursor(DataViewRowCursor input, DataViewSchema schema, bool[] active) : DataViewRowCursor
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

    private sealed class BatchCursor : DataViewRowCursor
    {
        private readonly DataViewRowCursor _input;
        private readonly BoundScorer _bound;
        private readonly bool[] _active;
        private readonly SequenceEncoder.SequenceReader _reader;
        private readonly BoundScorer.Results _results;
        private readonly ColumnCache?[] _caches;
        private readonly ValueGetter<DataViewRowId> _inputId;
        private readonly DataViewRowId[] _ids = new DataViewRowId[BatchSize];
        private int _count, _current = -1;
        private long _position = -1;
        private bool _done;

        public BatchCursor(DataViewRowCursor input, BoundScorer bound, bool[] active)
        {
            _input = input; _bound = bound; _active = active;
            _reader = bound.Scorer.Encoder.CreateReader(input, input.Schema[bound.FeatureColumn.Index]);
            _results = new BoundScorer.Results(bound, BatchSize);
            _caches = new ColumnCache?[bound.InputCount];
            for (int i = 0; i < bound.InputCount; i++)
                if (active[i]) _caches[i] = ColumnCache.Create(input, input.Schema[i], BatchSize);
            _inputId = input.GetIdGetter();
        }

        public override DataViewSchema Schema => _bound.OutputSchema;
        public override long Position => _position;
        public override long Batch => _input.Batch;
        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override bool MoveNext()
        {
            if (_current + 1 < _count) { _current++; _position++; return true; }
            if (_done || !Fill()) { _done = true; _current = _count = 0; return false; }
            _current = 0;
            _position++;
            return true;
        }

        private bool Fill()
        {
            _count = 0;
            while (_count < BatchSize && _input.MoveNext())
            {
                _results.Sequences[_count] = _reader.Read();
                _inputId(ref _ids[_count]);
                foreach (var c in _caches) c?.Fetch(_count);
                _count++;
            }
            if (_count == 0) return false;
            _results.Score(_count);
            Array.Clear(_results.Sequences, 0, _count);
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
            var getter = _results.Getter(column.Index - _bound.InputCount, Row);
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue)}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>Copies of one input column's values for the rows of a batch (deep copies for vectors).</summary>
internal abstract class ColumnCache
{
    public static ColumnCache Create(DataViewRow row, DataViewSchema.Column column, int capacity)
    {
        var raw = column.Type.RawType;
        var type = raw.IsGenericType && raw.GetGenericTypeDefinition() == typeof(VBuffer<>)
            ? typeof(VectorCache<>).MakeGenericType(raw.GetGenericArguments()[0])
            : typeof(ValueCache<>).MakeGenericType(raw);
        return (ColumnCache)Activator.CreateInstance(type, row, column, capacity)!;
    }

    public abstract void Fetch(int slot);
    public abstract ValueGetter<TValue> Getter<TValue>(Func<int> slot);

    private sealed class ValueCache<T>(DataViewRow row, DataViewSchema.Column column, int capacity) : ColumnCache
    {
        private readonly ValueGetter<T> _source = row.GetGetter<T>(column);
        private readonly T[] _values = new T[capacity];

        public override void Fetch(int slot) => _source(ref _values[slot]);

        public override ValueGetter<TValue> Getter<TValue>(Func<int> slot)
        {
            ValueGetter<T> getter = (ref T v) => v = _values[slot()];
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue)}.");
        }
    }

    private sealed class VectorCache<T>(DataViewRow row, DataViewSchema.Column column, int capacity) : ColumnCache
    {
        private readonly ValueGetter<VBuffer<T>> _source = row.GetGetter<VBuffer<T>>(column);
        private readonly VBuffer<T>[] _values = new VBuffer<T>[capacity];
        private VBuffer<T> _scratch;

        // The source may reuse its buffers from row to row: keep a deep copy.
        public override void Fetch(int slot)
        {
            _source(ref _scratch);
            _scratch.CopyTo(ref _values[slot]);
        }

        public override ValueGetter<TValue> Getter<TValue>(Func<int> slot)
        {
            ValueGetter<VBuffer<T>> getter = (ref VBuffer<T> v) => _values[slot()].CopyTo(ref v);
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue)}.");
        }
    }
}

/// <summary>
/// Row-to-row mapping for <c>CreatePredictionEngine</c> and <c>TransformerChain.GetRowToRowMapper</c>: scores the one
/// current row when an output column is first read at a new position. <see cref="InputSchema"/> is the very schema
/// object it was made for and every returned row's schema is <see cref="OutputSchema"/>, as chained mappers require.
/// </summary>
internal sealed class SequenceRowMapper(BoundScorer bound) : IRowToRowMapper
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
        return new MappedRow(input, bound, active);
    }

    private sealed class MappedRow : DataViewRow
    {
        private readonly DataViewRow _input;
        private readonly BoundScorer _bound;
        private readonly bool[] _active;
        private readonly BoundScorer.Results _results;
        private SequenceEncoder.SequenceReader? _reader;
        private long _scoredPosition = long.MinValue;
        private readonly object _lock = new();

        public MappedRow(DataViewRow input, BoundScorer bound, bool[] active)
        {
            _input = input; _bound = bound; _active = active;
            _results = new BoundScorer.Results(bound, 1);
        }

        public override DataViewSchema Schema => _bound.OutputSchema;
        public override long Position => _input.Position;
        public override long Batch => _input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        private int Current()
        {
            lock (_lock)
            {
                if (_scoredPosition != _input.Position)
                {
                    _reader ??= _bound.Scorer.Encoder.CreateReader(_input, _bound.FeatureColumn);
                    _results.Sequences[0] = _reader.Read();
                    _results.Score(1);
                    _results.Sequences[0] = null;
                    _scoredPosition = _input.Position;
                }
            }
            return 0;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' is not active in this row.");
            if (column.Index < _bound.InputCount) return _input.GetGetter<TValue>(_bound.InputSchema[column.Index]);
            return _results.Getter(column.Index - _bound.InputCount, Current) as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' has type {column.Type}; it cannot be read as {typeof(TValue)}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
