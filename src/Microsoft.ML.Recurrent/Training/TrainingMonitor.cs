using Microsoft.ML.Recurrent.MLNetInternals;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Watches a training run: forwards engine progress to the ML.NET channel (→ <see cref="MLContext.Log"/>), to ML.NET's
/// progress channel (<see cref="IProgressChannel"/>, as ML.NET's own trainers report: one checkpoint per epoch with the
/// losses, and the current epoch and step on request) and to the user's sink, and turns the options' token and <c>MLContext.CancelExecution()</c> into one cancellation token.
/// (CancelExecution only sets a flag on the environment's hosts, so it is polled: on a timer and at every report.)
/// </summary>
internal sealed class TrainingMonitor : IProgress<TrainingProgress>, IDisposable
{
    private readonly IChannel _ch;
    private readonly IProgressChannel _pch;
    private TrainingProgress _last;
    private readonly IHost _host;
    private readonly IProgress<TrainingProgress>? _user;
    private readonly CancellationTokenSource _cts;
    private readonly Timer _timer;

    public TrainingMonitor(IChannel ch, IHost host, IProgress<TrainingProgress>? user, CancellationToken userToken)
    {
        _ch = ch; _host = host; _user = user;
        _pch = host.StartProgressChannel("Training recurrent sequence classifier");
        _pch.SetHeader(new ProgressHeader(["Loss", "Validation loss", "Validation accuracy"], ["epochs", "steps"]), e =>
        {
            var p = _last;
            e.SetMetric(0, p.Loss);
            e.SetProgress(0, p.Epoch, p.Epochs);
            e.SetProgress(1, p.Step, p.TotalSteps);
        });
        _cts = CancellationTokenSource.CreateLinkedTokenSource(userToken);
        _timer = new Timer(_ => PollCancellation(), null, 100, 100);
    }

    public CancellationToken Token => _cts.Token;
    public bool IsCancellationRequested => _cts.IsCancellationRequested;

    /// <summary>Throws <see cref="OperationCanceledException"/> once the MLContext's execution is canceled (for data passes).</summary>
    public void ThrowIfCanceled()
    {
        if (MLNetAccess.IsCanceled(_host)) throw new OperationCanceledException("Operation was canceled.");
    }

    public void Report(TrainingProgress p)
    {
        PollCancellation();
        _last = p;
        _user?.Report(p);
        if (p.EpochCompleted)
        {
            // Checkpoint values: the header's metrics, then its units' progress, then their limits.
            _pch.Checkpoint(p.Loss, p.ValidationLoss, p.ValidationAccuracy, p.Epoch, p.Step, p.Epochs, p.TotalSteps);
            string validation = p.ValidationLoss is { } vl ? $", validation loss {vl:F4}, validation accuracy {p.ValidationAccuracy:P2}" : "";
            _ch.Info(MessageSensitivity.None, $"Epoch {p.Epoch}/{p.Epochs}: training loss {p.Loss:F4}{validation} ({p.SequencesPerSecond:F0} sequences/s).");
        }
        else
            _ch.Trace(MessageSensitivity.None, $"Epoch {p.Epoch}/{p.Epochs}, step {p.Step}/{p.TotalSteps}: loss {p.Loss:F4}, learning rate {p.LearningRate:G3}.");
    }

    private void PollCancellation()
    {
        try
        {
            if (MLNetAccess.IsCanceled(_host)) _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A tick that raced with the end of training.
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _cts.Dispose();
        _pch.Dispose();
    }
}
