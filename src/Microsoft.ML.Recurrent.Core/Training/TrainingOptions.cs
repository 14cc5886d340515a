namespace Microsoft.ML.Recurrent;

/// <summary>Parameter update rule.</summary>
public enum OptimizerKind
{
    /// <summary>Adam; <see cref="TrainingOptions.WeightDecay"/> is an L2 term added to the gradient.</summary>
    Adam = 0,
    /// <summary>AdamW: decoupled weight decay (Loshchilov &amp; Hutter).</summary>
    AdamW = 1,
    /// <summary>SGD with momentum (<see cref="TrainingOptions.Momentum"/>).</summary>
    Sgd = 2,
}

/// <summary>Learning rate over the run.</summary>
public enum LearningRateSchedule
{
    /// <summary>Always <see cref="TrainingOptions.LearningRate"/>.</summary>
    Constant = 0,
    /// <summary>Linear warm-up over <see cref="TrainingOptions.WarmupSteps"/>, then linear decay to zero at the last step.</summary>
    WarmupLinearDecay = 1,
    /// <summary>Linear warm-up, then half a cosine down to zero at the last step.</summary>
    Cosine = 2,
}

/// <summary>How a network is trained. Defaults follow common PyTorch/Keras practice for small recurrent classifiers.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set (an upper bound when early stopping is on).</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Sequences per mini-batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Peak learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Update rule.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Adam β1.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>Adam β2.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Adam ε.</summary>
    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>SGD momentum.</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>L2 penalty (Adam, SGD) or decoupled decay (AdamW); applies to every parameter.</summary>
    public float WeightDecay { get; init; }

    /// <summary>Clip the gradient to this global L2 norm; 0 turns clipping off.</summary>
    public float GradientClipNorm { get; init; } = 5f;

    /// <summary>Learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Warm-up steps for the non-constant schedules.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Initial LSTM forget-gate bias (in <c>bias_ih</c>); 1 as in Keras' <c>unit_forget_bias</c>.</summary>
    public float ForgetGateBias { get; init; } = 1f;

    /// <summary>
    /// GRU: chrono initialisation (Tallec &amp; Ollivier 2018) of the update-gate bias over time scales up to this many
    /// steps; 0 starts the bias at zero (PyTorch's start). Each unit's bias (gate z in <c>bias_ih</c>) is ln(u) with u
    /// uniform in [1, T − 1]; as <c>h' = (1 − z)∘n + z∘h</c> and σ(ln u) = u / (1 + u), the units start keeping their
    /// state with time constants 1 + u spread over 2..T steps. With a zero bias the state halves every step and the
    /// gradient from a label 150 steps on is gone before training can learn to hold it: with default learning rate a GRU
    /// stays at chance on such a task. The default, 256, is the default maximum token-sequence length of the ML.NET
    /// trainers; the LSTM's counterpart is <see cref="ForgetGateBias"/>. Ignored by other cells.
    /// </summary>
    public int UpdateGateTimescale { get; init; } = DefaultUpdateGateTimescale;

    internal const int DefaultUpdateGateTimescale = 256;

    /// <summary>Group sequences of similar length into batches, so little compute goes to padding.</summary>
    public bool BucketByLength { get; init; } = true;

    /// <summary>Stop after this many epochs without validation-loss improvement and keep the best weights; 0 = off. Needs a validation set.</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Optional loss weight per class (index = label).</summary>
    public IReadOnlyList<float>? ClassWeights { get; init; }

    /// <summary>Loss of a <see cref="ClassificationKind.Regression"/> head, on standardised targets.</summary>
    public RegressionLoss RegressionLoss { get; init; } = RegressionLoss.SquaredError;

    /// <summary>Threshold of <see cref="RegressionLoss.Huber"/>, in standard deviations of the target (PyTorch's <c>delta</c>).</summary>
    public float HuberDelta { get; init; } = 1f;

    /// <summary>Seed for initialisation, shuffling and dropout. Same seed and thread count give bit-identical weights.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Threads used for training; null = all cores. Results are reproducible for a fixed count.</summary>
    public int? NumberOfThreads { get; init; }

    /// <summary>Report progress every this many steps (and at every epoch end).</summary>
    public int ProgressInterval { get; init; } = 20;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        static void Require(bool ok, string name, object? value, string expected)
        {
            if (!ok) throw new ArgumentException($"TrainingOptions.{name} is {value}; expected {expected}.", name);
        }
        Require(Epochs > 0, nameof(Epochs), Epochs, "> 0");
        Require(BatchSize > 0, nameof(BatchSize), BatchSize, "> 0");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "a finite value > 0");
        Require(Enum.IsDefined(Optimizer), nameof(Optimizer), Optimizer, "an OptimizerKind value");
        Require(Enum.IsDefined(Schedule), nameof(Schedule), Schedule, "a LearningRateSchedule value");
        Require(Beta1 is >= 0 and < 1, nameof(Beta1), Beta1, "0 <= β1 < 1");
        Require(Beta2 is >= 0 and < 1, nameof(Beta2), Beta2, "0 <= β2 < 1");
        Require(Epsilon > 0, nameof(Epsilon), Epsilon, "> 0");
        Require(Momentum is >= 0 and < 1, nameof(Momentum), Momentum, "0 <= momentum < 1");
        Require(WeightDecay >= 0, nameof(WeightDecay), WeightDecay, ">= 0");
        Require(GradientClipNorm >= 0, nameof(GradientClipNorm), GradientClipNorm, ">= 0 (0 = no clipping)");
        Require(WarmupSteps >= 0, nameof(WarmupSteps), WarmupSteps, ">= 0");
        Require(EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience, ">= 0");
        Require(NumberOfThreads is null or > 0, nameof(NumberOfThreads), NumberOfThreads, "null or > 0");
        Require(Enum.IsDefined(RegressionLoss), nameof(RegressionLoss), RegressionLoss, "a RegressionLoss value");
        Require(HuberDelta > 0 && float.IsFinite(HuberDelta), nameof(HuberDelta), HuberDelta, "a finite value > 0");
        Require(float.IsFinite(ForgetGateBias), nameof(ForgetGateBias), ForgetGateBias, "a finite value");
        Require(UpdateGateTimescale is 0 or (>= 2 and <= 1 << 24), nameof(UpdateGateTimescale), UpdateGateTimescale, "0 (zero bias) or 2..16777216 steps");
        Require(ProgressInterval > 0, nameof(ProgressInterval), ProgressInterval, "> 0");
        if (ClassWeights is not null)
            for (int i = 0; i < ClassWeights.Count; i++)
                Require(ClassWeights[i] >= 0 && float.IsFinite(ClassWeights[i]), $"{nameof(ClassWeights)}[{i}]", ClassWeights[i], "a finite value >= 0");
    }
}

