using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>The training data's columns as resolved at <c>Fit</c>: what is read, as what, and the classes.</summary>
internal sealed record TrainingColumns(
    DataViewSchema.Column Label,
    DataViewSchema.Column Features,
    DataViewSchema.Column? Weight,
    SequenceClassificationTask Task,
    SequenceColumnKind Kind,
    int FeaturesPerStep,
    int MaxSteps,
    int ClassCount,
    string[]? ClassNames);
