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
    /// (reset-after) and Elman RNN models with at least 32 hidden units are split in fp32 (<see cref="Precision"/>); other
    /// models, int8 predictors, and a call made while
    /// another thread is using the helper, run on the calling thread. Many-sequence calls use
    /// <see cref="NumberOfThreads"/> instead.
    /// </summary>
    public int SingleSequenceThreads { get; init; } = 1;

    /// <summary>
    /// Arithmetic of the recurrent products: <see cref="InferencePrecision.Float32"/> (the default, exact fp32) or the
    /// opt-in, faster <see cref="InferencePrecision.Int8"/>, whose results differ from fp32 within the bound that type
    /// documents. A property of this predictor only: nothing about it is saved with the model.
    /// </summary>
    public InferencePrecision Precision { get; init; } = InferencePrecision.Float32;
}

/// <summary>How a <see cref="RecurrentPredictor"/> computes the per-step recurrent products h·W_hhᵀ.</summary>
public enum InferencePrecision
{
    /// <summary>Single precision throughout (the default): the same results as training and evaluation.</summary>
    Float32 = 0,

    /// <summary>
    /// Opt-in: the per-step recurrent products h·W_hhᵀ (most of the time of one sequence) run in 8-bit integers with
    /// AVX-VNNI; the input projection, gates, pooling and head stay fp32. W_hh is quantized once per predictor, per
    /// output row (symmetric, 127 levels), and h per row and step with its own scale (max |h|), so tanh, ReLU and
    /// Jordan recurrences all work. One product's error is bounded by about K·max|h|·max|W row|/127 (K inputs) and is
    /// typically a few percent of that. What it does to predictions is measured, not guaranteed: on the test suite's
    /// trained models the class probabilities moved by at most 0.014 (LSTM, GRU) and 0.041 (tanh Elman RNN), tested
    /// against bounds of 0.03 and 0.08; the spam and MNIST samples report F1 and accuracy next to fp32. A model whose
    /// decisions hinge on tiny recurrent differences can move more: compare on your own data before switching.
    /// Results are deterministic and the same for one sequence, many sequences and any thread count. On CPUs without
    /// AVX-VNNI the same integers are computed by scalar code (same results, slower than fp32). Not saved with the model.
    /// </summary>
    Int8 = 1,
}
