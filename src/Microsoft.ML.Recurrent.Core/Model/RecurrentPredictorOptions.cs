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
    /// output row (symmetric, 127 levels), and each step's h per row and step with its own scale (max |h|), so
    /// tanh, ReLU and Jordan recurrences all work. Each product then carries a relative error of about 1% of
    /// max |h|·max |W row| spread over its terms; the class probabilities of the trained models in the tests moved by at
    /// most a few thousandths (tests/Microsoft.ML.Recurrent.Core.Tests, <c>Int8PredictorTests</c>, bound 0.03), and the
    /// spam and MNIST samples' F1 and accuracy are reported next to fp32 in their READMEs. The bound is empirical:
    /// a model whose decisions hinge on tiny recurrent differences (long, chaotic or barely trained dynamics) can move
    /// more — check your own data before switching. Results are deterministic and the same for one sequence, many
    /// sequences and any thread count. On CPUs without AVX-VNNI the same integers are computed in scalar code (same
    /// results, slower than fp32). Not saved with the model.
    /// </summary>
    Int8 = 1,
}
