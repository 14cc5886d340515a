using Microsoft.ML.Runtime;

namespace Microsoft.ML.Recurrent;

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
