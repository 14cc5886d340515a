using System.Diagnostics;
using Spectre.Console;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>
/// The live view of one training run: a Spectre.Console progress bar whose caption carries epoch, training loss,
/// validation metrics, sequences per second and the ETA, plus one line per finished epoch above it. Feed it the
/// engine's <see cref="TrainingProgress"/> reports (it is an <see cref="IProgress{T}"/>).
/// </summary>
/// <remarks>
/// On a console that isn't interactive (output redirected to a file or a CI log) the bar is skipped and only the
/// per-epoch lines are written, so logs stay readable.
/// </remarks>
internal sealed class TrainingDisplay : IProgress<TrainingProgress>
{
    private readonly string _name;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private ProgressTask? _task;
    private double _lastPercentPrinted = -1;
    private long _firstStep = -1;
    private TimeSpan _firstStepTime;

    private readonly string _validationName;

    private TrainingDisplay(string name, string validationName)
    {
        _name = name;
        _validationName = validationName;
    }

    /// <summary>Runs <paramref name="train"/> under a live progress display titled <paramref name="name"/>.</summary>
    /// <param name="name">Model name shown in the captions.</param>
    /// <param name="train">The training; report progress to the display it is given.</param>
    /// <param name="validationName">What the per-epoch evaluation set is called ("validation", or "test" for a monitor-only test set).</param>
    public static T Run<T>(string name, Func<TrainingDisplay, T> train, string validationName = "validation")
    {
        var display = new TrainingDisplay(name, validationName);
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            AnsiConsole.MarkupLineInterpolated($"[bold]{name}[/]: training…");
            T result = train(display);
            AnsiConsole.MarkupLineInterpolated($"[bold]{name}[/]: done in {SampleHost.FormatDuration(display._clock.Elapsed)}");
            return result;
        }

        return AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new SpinnerColumn(),
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn { Width = 24 },
                new PercentageColumn(),
                new ElapsedTimeColumn())
            .Start(context =>
            {
                display._task = context.AddTask(Markup.Escape($"{name}: preparing data"), maxValue: 1);
                try
                {
                    return train(display);
                }
                finally
                {
                    display._task.Description = Markup.Escape($"{name}: done in {SampleHost.FormatDuration(display._clock.Elapsed)}");
                    display._task.Value = display._task.MaxValue;
                    display._task.StopTask();
                }
            });
    }

    /// <summary>Epoch-end reports received, in order.</summary>
    public List<TrainingProgress> Epochs { get; } = [];

    /// <summary>Takes one progress report (from the training thread).</summary>
    public void Report(TrainingProgress progress)
    {
        lock (_gate)
        {
            double fraction = progress.TotalSteps > 0 ? (double)progress.Step / progress.TotalSteps : 0;
            if (_firstStep < 0)
            {
                // Rate measured from the first report on: the time spent reading the data is not training speed.
                _firstStep = progress.Step;
                _firstStepTime = _clock.Elapsed;
            }

            long stepsSeen = progress.Step - _firstStep;
            TimeSpan eta = stepsSeen > 0
                ? (_clock.Elapsed - _firstStepTime) / stepsSeen * (progress.TotalSteps - progress.Step)
                : fraction > 0 ? _clock.Elapsed * ((1 - fraction) / fraction) : TimeSpan.Zero;
            string validation = progress.ValidationAccuracy is { } accuracy
                ? $" · {_validationName} loss {progress.ValidationLoss:0.0000} acc {accuracy:0.0000}"
                : Epochs.Count > 0 && Epochs[^1].ValidationAccuracy is { } last ? $" · {_validationName} acc {last:0.0000}" : "";
            string caption = $"{_name} · epoch {progress.Epoch}/{progress.Epochs} · loss {progress.Loss:0.0000}{validation}" +
                             $" · {progress.SequencesPerSecond:#,0} seq/s · ETA {SampleHost.FormatDuration(eta)}";
            if (_task is not null)
            {
                _task.MaxValue = Math.Max(1, progress.TotalSteps);
                _task.Value = progress.Step;
                _task.Description = Markup.Escape(caption);
            }
            else if (!progress.EpochCompleted && fraction - _lastPercentPrinted >= 0.25)
            {
                // Non-interactive: an occasional line, so a long first epoch still shows signs of life.
                _lastPercentPrinted = fraction;
                AnsiConsole.WriteLine($"  {caption}");
            }

            if (progress.EpochCompleted)
            {
                Epochs.Add(progress);
                string line = $"  {_name} epoch {progress.Epoch,2}/{progress.Epochs}: loss {progress.Loss:0.0000}" +
                              (progress.ValidationAccuracy is { } acc ? $", {_validationName} loss {progress.ValidationLoss:0.0000}, accuracy {acc:0.0000}" : "") +
                              $", {progress.SequencesPerSecond:#,0} seq/s, {SampleHost.FormatDuration(_clock.Elapsed)} elapsed";
                AnsiConsole.MarkupLine($"[grey]{Markup.Escape(line)}[/]");
            }
        }
    }

    /// <summary>Sets the caption before the first report (e.g. "building vocabulary").</summary>
    public void Status(string text)
    {
        lock (_gate)
        {
            if (_task is not null)
            {
                _task.Description = Markup.Escape($"{_name}: {text}");
            }
        }
    }
}
