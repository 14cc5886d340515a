namespace Microsoft.ML.Recurrent;

/// <summary>Options of <see cref="RecurrentModel.CreatePredictor(PredictorOptions)"/>.</summary>
public sealed record PredictorOptions
{
    /// <summary>
    /// Threads a call with many sequences may use, the calling thread included; null (the default) uses every core.
    /// Results do not depend on it: the sequences are cut into the same blocks of
    /// <see cref="RecurrentPredictor.BatchSize"/> whatever the count. One sequence always runs on the calling thread.
    /// </summary>
    public int? NumberOfThreads { get; init; }
}
