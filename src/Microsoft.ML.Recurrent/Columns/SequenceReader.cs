namespace Microsoft.ML.Recurrent;

/// <summary>
/// Reads the current row's sequence column as engine input, typed: token ids (<see cref="TokenSequenceReader"/>) or
/// dense steps (<see cref="FloatSequenceReader"/>). The span returned is the reader's own buffer, valid until the next read.
/// </summary>
internal abstract class SequenceReader
{
    /// <summary>Adds the current row to <paramref name="builder"/> (made by the same encoder); false if the row is unusable.</summary>
    public abstract bool TryAddTo(SequenceDatasetBuilder builder, int label, float weight);
}

/// <summary>Reads a row as token ids (text tokens through the vocabulary, or keys).</summary>
internal abstract class TokenSequenceReader : SequenceReader
{
    /// <summary>The current row's token ids (the first MaxSteps). Every row is usable.</summary>
    public abstract ReadOnlySpan<int> Read();

    public sealed override bool TryAddTo(SequenceDatasetBuilder builder, int label, float weight)
    {
        builder.AddTokens(Read(), label, weight);
        return true;
    }
}
