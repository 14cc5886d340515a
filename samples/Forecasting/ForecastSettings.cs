using Microsoft.ML.Recurrent.Forecasting;

namespace Microsoft.ML.Recurrent.Samples.Forecasting;

/// <summary>The recurrent models' settings (command-line options).</summary>
internal sealed class ForecastSettings
{
    public int Window { get; init; }
    public int HiddenSize { get; init; }
    public int Epochs { get; init; }
    public float LearningRate { get; init; }
    public int BatchSize { get; init; }
    public int? Threads { get; init; }
    public int Seed { get; init; }
    public int Patience => 10;

    public T Apply<T>(T options, SeriesWindows windows, IProgress<TrainingProgress> progress, CancellationToken cancellation) where T : RecurrentSequenceClassifierOptions
    {
        options.FeaturesPerStep = windows.FeaturesPerStep;
        options.HiddenSize = HiddenSize;
        options.NumberOfEpochs = Epochs;
        options.LearningRate = LearningRate;
        options.BatchSize = BatchSize;
        options.EarlyStoppingPatience = Patience;
        options.NumberOfThreads = Threads;
        options.Seed = Seed;
        options.Progress = progress;
        options.CancellationToken = cancellation;
        return options;
    }

    public string Describe() =>
        $"window {Window} days × 13 values (births; for the day H ahead: day of week one-hot ×7, day of year sin/cos, holiday flag, births 52 weeks earlier), hidden {HiddenSize}, " +
        $"Adam {LearningRate:0.####}, batch {BatchSize}, ≤ {Epochs} epochs, early stopping on 1986 (patience {Patience}), squared error, seed {Seed}";

    public static List<RecurrentCellType> ParseModels(string models)
    {
        var cells = new List<RecurrentCellType>();
        foreach (string name in models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            cells.Add(name.ToLowerInvariant() switch
            {
                "lstm" => RecurrentCellType.Lstm,
                "gru" => RecurrentCellType.Gru,
                _ => throw new SampleUsageException($"--models expects a comma-separated subset of lstm, gru; got '{models}'."),
            });
        return cells;
    }
}

/// <summary>One line every 10 epochs (and at the end) with the training and validation loss.</summary>
internal sealed class EpochPrinter(string name) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p)
    {
        if (p.EpochCompleted && (p.Epoch % 10 == 0 || p.Epoch == 1))
            Spectre.Console.AnsiConsole.MarkupLineInterpolated($"[grey]  {name} epoch {p.Epoch,3}: loss {p.Loss:0.0000}, 1986 loss {p.ValidationLoss:0.0000}[/]");
    }
}
