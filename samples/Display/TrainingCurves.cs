using System.Globalization;
using System.Security;
using System.Text;
using Spectre.Console;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>The per-epoch history of one trained model, for the charts.</summary>
/// <param name="Name">Model name, e.g. "LSTM".</param>
/// <param name="History">One entry per epoch run (the transformer's <c>TrainingHistory</c>).</param>
/// <param name="BestEpoch">The epoch whose weights were kept (early stopping), or null.</param>
internal sealed record TrainingCurve(string Name, IReadOnlyList<EpochSummary> History, int? BestEpoch = null);

/// <summary>
/// Training curves (loss and validation accuracy per epoch): as bar charts in the terminal (Spectre.Console) and as an
/// SVG line chart file that any browser opens.
/// </summary>
internal static class TrainingCurves
{
    private static readonly Color[] TerminalColors = [Color.SteelBlue1, Color.DarkOrange, Color.MediumPurple, Color.SeaGreen2];
    private static readonly string[] SvgColors = ["#1f77b4", "#ff7f0e", "#9467bd", "#2ca02c"];

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

            string best = curve.BestEpoch is { } b ? $" (* = epoch kept, {b})" : "";
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
    /// Writes an SVG with two line charts: loss per epoch (training solid, validation dashed) and validation accuracy
    /// per epoch, one colour per model.
    /// </summary>
    public static void WriteSvg(string path, string title, IReadOnlyList<TrainingCurve> curves, string validationName = "validation")
    {
        const int panelWidth = 460, panelHeight = 300, top = 50, left = 60, gap = 90, bottom = 70;
        int width = left + 2 * panelWidth + gap + 30;
        int height = top + panelHeight + bottom;
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">""");
        svg.AppendLine("""<rect width="100%" height="100%" fill="white"/>""");
        svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">{Escape(title)}</text>""");

        int maxEpoch = Math.Max(2, curves.SelectMany(c => c.History).Select(e => e.Epoch).DefaultIfEmpty(2).Max());
        var losses = curves.SelectMany(c => c.History.SelectMany(e => e.ValidationLoss is { } v ? new[] { e.TrainingLoss, v } : [e.TrainingLoss])).ToList();
        var accuracies = curves.SelectMany(c => c.History.Where(e => e.ValidationAccuracy.HasValue).Select(e => e.ValidationAccuracy!.Value)).ToList();

        (double lossMin, double lossMax) = NiceRange(0, losses.DefaultIfEmpty(1).Max());
        Panel(svg, left, top, panelWidth, panelHeight, $"Loss per epoch (solid: training, dashed: {validationName})", maxEpoch, lossMin, lossMax,
            curves.SelectMany((c, i) => new[]
            {
                (c.Name, SvgColors[i % SvgColors.Length], false, c.History.Select(e => (e.Epoch, e.TrainingLoss)).ToList(), c.BestEpoch),
                (c.Name, SvgColors[i % SvgColors.Length], true, c.History.Where(e => e.ValidationLoss.HasValue).Select(e => (e.Epoch, e.ValidationLoss!.Value)).ToList(), c.BestEpoch),
            }).ToList());

        (double accMin, double accMax) = accuracies.Count == 0 ? (0, 1) : NiceRange(Math.Max(0, accuracies.Min() - 0.01), Math.Min(1, accuracies.Max() + 0.005));
        Panel(svg, left + panelWidth + gap, top, panelWidth, panelHeight, $"{char.ToUpperInvariant(validationName[0])}{validationName[1..]} accuracy per epoch", maxEpoch, accMin, accMax,
            curves.Select((c, i) => (c.Name, SvgColors[i % SvgColors.Length], false,
                c.History.Where(e => e.ValidationAccuracy.HasValue).Select(e => (e.Epoch, e.ValidationAccuracy!.Value)).ToList(), c.BestEpoch)).ToList());

        // Legend.
        int x = left;
        for (int i = 0; i < curves.Count; i++)
        {
            string color = SvgColors[i % SvgColors.Length];
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{x}" y1="{height - 20}" x2="{x + 24}" y2="{height - 20}" stroke="{color}" stroke-width="3"/>""");
            svg.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{x + 30}" y="{height - 16}">{Escape(curves[i].Name)}{(curves[i].BestEpoch is { } b ? $" (kept epoch {b}, ringed)" : "")}</text>""");
            x += 260;
        }

        svg.AppendLine("</svg>");
        File.WriteAllText(path, svg.ToString());
    }

    private static void Panel(StringBuilder svg, int x0, int y0, int w, int h, string title, int maxEpoch, double yMin, double yMax,
        List<(string Name, string Color, bool Dashed, List<(int Epoch, double Value)> Points, int? Best)> series)
    {
        var ci = CultureInfo.InvariantCulture;
        double X(double epoch) => x0 + (epoch - 1) / (maxEpoch - 1) * w;
        double Y(double value) => y0 + h - (value - yMin) / Math.Max(1e-12, yMax - yMin) * h;

        svg.AppendLine(ci, $"""<text x="{x0 + w / 2}" y="{y0 - 10}" text-anchor="middle" font-weight="bold">{Escape(title)}</text>""");
        svg.AppendLine(ci, $"""<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>""");
        for (int t = 0; t <= 5; t++)
        {
            double value = yMin + (yMax - yMin) * t / 5;
            double y = Y(value);
            svg.AppendLine(ci, $"""<line x1="{x0}" y1="{y:0.0}" x2="{x0 + w}" y2="{y:0.0}" stroke="#eee"/>""");
            svg.AppendLine(ci, $"""<text x="{x0 - 6}" y="{y + 4:0.0}" text-anchor="end">{value.ToString(yMax - yMin < 0.1 ? "0.000" : "0.00", ci)}</text>""");
        }

        int step = Math.Max(1, (int)Math.Ceiling(maxEpoch / 10.0));
        for (int epoch = 1; epoch <= maxEpoch; epoch += step)
        {
            svg.AppendLine(ci, $"""<text x="{X(epoch):0.0}" y="{y0 + h + 16}" text-anchor="middle">{epoch}</text>""");
        }

        svg.AppendLine(ci, $"""<text x="{x0 + w / 2}" y="{y0 + h + 34}" text-anchor="middle">epoch</text>""");
        foreach (var (_, color, dashed, points, best) in series)
        {
            if (points.Count == 0)
            {
                continue;
            }

            string coordinates = string.Join(' ', points.Select(p => string.Create(ci, $"{X(p.Epoch):0.0},{Y(p.Value):0.0}")));
            svg.AppendLine(ci, $"""<polyline points="{coordinates}" fill="none" stroke="{color}" stroke-width="2"{(dashed ? " stroke-dasharray=\"6 4\"" : "")}/>""");
            foreach (var (epoch, value) in points)
            {
                svg.AppendLine(ci, $"""<circle cx="{X(epoch):0.0}" cy="{Y(value):0.0}" r="{(epoch == best ? 5 : 2.5)}" fill="{(epoch == best ? "white" : color)}" stroke="{color}" stroke-width="2"/>""");
            }
        }
    }

    private static (double Min, double Max) NiceRange(double min, double max)
    {
        if (max <= min)
        {
            max = min + 1;
        }

        double span = max - min;
        double unit = Math.Pow(10, Math.Floor(Math.Log10(span)) - 1);
        return (Math.Floor(min / unit) * unit, Math.Ceiling(max / unit) * unit);
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
