using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

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
