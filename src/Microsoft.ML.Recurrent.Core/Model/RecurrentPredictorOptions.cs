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

    /// <summary>
    /// Threads one sequence may use: 1 (the default) or 2. With 2, a one-sequence call splits every recurrent layer's
    /// hidden units between the calling thread and a helper thread owned by the predictor, which meet once a step;
    /// results are bit-identical to one thread. It pays off at batch 1 when the recurrent weights no longer fit in one
    /// core's L1 cache (hidden size ≳ 64) and the two cores exchange data quickly; the helper spins for a short while
    /// after each call (keeping a core busy, as ONNX Runtime's intra-op threads do) and then parks. LSTM, GRU
    /// (reset-after) and Elman RNN models with at least 32 hidden units are split; other models, and a call made while
    /// another thread is using the helper, run on the calling thread. Many-sequence calls use
    /// <see cref="NumberOfThreads"/> instead.
    /// </summary>
    public int SingleSequenceThreads { get; init; } = 1;
}
