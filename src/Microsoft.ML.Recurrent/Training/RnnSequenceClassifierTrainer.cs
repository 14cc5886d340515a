using Microsoft.ML.Runtime;

namespace Microsoft.ML.Recurrent;

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

        /// <summary>
        /// Elman (default: the recurrence runs through the hidden state, as <c>nn.RNN</c>) or Jordan (through the
        /// previous step's output y, a learned projection of the hidden state of <see cref="JordanOutputSize"/> values).
        /// </summary>
        public RnnRecurrence Recurrence { get; set; } = RnnRecurrence.Elman;

        /// <summary>Jordan: size of the output y fed back to the next step; 0 = <see cref="RecurrentSequenceClassifierOptions.HiddenSize"/>.</summary>
        public int JordanOutputSize { get; set; }
    }

    private readonly Options _rnn;

    internal RnnSequenceClassifierTrainer(IHostEnvironment env, Options options, SequenceClassificationTask task) : base(env, options, task)
        => _rnn = (Options)options.Clone();

    /// <inheritdoc/>
    public override RecurrentCellType Cell => RecurrentCellType.Rnn;

    private protected override (RecurrentArchitecture, TrainingOptions) Configure(RecurrentArchitecture architecture, TrainingOptions training)
        => (architecture with { RnnActivation = _rnn.Activation, Recurrence = _rnn.Recurrence, JordanOutputSize = _rnn.JordanOutputSize }, training);
}
