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
