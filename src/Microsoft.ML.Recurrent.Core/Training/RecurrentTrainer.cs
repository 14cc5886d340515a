using System.Diagnostics;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Trains a <see cref="RecurrentModel"/> with full backpropagation through time. Each mini-batch is split into one
/// shard per thread; every shard runs forward and backward on its own workspace and the shard gradients are summed
/// in a fixed order, so a given seed and thread count always give bit-identical weights.
/// </summary>
public static partial class RecurrentTrainer
{
    /// <summary>Trains a network of the given shape on <paramref name="train"/>.</summary>
    /// <param name="architecture">Network shape; its input kind must match the datasets.</param>
    /// <param name="options">Optimizer, schedule, batching and so on.</param>
    /// <param name="train">Training sequences.</param>
    /// <param name="validation">Optional validation set: reported each epoch and used for early stopping.</param>
    /// <param name="progress">Optional progress sink (called on the training thread).</param>
    /// <param name="cancellationToken">Stops training between mini-batches with <see cref="OperationCanceledException"/>.</param>
    public static TrainingResult Train(RecurrentArchitecture architecture, TrainingOptions options, SequenceDataset train,
        SequenceDataset? validation = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        architecture.Validate();
        options.Validate();
        CheckData(architecture, train, nameof(train));
        if (validation is not null) CheckData(architecture, validation, nameof(validation));
        if (train.Count == 0) throw new ArgumentException("The training set is empty.", nameof(train));
        if (options.ClassWeights is { } cw && cw.Count != architecture.NumberOfClasses)
            throw new ArgumentException($"TrainingOptions.ClassWeights has {cw.Count} entries; expected one per class ({architecture.NumberOfClasses}).", nameof(options));
        if (options.EarlyStoppingPatience > 0 && validation is null)
            throw new ArgumentException("TrainingOptions.EarlyStoppingPatience needs a validation set.", nameof(validation));

        using var session = new Session(architecture, options, train);
        return session.Run(validation, progress, cancellationToken);
    }

    private static void CheckData(RecurrentArchitecture a, SequenceDataset data, string name)
    {
        if (data.Kind != a.InputKind) throw new ArgumentException($"The {name} set holds {data.Kind}; the architecture reads {a.InputKind}.", name);
        if (data.Kind == SequenceInputKind.Features && data.FeaturesPerStep != a.FeaturesPerStep)
            throw new ArgumentException($"The {name} set has {data.FeaturesPerStep} features per step; the architecture expects {a.FeaturesPerStep}.", name);
        if (a.Classification == ClassificationKind.Regression || data.Targets is not null)
        {
            CheckRegressionData(a, data, name);
            return;
        }
        for (int i = 0; i < data.Count; i++)
            if (data.Labels[i] >= a.NumberOfClasses)
                throw new ArgumentException($"The {name} set's label {data.Labels[i]} (sequence {i}) is outside 0..{a.NumberOfClasses - 1}.", name);
    }

    private sealed class Session : IDisposable
    {
        private readonly RecurrentArchitecture _a;
        private readonly TrainingOptions _o;
        private readonly SequenceDataset _train;
        private readonly TrainingStep _trainingStep;
        private readonly TargetStandardization? _targets;

        public Session(RecurrentArchitecture a, TrainingOptions o, SequenceDataset train)
        {
            _a = a; _o = o; _train = train;
            if (a.Classification == ClassificationKind.Regression) _targets = TargetStandardization.FromTargets(train.Targets!, train.TargetCount);
            _trainingStep = new TrainingStep(a, o, train, _targets);
        }

        private RecurrentModel Snapshot(float[] parameters) => new(_a, parameters, targetStandardization: _targets);

        private ModelEvaluation Evaluate(SequenceDataset validation)
        {
            var model = Snapshot(_trainingStep.Network.Parameters);
            if (_targets is null) return model.Evaluate(validation);
            var e = model.EvaluateRegression(validation, _o.RegressionLoss, _o.HuberDelta);
            return new ModelEvaluation(e.Loss, double.NaN, e.Count);
        }

        public TrainingResult Run(SequenceDataset? validation, IProgress<TrainingProgress>? progress, CancellationToken ct)
        {
            int n = _train.Count, B = _o.BatchSize;
            int batchesPerEpoch = (n + B - 1) / B;
            long totalSteps = (long)batchesPerEpoch * _o.Epochs, step = 0;
            var order = new int[n];
            var history = new List<EpochSummary>();
            float[]? best = null;
            double bestLoss = double.PositiveInfinity;
            int bestEpoch = _o.Epochs, sinceBest = 0;

            for (int epoch = 1; epoch <= _o.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                EpochPlanner.Plan(order, _train, _o.BatchSize, _o.BucketByLength, _o.Seed, epoch);
                double lossSum = 0;
                long seen = 0;
                for (int start = 0; start < n; start += B)
                {
                    ct.ThrowIfCancellationRequested();
                    int count = Math.Min(B, n - start);
                    float lr = Optimizer.LearningRate(_o, step, totalSteps);
                    double loss = _trainingStep.Run(order.AsSpan(start, count), lr, step);
                    step++;
                    lossSum += loss * count;
                    seen += count;
                    if (progress is not null && step % _o.ProgressInterval == 0 && start + count < n)
                        progress.Report(new TrainingProgress(epoch, _o.Epochs, step, totalSteps, lossSum / seen, lr, seen / clock.Elapsed.TotalSeconds, false, null, null));
                }
                double trainLoss = lossSum / Math.Max(1, seen);
                double rate = seen / clock.Elapsed.TotalSeconds;
                ModelEvaluation? eval = null;
                if (validation is not null)
                {
                    ct.ThrowIfCancellationRequested();
                    eval = Evaluate(validation);
                }
                double? accuracy = _targets is null ? eval?.Accuracy : null;  // a regression head has no accuracy
                history.Add(new EpochSummary(epoch, trainLoss, eval?.Loss, accuracy, clock.Elapsed.TotalSeconds));
                progress?.Report(new TrainingProgress(epoch, _o.Epochs, step, totalSteps, trainLoss, Optimizer.LearningRate(_o, Math.Max(0, step - 1), totalSteps),
                    rate, true, eval?.Loss, accuracy));
                if (!double.IsFinite(trainLoss))
                    throw new InvalidOperationException($"Training diverged: the loss of epoch {epoch} is {trainLoss}. Lower the learning rate or enable gradient clipping.");

                if (_o.EarlyStoppingPatience > 0 && eval is { } e)
                {
                    if (e.Loss < bestLoss)
                    {
                        bestLoss = e.Loss; bestEpoch = epoch; sinceBest = 0;
                        best = (float[])_trainingStep.Network.Parameters.Clone();
                    }
                    else if (++sinceBest >= _o.EarlyStoppingPatience) break;
                }
                else bestEpoch = epoch;
            }
            float[] final = best ?? (float[])_trainingStep.Network.Parameters.Clone();
            return new TrainingResult(Snapshot(final), history, bestEpoch);
        }

        public void Dispose() => _trainingStep.Dispose();
    }
}
