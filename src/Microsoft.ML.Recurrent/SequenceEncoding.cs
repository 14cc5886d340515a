using System.Numerics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>Checks sequence/label/weight columns and reads them row by row (public ML.NET API only).</summary>
internal static class ColumnChecks
{
    public const string ExpectedSequence =
        "a vector of text tokens (e.g. from TokenizeIntoWords, or FeaturizeText with OutputTokensColumnName), a vector of keys (e.g. from MapValueToKey) or a vector of Single";

    public static SequenceColumnKind? KindOf(DataViewType type) => type is VectorDataViewType v
        ? v.ItemType switch
        {
            TextDataViewType => SequenceColumnKind.Text,
            KeyDataViewType => SequenceColumnKind.Key,
            NumberDataViewType n when n.RawType == typeof(float) => SequenceColumnKind.Float,
            _ => null,
        }
        : null;

    public static string Describe(SequenceColumnKind kind, int featuresPerStep) => kind switch
    {
        SequenceColumnKind.Text => "a vector of text tokens",
        SequenceColumnKind.Key => "a vector of keys",
        _ => $"a vector of Single ({featuresPerStep} per step)",
    };

    /// <summary>Finds the sequence column and checks its type; <paramref name="trained"/> is the kind a fitted model reads.</summary>
    public static DataViewSchema.Column CheckSequence(DataViewSchema schema, string name, SequenceColumnKind? trained, int featuresPerStep, out SequenceColumnKind kind)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Feature column '{name}' was not found in the input schema.");
        kind = KindOf(column.Type) ?? throw new ArgumentOutOfRangeException(nameof(schema),
            $"Feature column '{name}' has type {column.Type}; expected {ExpectedSequence}." + Hint(column.Type));
        CheckKind(name, $"{column.Type}", kind, trained, featuresPerStep);
        if (kind == SequenceColumnKind.Float && column.Type is VectorDataViewType { Size: > 0 } v && v.Size % featuresPerStep != 0)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Feature column '{name}' has type {column.Type}; expected a vector of Single whose length is a multiple of FeaturesPerStep = {featuresPerStep}.");
        return column;
    }

    /// <summary>The same checks on a <see cref="SchemaShape"/> (pipeline validation before fitting).</summary>
    public static SequenceColumnKind CheckSequence(SchemaShape shape, string name, int featuresPerStep)
    {
        if (!shape.TryFindColumn(name, out var column))
            throw new ArgumentOutOfRangeException("inputSchema", $"Feature column '{name}' was not found in the input schema.");
        string typeName = column.Kind == SchemaShape.Column.VectorKind.Scalar ? $"{column.ItemType}" : $"{column.Kind}<{column.ItemType}>";
        SequenceColumnKind? kind = column.Kind == SchemaShape.Column.VectorKind.Scalar ? null
            : column.IsKey ? SequenceColumnKind.Key
            : column.ItemType is TextDataViewType ? SequenceColumnKind.Text
            : column.ItemType is NumberDataViewType n && n.RawType == typeof(float) ? SequenceColumnKind.Float
            : null;
        if (kind is null)
            throw new ArgumentOutOfRangeException("inputSchema", $"Feature column '{name}' has type {typeName}; expected {ExpectedSequence}."
                + (column.Kind == SchemaShape.Column.VectorKind.Scalar && column.ItemType is TextDataViewType ? TextHint : ""));
        return kind.Value;
    }

    public static void CheckKind(string name, string typeName, SequenceColumnKind kind, SequenceColumnKind? trained, int featuresPerStep)
    {
        if (trained is { } t && t != kind)
            throw new ArgumentOutOfRangeException("inputSchema",
                $"Feature column '{name}' has type {typeName}; this model was trained on {Describe(t, featuresPerStep)}.");
    }

    private const string TextHint = " Split text into tokens first, e.g. mlContext.Transforms.Text.TokenizeIntoWords.";

    private static string Hint(DataViewType type) => type is TextDataViewType ? TextHint : "";

    public static DataViewSchema.Column CheckLabel(DataViewSchema schema, string name, SequenceClassificationTask task)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{name}' was not found in the input schema.");
        string? problem = task switch
        {
            SequenceClassificationTask.Binary when column.Type is not BooleanDataViewType => "Boolean (binary classification)",
            SequenceClassificationTask.Multiclass when column.Type is not KeyDataViewType => "a key type (multiclass classification; use MapValueToKey)",
            SequenceClassificationTask.Auto when column.Type is not (BooleanDataViewType or KeyDataViewType) => "Boolean (binary) or a key type (multiclass)",
            _ => null,
        };
        if (problem is not null)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{name}' has type {column.Type}; expected {problem}.");
        if (column.Type is KeyDataViewType k && k.Count < 2)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{name}' has type {column.Type}; expected at least 2 classes.");
        return column;
    }

    public static SequenceClassificationTask CheckLabel(SchemaShape shape, string name, SequenceClassificationTask task, out SchemaShape.Column column)
    {
        if (!shape.TryFindColumn(name, out column))
            throw new ArgumentOutOfRangeException("inputSchema", $"Label column '{name}' was not found in the input schema.");
        bool scalar = column.Kind == SchemaShape.Column.VectorKind.Scalar;
        bool isBool = scalar && column.ItemType is BooleanDataViewType;
        bool isKey = scalar && column.IsKey;
        string typeName = scalar ? column.ItemType + (column.IsKey ? " (key)" : "") : $"{column.Kind}<{column.ItemType}>";
        switch (task)
        {
            case SequenceClassificationTask.Binary when !isBool:
                throw new ArgumentOutOfRangeException("inputSchema", $"Label column '{name}' has type {typeName}; expected Boolean (binary classification).");
            case SequenceClassificationTask.Multiclass when !isKey:
                throw new ArgumentOutOfRangeException("inputSchema", $"Label column '{name}' has type {typeName}; expected a key type (multiclass classification; use MapValueToKey).");
            case SequenceClassificationTask.Auto when !isBool && !isKey:
                throw new ArgumentOutOfRangeException("inputSchema", $"Label column '{name}' has type {typeName}; expected Boolean (binary) or a key type (multiclass).");
        }
        return isBool ? SequenceClassificationTask.Binary : SequenceClassificationTask.Multiclass;
    }

    public static DataViewSchema.Column? CheckWeight(DataViewSchema schema, string? name)
    {
        if (name is null) return null;
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"Example weight column '{name}' was not found in the input schema.");
        if (column.Type != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Example weight column '{name}' has type {column.Type}; expected Single.");
        return column;
    }

    public static void CheckWeight(SchemaShape shape, string? name)
    {
        if (name is null) return;
        if (!shape.TryFindColumn(name, out var column))
            throw new ArgumentOutOfRangeException("inputSchema", $"Example weight column '{name}' was not found in the input schema.");
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.IsKey || column.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("inputSchema", $"Example weight column '{name}' has type {column.ItemType}; expected Single.");
    }

    /// <summary>A getter of a scalar key column as a 1-based <see cref="ulong"/> (0 = missing), whatever its raw type.</summary>
    public static Func<ulong> KeyGetter(DataViewRow row, DataViewSchema.Column column) => column.Type.RawType switch
    {
        var t when t == typeof(uint) => MakeKeyGetter<uint>(row, column),
        var t when t == typeof(byte) => MakeKeyGetter<byte>(row, column),
        var t when t == typeof(ushort) => MakeKeyGetter<ushort>(row, column),
        var t when t == typeof(ulong) => MakeKeyGetter<ulong>(row, column),
        var t => throw new NotSupportedException($"Key column '{column.Name}' has raw type {t}."),
    };

    private static Func<ulong> MakeKeyGetter<T>(DataViewRow row, DataViewSchema.Column column) where T : IBinaryInteger<T>
    {
        var getter = row.GetGetter<T>(column);
        T value = default!;
        return () => { getter(ref value); return ulong.CreateTruncating(value); };
    }

    /// <summary>The key values of a key column as text (null if it has none): class names, slot names.</summary>
    public static string[]? KeyValuesAsText(DataViewSchema.Column column)
    {
        var kv = column.Annotations.Schema.GetColumnOrNull(AnnotationNames.KeyValues);
        if (kv is null || kv.Value.Type is not VectorDataViewType vt) return null;
        var method = typeof(ColumnChecks).GetMethod(nameof(ReadKeyValues), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(vt.ItemType.RawType);
        return (string[])method.Invoke(null, [column.Annotations])!;
    }

    private static string[] ReadKeyValues<T>(DataViewSchema.Annotations annotations)
    {
        VBuffer<T> values = default;
        annotations.GetValue(AnnotationNames.KeyValues, ref values);
        var result = new string[values.Length];
        int i = 0;
        foreach (var v in values.DenseValues()) result[i++] = v?.ToString() ?? "";
        return result;
    }
}

