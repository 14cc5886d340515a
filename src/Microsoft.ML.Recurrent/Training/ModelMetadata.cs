namespace Microsoft.ML.Recurrent;

/// <summary>Metadata stored in the engine model, so an exported <see cref="RecurrentModel"/> is self-describing.</summary>
internal static class ModelMetadata
{
    public static Dictionary<string, string> Describe(SequenceClassificationTask task, SequenceColumnKind kind, string featureColumn, SequenceEncoder encoder, string[]? classNames)
    {
        var m = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["mlnet.task"] = task.ToString(),
            ["mlnet.inputKind"] = kind.ToString(),
            ["mlnet.featureColumn"] = featureColumn,
            ["mlnet.maxSequenceLength"] = encoder.MaxSteps.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (encoder.Vocabulary is { } v) m["mlnet.vocabulary"] = System.Text.Json.JsonSerializer.Serialize(v);
        if (kind == SequenceColumnKind.Key) m["mlnet.keyCount"] = encoder.KeyCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (classNames is not null) m["mlnet.classNames"] = System.Text.Json.JsonSerializer.Serialize(classNames);
        return m;
    }
}
