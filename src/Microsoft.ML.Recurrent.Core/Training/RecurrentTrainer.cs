using System.Diagnostics;
using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Trains a <see cref="RecurrentModel"/> with full backpropagation through time. Each mini-batch is cut into a fixed
/// number of work items (set by the batch size alone); every item runs forward and backward on its own workspace and
/// the item gradients are summed in item order, so a given seed gives bit-identical weights on any number of threads.
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
    /// <exception cref="ArgumentException">An invalid setting, data that does not fit the architecture, or training labels that are all one class.</exception>
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
        // One class only: the loss is minimised by a constant and nothing is learned (issue #11, item 9).
        if (architecture.Classification != ClassificationKind.Regression && train.LabelList.All(y => y == train.LabelList[0]))
            throw new ArgumentException($"Every one of the {train.Count} training sequences has label {train.LabelList[0]}: a classifier needs examples of at least two classes.", nameof(train));
        if (options.ClassWeights is { } cw && cw.Count != architecture.NumberOfClasses)
            throw new ArgumentException($"TrainingOptions.ClassWeights has {cw.Count} entries; expected one per class ({architecture.NumberOfClasses}).", nameof(options));
        if (options.EarlyStoppingPatience > 0 && validation is null)
            throw new ArgumentException("TrainingOptions.EarlyStoppingPatience needs a validation set.", nameof(validation));

        // A regression head learns standardised targets; the standardisation comes from the training set and stays with the model.
        var targets = architecture.Classification == ClassificationKind.Regression ? TargetStandardization.FromTargets(train.Targets!, train.TargetCount) : null;
        using var trainingStep = new TrainingStep(architecture, options, train, targets);
        int n = train.Count, B = options.BatchSize;
        int batchesPerEpoch = (n + B - 1) / B;
        long totalSteps = (long)batchesPerEpoch * options.Epochs, step = 0;
        var order = new int[n];
        var history = new List<EpochSummary>();
        float[]? best = null;
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = options.Epochs, sinceBest = 0;

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            EpochPlanner.Plan(order, train, B, options.BucketByLength, options.Seed, epoch);
            double lossSum = 0;
            long seen = 0;
            for (int start = 0; start < n; start += B)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(B, n - start);
                float lr = Optimizer.LearningRate(options, step, totalSteps);
                double loss = trainingStep.Run(order.AsSpan(start, count), lr, step);
                step++;
                lossSum += loss * count;
                seen += count;
                if (progress is not null && step % options.ProgressInterval == 0 && start + count < n)
                    progress.Report(new TrainingProgress(epoch, options.Epochs, step, totalSteps, lossSum / seen, lr, seen / clock.Elapsed.TotalSeconds, false, null, null));
            }
            double trainLoss = lossSum / Math.Max(1, seen);
            double rate = seen / clock.Elapsed.TotalSeconds;
            ModelEvaluation? eval = null;
            if (validation is not null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Forward only, on the training pool and its workspaces, over the live parameters: no model object.
                eval = targets is null ? trainingStep.Evaluate(validation) : EvaluateRegression(architecture, options, trainingStep.Network.Parameters, targets, validation);
            }
            double? accuracy = targets is null ? eval?.Accuracy : null;  // a regression head has no accuracy
            history.Add(new EpochSummary(epoch, trainLoss, eval?.Loss, accuracy, clock.Elapsed.TotalSeconds));
            progress?.Report(new TrainingProgress(epoch, options.Epochs, step, totalSteps, trainLoss, Optimizer.LearningRate(options, Math.Max(0, step - 1), totalSteps),
                rate, true, eval?.Loss, accuracy));
            if (!double.IsFinite(trainLoss))
                throw new InvalidOperationException($"Training diverged: the loss of epoch {epoch} is {trainLoss}. Lower the learning rate or enable gradient clipping.");

            if (options.EarlyStoppingPatience > 0 && eval is { } e)
            {
                // A NaN validation loss (reported as such in the history and progress) counts as worse than any number:
                // it never becomes the best epoch, and it uses up patience like any epoch that did not improve.
                bool improved = !double.IsNaN(e.Loss) && e.Loss < bestLoss;
                if (improved)
                {
                    bestLoss = e.Loss; bestEpoch = epoch; sinceBest = 0;
                    best = (float[])trainingStep.Network.Parameters.Clone();
                }
                else if (++sinceBest >= options.EarlyStoppingPatience) break;
            }
            else bestEpoch = epoch;
        }
        if (best is null) bestEpoch = history.Count;   // no epoch had a number for a validation loss: the last one stands
        float[] final = best ?? (float[])trainingStep.Network.Parameters.Clone();
        return new TrainingResult(new RecurrentModel(architecture, final, targetStandardization: targets), history, bestEpoch);
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
}