/// <summary>ML.NET's standard annotation names and values (ML.NET keeps its AnnotationUtils internal).</summary>
internal static class AnnotationNames
{
    public const string SlotNames = "SlotNames";
    public const string KeyValues = "KeyValues";
    public const string IsNormalized = "IsNormalized";
    public const string ScoreColumnSetId = "ScoreColumnSetId";
    public const string ScoreColumnKind = "ScoreColumnKind";
    public const string ScoreValueKind = "ScoreValueKind";
    public const string BinaryClassification = "BinaryClassification";
    public const string MulticlassClassification = "MulticlassClassification";
    public const string Score = "Score";
    public const string Probability = "Probability";
    public const string PredictedLabel = "PredictedLabel";
}

/// <summary>
/// Turns one row's sequence column into engine input: token ids (padding 0, unknown 1, vocabulary or keys from 2)
/// or dense steps. Immutable and shared; <see cref="CreateReader"/> makes a per-cursor reader.
/// </summary>
internal sealed class SequenceEncoder
{
    public const string PaddingToken = "<pad>";

    private readonly Dictionary<string, int>? _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    private SequenceEncoder(SequenceColumnKind kind, int maxSteps, int featuresPerStep, string[]? vocabulary, ulong keyCount)
    {
        Kind = kind; MaxSteps = maxSteps; FeaturesPerStep = featuresPerStep; Vocabulary = vocabulary; KeyCount = keyCount;
        if (vocabulary is not null)
        {
            _ids = new Dictionary<string, int>(vocabulary.Length, StringComparer.Ordinal);
            // Id 0 (padding) is never produced from data; the unknown token's text maps to 1 like any unknown token.
            for (int i = 2; i < vocabulary.Length; i++) _ids[vocabulary[i]] = i;
            _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    public static SequenceEncoder ForText(string[] vocabulary, int maxSteps) => new(SequenceColumnKind.Text, maxSteps, 0, vocabulary, 0);
    public static SequenceEncoder ForKeys(ulong keyCount, int maxSteps) => new(SequenceColumnKind.Key, maxSteps, 0, null, keyCount);
    public static SequenceEncoder ForFloats(int featuresPerStep, int maxSteps) => new(SequenceColumnKind.Float, maxSteps, featuresPerStep, null, 0);

    public SequenceColumnKind Kind { get; }

    /// <summary>Longest sequence kept, in steps (the first steps are kept); 0 = no limit.</summary>
    public int MaxSteps { get; }

    public int FeaturesPerStep { get; }

    /// <summary>Text inputs: token of each id (0 padding, 1 unknown).</summary>
    public string[]? Vocabulary { get; }

    /// <summary>Key inputs: the key count seen in training (keys above it read as unknown).</summary>
    public ulong KeyCount { get; }

    /// <summary>Token ids the model's embedding needs.</summary>
    public int VocabularySize => Kind == SequenceColumnKind.Text ? Vocabulary!.Length : checked((int)KeyCount + 2);

    private int Limit(int steps) => MaxSteps > 0 ? Math.Min(steps, MaxSteps) : steps;

    public int IdOf(ReadOnlySpan<char> token) => _lookup.TryGetValue(token, out int id) ? id : RecurrentArchitecture.UnknownId;

    public int IdOfKey(ulong key) => key == 0 || key > KeyCount ? RecurrentArchitecture.UnknownId : (int)key + 1;

    public SequenceReader CreateReader(DataViewRow row, DataViewSchema.Column column) => Kind switch
    {
        SequenceColumnKind.Text => new TextReader(this, row.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column)),
        SequenceColumnKind.Key => ((VectorDataViewType)column.Type).ItemType.RawType switch
        {
            var t when t == typeof(uint) => new KeyReader<uint>(this, row.GetGetter<VBuffer<uint>>(column)),
            var t when t == typeof(byte) => new KeyReader<byte>(this, row.GetGetter<VBuffer<byte>>(column)),
            var t when t == typeof(ushort) => new KeyReader<ushort>(this, row.GetGetter<VBuffer<ushort>>(column)),
            var t when t == typeof(ulong) => new KeyReader<ulong>(this, row.GetGetter<VBuffer<ulong>>(column)),
            var t => throw new NotSupportedException($"Key column '{column.Name}' has raw type {t}."),
        },
        _ => new FloatReader(this, row.GetGetter<VBuffer<float>>(column)),
    };

    /// <summary>Reads the current row's sequence: an <c>int[]</c> of token ids or a <c>float[]</c> of steps; null if the row is unusable (non-finite values, length not a multiple of FeaturesPerStep).</summary>
    internal abstract class SequenceReader
    {
        public abstract Array? Read();
    }

    private sealed class TextReader(SequenceEncoder e, ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter) : SequenceReader
    {
        private VBuffer<ReadOnlyMemory<char>> _buffer;

        public override Array Read()
        {
            getter(ref _buffer);
            int n = e.Limit(_buffer.Length);
            var ids = new int[n];
            if (_buffer.IsDense)
            {
                var values = _buffer.GetValues();
                for (int i = 0; i < n; i++) ids[i] = e.IdOf(values[i].Span);
            }
            else
            {
                int empty = e.IdOf(default);
                int i = 0;
                foreach (var v in _buffer.DenseValues()) { if (i == n) break; ids[i++] = v.IsEmpty ? empty : e.IdOf(v.Span); }
            }
            return ids;
        }
    }

    private sealed class KeyReader<T>(SequenceEncoder e, ValueGetter<VBuffer<T>> getter) : SequenceReader where T : IBinaryInteger<T>
    {
        private VBuffer<T> _buffer;

        public override Array Read()
        {
            getter(ref _buffer);
            int n = e.Limit(_buffer.Length);
            var ids = new int[n];
            int i = 0;
            foreach (var v in _buffer.DenseValues()) { if (i == n) break; ids[i++] = e.IdOfKey(ulong.CreateTruncating(v)); }
            return ids;
        }
    }

    private sealed class FloatReader(SequenceEncoder e, ValueGetter<VBuffer<float>> getter) : SequenceReader
    {
        private VBuffer<float> _buffer;

        public override Array? Read()
        {
            getter(ref _buffer);
            int f = e.FeaturesPerStep;
            if (_buffer.Length % f != 0) return null;
            int n = e.Limit(_buffer.Length / f) * f;
            var values = new float[n];
            if (_buffer.IsDense) _buffer.GetValues().Slice(0, n).CopyTo(values);
            else
            {
                var indices = _buffer.GetIndices();
                var v = _buffer.GetValues();
                for (int k = 0; k < indices.Length && indices[k] < n; k++) values[indices[k]] = v[k];
            }
            foreach (float x in values) if (!float.IsFinite(x)) return null;
            return values;
        }
    }
}
