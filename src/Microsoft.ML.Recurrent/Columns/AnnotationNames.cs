namespace Microsoft.ML.Recurrent;

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
    public const string Regression = "Regression";
    public const string Score = "Score";
    public const string Probability = "Probability";
    public const string PredictedLabel = "PredictedLabel";
}