/// <summary>A progress report during training.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="Step">Optimizer steps done in this run.</param>
/// <param name="TotalSteps">Optimizer steps planned.</param>
/// <param name="Loss">Mean training loss over the epoch so far.</param>
/// <param name="LearningRate">Current learning rate.</param>
/// <param name="SequencesPerSecond">Training throughput over the epoch so far.</param>
/// <param name="EpochCompleted">True on the report that closes an epoch.</param>
/// <param name="ValidationLoss">Validation loss (epoch-end reports with a validation set).</param>
/// <param name="ValidationAccuracy">Validation accuracy (epoch-end reports with a validation set).</param>
public readonly record struct TrainingProgress(int Epoch, int Epochs, long Step, long TotalSteps, double Loss, float LearningRate,
    double SequencesPerSecond, bool EpochCompleted, double? ValidationLoss, double? ValidationAccuracy);

/// <summary>What one epoch reached.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainingLoss">Mean training loss.</param>
/// <param name="ValidationLoss">Validation loss, if a validation set was given.</param>
/// <param name="ValidationAccuracy">Validation accuracy, if a validation set was given.</param>
/// <param name="Seconds">Wall time of the epoch (training and validation).</param>
public readonly record struct EpochSummary(int Epoch, double TrainingLoss, double? ValidationLoss, double? ValidationAccuracy, double Seconds);

/// <summary>The outcome of <see cref="RecurrentTrainer.Train"/>.</summary>
public sealed class TrainingResult
{
    internal TrainingResult(RecurrentModel model, IReadOnlyList<EpochSummary> history, int bestEpoch)
    {
        Model = model; History = history; BestEpoch = bestEpoch;
    }

    /// <summary>The trained model (the best epoch's weights when early stopping is on).</summary>
    public RecurrentModel Model { get; }

    /// <summary>One summary per epoch run.</summary>
    public IReadOnlyList<EpochSummary> History { get; }

    /// <summary>The epoch whose weights the model holds.</summary>
    public int BestEpoch { get; }
}
