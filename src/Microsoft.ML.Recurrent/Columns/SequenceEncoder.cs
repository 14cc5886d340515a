using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// What a model reads from its sequence column and how: token ids (padding 0, unknown 1, vocabulary or keys from 2)
/// or dense steps, and the longest sequence kept. Immutable and shared; <see cref="CreateReader"/> makes the typed
/// per-cursor reader, <see cref="CreateDatasetBuilder"/> the engine dataset it fills.
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

    /// <summary>Steps kept of a sequence of <paramref name="steps"/> steps.</summary>
    public int Limit(int steps) => MaxSteps > 0 ? Math.Min(steps, MaxSteps) : steps;

    public int IdOf(ReadOnlySpan<char> token) => _lookup.TryGetValue(token, out int id) ? id : RecurrentArchitecture.UnknownId;

    public int IdOfKey(ulong key) => key == 0 || key > KeyCount ? RecurrentArchitecture.UnknownId : (int)key + 1;

    /// <summary>The engine dataset this encoder's rows go into.</summary>
    public SequenceDatasetBuilder CreateDatasetBuilder()
        => Kind == SequenceColumnKind.Float ? SequenceDatasetBuilder.ForFeatures(FeaturesPerStep) : SequenceDatasetBuilder.ForTokens();

    /// <summary>A reader of <paramref name="column"/> on <paramref name="row"/>: <see cref="TokenSequenceReader"/> or <see cref="FloatSequenceReader"/>.</summary>
    public SequenceReader CreateReader(DataViewRow row, DataViewSchema.Column column) => Kind switch
    {
        SequenceColumnKind.Text => new TextTokenReader(this, row.GetGetter<VBuffer<ReadOnlyMemory<char>>>(column)),
        SequenceColumnKind.Key => ((VectorDataViewType)column.Type).ItemType.RawType switch
        {
            var t when t == typeof(uint) => new KeyTokenReader<uint>(this, row.GetGetter<VBuffer<uint>>(column)),
            var t when t == typeof(byte) => new KeyTokenReader<byte>(this, row.GetGetter<VBuffer<byte>>(column)),
            var t when t == typeof(ushort) => new KeyTokenReader<ushort>(this, row.GetGetter<VBuffer<ushort>>(column)),
            var t when t == typeof(ulong) => new KeyTokenReader<ulong>(this, row.GetGetter<VBuffer<ulong>>(column)),
            var t => throw new NotSupportedException($"Key column '{column.Name}' has raw type {t}."),
        },
        _ => new FloatSequenceReader(this, row.GetGetter<VBuffer<float>>(column)),
    };
}
