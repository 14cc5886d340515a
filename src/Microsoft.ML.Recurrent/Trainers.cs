using Microsoft.ML.Runtime;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// LSTM sequence classifier (PyTorch <c>nn.LSTM</c> semantics). Create it with
/// <c>mlContext.BinaryClassification.Trainers.Lstm(...)</c>, <c>mlContext.MulticlassClassification.Trainers.Lstm(...)</c>
/// or <c>mlContext.Recurrent().Lstm(...)</c>.
/// </summary>
public sealed class LstmSequenceClassifierTrainer : RecurrentSequenceClassifierTrainer
{
    /// <summary>Options of <see cref="LstmSequenceClassifierTrainer"/>.</summary>
    public sealed class Options : RecurrentSequenceClassifierOptions
    {
        /// <summary>Peephole connections (the gates also see the cell state).</summary>
        public bool Peephole { get; set; }

        /// <summary>Initial forget-gate bias; 1 (Keras' <c>unit_forget_bias</c>) helps long sequences.</summary>
        public float ForgetGateBias { get; set; } = 1f;
    }

    private readonly Options _lstm;

    internal LstmSequenceClassifierTrainer(IHostEnvironment env, Options options, SequenceClassificationTask task) : base(env, options, task)
        => _lstm = (Options)options.Clone();

    /// <inheritdoc/>
    public override RecurrentCellType Cell => RecurrentCellType.Lstm;

    private protected override (RecurrentArchitecture, TrainingOptions) Configure(RecurrentArchitecture architecture, TrainingOptions training)
        => (architecture with { Peephole = _lstm.Peephole }, training with { ForgetGateBias = _lstm.ForgetGateBias });
}

/// <summary>
/// GRU sequence classifier (PyTorch <c>nn.GRU</c> semantics by default). Create it with
/// <c>mlContext.BinaryClassification.Trainers.Gru(...)</c>, <c>mlContext.MulticlassClassification.Trainers.Gru(...)</c>
/// or <c>mlContext.Recurrent().Gru(...)</c>.
/// </summary>
public sealed class GruSequenceClassifierTrainer : RecurrentSequenceClassifierTrainer
{
    /// <summary>Options of <see cref="GruSequenceClassifierTrainer"/>.</summary>
    public sealed class Options : RecurrentSequenceClassifierOptions
    {
        /// <summary>Where the reset gate applies: PyTorch/cuDNN form (default) or the original Cho et al. form.</summary>
        public GruResetMode ResetMode { get; set; } = GruResetMode.AfterRecurrentProduct;
    }

    private readonly Options _gru;

    internal GruSequenceClassifierTrainer(IHostEnvironment env, Options options, SequenceClassificationTask task) : base(env, options, task)
        => _gru = (Options)options.Clone();

    /// <inheritdoc/>
    public override RecurrentCellType Cell => RecurrentCellType.Gru;

    private protected override (RecurrentArchitecture, TrainingOptions) Configure(RecurrentArchitecture architecture, TrainingOptions training)
        => (architecture with { GruReset = _gru.ResetMode }, training);
}

/// <summary>
/// Plain (Elman) RNN sequence classifier (PyTorch <c>nn.RNN</c>). Its options pool with <see cref="SequencePooling.Mean"/>
/// by default, which trains more reliably than the last state for this cell. Create it with
/// <c>mlContext.BinaryClassification.Trainers.Rnn(...)</c>, <c>mlContext.MulticlassClassification.Trainers.Rnn(...)</c>
/// or <c>mlContext.Recurrent().Rnn(...)</c>.
/// </summary>
public sealed class RnnSequenceClassifierTrainer : RecurrentSequenceClassifierTrainer
{
    /// <summary>Options of <see cref="RnnSequenceClassifierTrainer"/>.</summary>
    public sealed class Options : RecurrentSequenceClassifierOptions
    {
        /// <summary>Options with mean pooling.</summary>
        public Options() => Pooling = SequencePooling.Mean;

        /// <summary>The cell's non-linearity.</summary>
        public RnnActivation Activation { get; set; } = RnnActivation.Tanh;
    }

    private readonly Options _rnn;

    internal RnnSequenceClassifierTrainer(IHostEnvironment env, Options options, SequenceClassificationTask task) : base(env, options, task)
        => _rnn = (Options)options.Clone();

    /// <inheritdoc/>
    public override RecurrentCellType Cell => RecurrentCellType.Rnn;

    private protected override (RecurrentArchitecture, TrainingOptions) Configure(RecurrentArchitecture architecture, TrainingOptions training)
        => (architecture with { RnnActivation = _rnn.Activation }, training);
}
