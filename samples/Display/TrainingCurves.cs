using System.Globalization;
using Spectre.Console;
using static ScottPlot.IMultiplotExtensions;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>The per-epoch history of one trained model, for the charts.</summary>
/// <param name="Name">Model name, e.g. "LSTM".</param>
/// <param name="History">One entry per epoch run (the transformer's <c>TrainingHistory</c>).</param>
/// <param name="BestEpoch">The epoch with the lowest validation loss (the one early stopping keeps), or null.</param>
internal sealed record TrainingCurve(string Name, IReadOnlyList<EpochSummary> History, int? BestEpoch = null);

/// <summary>
/// Training curves (loss and validation accuracy per epoch): as bar charts in the terminal (Spectre.Console) and as a
/// PNG line chart (ScottPlot).
/// </summary>
internal static class TrainingCurves
{
    private static readonly Color[] TerminalColors = [Color.SteelBlue1, Color.DarkOrange, Color.MediumPurple, Color.SeaGreen2];
    private static readonly string[] ChartColors = ["#1f77b4", "#ff7f0e", "#9467bd", "#2ca02c"];

    /// <summary>Writes one panel per model: training loss, validation loss and validation accuracy per epoch, as bars.</summary>
    public static void WriteToConsole(IReadOnlyList<TrainingCurve> curves, string validationName = "validation")
    {
        var panels = new List<Panel>();
        for (int m = 0; m < curves.Count; m++)
        {
            TrainingCurve curve = curves[m];
            if (curve.History.Count == 0)
            {
                continue;
            }

            Color color = TerminalColors[m % TerminalColors.Length];
            double maxLoss = curve.History.Max(e => Math.Max(e.TrainingLoss, e.ValidationLoss ?? 0));
            var rows = new List<Spectre.Console.Rendering.IRenderable>
            {
                BarTable("training loss", curve, e => e.TrainingLoss, 0, maxLoss, color),
            };
            if (curve.History.Any(e => e.ValidationLoss.HasValue))
            {
                double minimumAccuracy = curve.History.Where(e => e.ValidationAccuracy.HasValue).Select(e => e.ValidationAccuracy!.Value).DefaultIfEmpty(0).Min();
                double floor = Math.Max(0, Math.Floor((minimumAccuracy - 0.005) * 100) / 100);
                rows.Add(BarTable($"{validationName} loss", curve, e => e.ValidationLoss, 0, maxLoss, color));
                rows.Add(BarTable($"{validationName} accuracy (bars from {floor:0.00} to 1)", curve, e => e.ValidationAccuracy, floor, 1, color));
            }

            string best = curve.BestEpoch is { } b ? $" (* = lowest {validationName} loss, epoch {b})" : "";
            panels.Add(new Panel(new Rows(rows)).Header($"[bold]{Markup.Escape(curve.Name)}[/] per epoch{Markup.Escape(best)}").Border(BoxBorder.Rounded));
        }

        if (panels.Count > 0)
        {
            AnsiConsole.Write(new Columns(panels).Collapse());
        }
    }

    /// <summary>One bar per epoch, linear from <paramref name="low"/> (empty) to <paramref name="high"/> (full), value printed.</summary>
    private static Table BarTable(string title, TrainingCurve curve, Func<EpochSummary, double?> value, double low, double high, Color color)
    {
        const int width = 30;
        var table = new Table().NoBorder().HideHeaders().Title($"[bold]{Markup.Escape(title)}[/]");
        table.AddColumn(new TableColumn("epoch").RightAligned());
        table.AddColumn("bar");
        table.AddColumn(new TableColumn("value").RightAligned());
        foreach (EpochSummary epoch in curve.History)
        {
            if (value(epoch) is not { } v)
            {
                continue;
            }

            int cells = (int)Math.Round(Math.Clamp((v - low) / Math.Max(1e-12, high - low), 0, 1) * width);
            string label = epoch.Epoch == curve.BestEpoch ? $"{epoch.Epoch}*" : epoch.Epoch.ToString(CultureInfo.InvariantCulture);
            table.AddRow(new Markup(label), new Markup($"[{color.ToMarkup()}]{new string('█', cells)}[/]{new string(' ', width - cells)}"),
                new Markup(v.ToString("0.0000", CultureInfo.InvariantCulture)));
        }

        return table;
    }

    /// <summary>
    /// Saves a PNG (ScottPlot) with two charts: loss per epoch (training solid, validation dashed) and validation accuracy
    /// per epoch, one colour per model; the epoch with the lowest validation loss is ringed.
    /// </summary>
    public static void SaveChart(string path, string title, IReadOnlyList<TrainingCurve> curves, string validationName = "validation")
    {
        var chart = new ScottPlot.Multiplot();
        chart.AddPlots(2);
        chart.Layout = new ScottPlot.MultiplotLayouts.Columns();
        ScottPlot.Plot loss = chart.GetPlot(0), accuracy = chart.GetPlot(1);
        loss.Title($"{title}\nloss per epoch (solid: training, dashed: {validationName})");
        accuracy.Title($"{char.ToUpperInvariant(validationName[0])}{validationName[1..]} accuracy per epoch");
        for (int i = 0; i < curves.Count; i++)
        {
            TrainingCurve curve = curves[i];
            ScottPlot.Color color = ScottPlot.Color.FromHex(ChartColors[i % ChartColors.Length]);
            double[] epochs = curve.History.Select(e => (double)e.Epoch).ToArray();
            AddLine(loss, epochs, curve.History.Select(e => e.TrainingLoss).ToArray(), color, $"{curve.Name} training", dashed: false, best: null);
            var validated = curve.History.Where(e => e.ValidationLoss.HasValue).ToList();
            if (validated.Count > 0)
            {
                double[] validatedEpochs = validated.Select(e => (double)e.Epoch).ToArray();
                AddLine(loss, validatedEpochs, validated.Select(e => e.ValidationLoss!.Value).ToArray(), color, $"{curve.Name} {validationName}", dashed: true, curve.BestEpoch);
                AddLine(accuracy, validatedEpochs, validated.Select(e => e.ValidationAccuracy ?? double.NaN).ToArray(), color, curve.Name, dashed: false, curve.BestEpoch);
            }
        }

        foreach (ScottPlot.Plot plot in new[] { loss, accuracy })
        {
            plot.XLabel("epoch");
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
            plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        }

        accuracy.ShowLegend(ScottPlot.Alignment.LowerRight);
        chart.SavePng(path, 1400, 560);
    }

    private static void AddLine(ScottPlot.Plot plot, double[] xs, double[] ys, ScottPlot.Color color, string label, bool dashed, int? best)
    {
        var line = plot.Add.Scatter(xs, ys, color);
        line.LegendText = label;
        line.LineWidth = 2;
        line.LinePattern = dashed ? ScottPlot.LinePattern.Dashed : ScottPlot.LinePattern.Solid;
        int at = best is { } epoch ? Array.IndexOf(xs, (double)epoch) : -1;
        if (at >= 0)
        {
            var ring = plot.Add.Marker(xs[at], ys[at], ScottPlot.MarkerShape.OpenCircle, size: 16, color);
            ring.LineWidth = 2;
        }
    }
}
