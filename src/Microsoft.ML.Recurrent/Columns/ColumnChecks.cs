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
        if (!ShapeColumns.TryFind(shape, name, out var column))
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
            SequenceClassificationTask.Regression when column.Type != NumberDataViewType.Single => "Single (regression; convert with mlContext.Transforms.Conversion.ConvertType)",
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
        if (!ShapeColumns.TryFind(shape, name, out column))
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
            case SequenceClassificationTask.Regression when !(scalar && !column.IsKey && column.ItemType == NumberDataViewType.Single):
                throw new ArgumentOutOfRangeException("inputSchema", $"Label column '{name}' has type {typeName}; expected Single (regression).");
            case SequenceClassificationTask.Regression:
                return task;
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
        if (!ShapeColumns.TryFind(shape, name, out var column))
            throw new ArgumentOutOfRangeException("inputSchema", $"Example weight column '{name}' was not found in the input schema.");
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.IsKey || column.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException("inputSchema", $"Example weight column '{name}' has type {column.ItemType}; expected Single.");
    }
}
