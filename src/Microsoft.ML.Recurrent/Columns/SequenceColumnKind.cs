namespace Microsoft.ML.Recurrent;

/// <summary>What the feature column of a recurrent trainer holds, as found when training.</summary>
public enum SequenceColumnKind
{
    /// <summary>A vector of text tokens (e.g. from <c>TokenizeIntoWords</c>); the trainer builds a vocabulary.</summary>
    Text = 0,
    /// <summary>A vector of keys (e.g. from <c>MapValueToKey</c>); key k is token id k + 1.</summary>
    Key = 1,
    /// <summary>A vector of <see cref="float"/>: T steps of F values for a [T, F]-shaped column, else steps of <see cref="RecurrentSequenceClassifierOptions.FeaturesPerStep"/> values (default 1).</summary>
    Float = 2,
}
