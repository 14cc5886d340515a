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

        /// <summary>
        /// Chrono initialisation of the update gate (Tallec &amp; Ollivier 2018): its bias starts at ln u, u uniform in
        /// [1, T − 1], so units start out keeping their state for up to T steps and long dependencies can be learned
        /// with the default learning rate. Default 256; set it near the sequence length for short sequences, or 0 for
        /// PyTorch's zero bias. See <see cref="TrainingOptions.UpdateGateTimescale"/>.
        /// </summary>
        public int UpdateGateTimescale { get; set; } = 256;
    }

    private readonly Options _gru;

    internal GruSequenceClassifierTrainer(IHostEnvironment env, Options options, SequenceClassificationTask task) : base(env, options, task)
        => _gru = (Options)options.Clone();

    /// <inheritdoc/>
    public override RecurrentCellType Cell => RecurrentCellType.Gru;

    private protected override (RecurrentArchitecture, TrainingOptions) Configure(RecurrentArchitecture architecture, TrainingOptions training)
        => (architecture with { GruReset = _gru.ResetMode }, training with { UpdateGateTimescale = _gru.UpdateGateTimescale });
}
