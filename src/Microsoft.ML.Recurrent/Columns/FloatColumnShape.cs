using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// How a <see cref="float"/>-vector feature column is cut into steps, and the columns that are not sequences at all:
/// bag-of-words / n-gram vectors (FeaturizeText's output) and vectors too long for one mini-batch.
/// </summary>
internal static class FloatColumnShape
{
    private const string UseTokens =
        "give the trainer the tokens instead: mlContext.Transforms.Text.FeaturizeText(..., new TextFeaturizingEstimator.Options { OutputTokensColumnName = \"Tokens\" }, ...) " +
        "with FeatureColumnName = \"Tokens\", or mlContext.Transforms.Text.TokenizeIntoWords(\"Tokens\", \"Text\")";

    /// <summary>
    /// Floats per step: F of a column shaped [T, F] (<see cref="VectorDataViewType.Dimensions"/>), else
    /// <paramref name="featuresPerStep"/>, else 1. A <paramref name="featuresPerStep"/> that disagrees with F is an error.
    /// </summary>
    public static int FeaturesPerStep(DataViewSchema.Column column, int? featuresPerStep)
    {
        var type = (VectorDataViewType)column.Type;
        if (type.Dimensions.Length == 2 && type.Dimensions[1] > 0)
        {
            int f = type.Dimensions[1];
            if (featuresPerStep is { } set && set != f)
                throw new ArgumentOutOfRangeException(nameof(featuresPerStep),
                    $"Feature column '{column.Name}' has dimensions [{type.Dimensions[0]}, {f}] (steps × values per step); Options.FeaturesPerStep = {set} disagrees. Leave FeaturesPerStep unset or set it to {f}.");
            return f;
        }
        return featuresPerStep ?? 1;
    }

    /// <summary>
    /// Throws if the column is a bag of words / n-grams (slot names like FeaturizeText's "Word.…", "Char.…" or
    /// "a|b" n-grams) or so long that one mini-batch could not be allocated (the engine's largest per-batch buffer is
    /// about steps × batch × 4 gates × hidden × directions floats).
    /// </summary>
    public static void CheckIsSequence(DataViewSchema.Column column, int featuresPerStep, RecurrentSequenceClassifierOptions o)
    {
        var type = (VectorDataViewType)column.Type;
        if (type.Size == 0) return;  // variable length: nothing to judge before reading
        if (TextLikeSlotName(column) is { } slot)
            throw new ArgumentOutOfRangeException("trainData",
                $"Feature column '{column.Name}' has type {type} with slot names such as '{slot}': a bag of words or n-grams (e.g. FeaturizeText's output), " +
                $"not a sequence. A recurrent network reads the tokens in order; {UseTokens}.");
        long steps = type.Size / featuresPerStep;
        if (o.MaxSequenceLength is { } max) steps = Math.Min(steps, max);
        long floats = steps * o.BatchSize * 4L * o.HiddenSize * (o.Bidirectional ? 2 : 1);
        if (floats > Array.MaxLength)
            throw new ArgumentOutOfRangeException("trainData",
                $"Feature column '{column.Name}' has type {type}: read as {steps} steps of {featuresPerStep} value(s), one mini-batch of {o.BatchSize} would need about " +
                $"{floats} floats, more than one array holds. If it is a bag of words or n-grams (e.g. FeaturizeText's output), {UseTokens}. " +
                "If it is a long series, set MaxSequenceLength, FeaturesPerStep (or give the column [T, F] dimensions) or a smaller BatchSize.");
    }

    private static string? TextLikeSlotName(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull(AnnotationNames.SlotNames) is not { Type: VectorDataViewType { ItemType: TextDataViewType } }) return null;
        VBuffer<ReadOnlyMemory<char>> names = default;
        column.Annotations.GetValue(AnnotationNames.SlotNames, ref names);
        foreach (var name in names.DenseValues())
        {
            var s = name.Span;
            if (s.StartsWith("Word.") || s.StartsWith("Char.") || s.Contains('|')) return name.ToString();
        }
        return null;
    }
}
