using System.Globalization;
using Spectre.Console;

namespace Microsoft.ML.Recurrent.Samples.Forecasting;

/// <summary>One method's forecasts of the test days at one horizon.</summary>
internal sealed record Forecast(int Horizon, string Method, float[] Values, TimeSpan Time, string Note)
{
    public double Mae { get; init; }
    public double Rmse { get; init; }
    public double Mape { get; init; }
}

/// <summary>Collects the forecasts of the test days (1987–1988), scores them (MAE, RMSE, MAPE) and shows them: a table and charts.</summary>
internal sealed class ForecastReport(float[] births, DateOnly[] dates, int testStart)
{
    private readonly List<Forecast> _forecasts = [];

    /// <summary>The actual births of the test days.</summary>
    private ReadOnlySpan<float> Actual => births.AsSpan(testStart);

    public void Add(int horizon, string method, float[] values, TimeSpan time, string note)
    {
        if (values.Length != Actual.Length) throw new InvalidOperationException($"{method}: {values.Length} forecasts for {Actual.Length} test days.");
        double abs = 0, sq = 0, pct = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double e = values[i] - Actual[i];
            abs += Math.Abs(e); sq += e * e; pct += Math.Abs(e) / Actual[i];
        }
        int n = values.Length;
        var f = new Forecast(horizon, method, values, time, note) { Mae = abs / n, Rmse = Math.Sqrt(sq / n), Mape = 100 * pct / n };
        _forecasts.Add(f);
        AnsiConsole.MarkupLineInterpolated($"[green]✓[/] {method}, {horizon} day(s) ahead: MAE [bold]{f.Mae:0.0}[/], RMSE {f.Rmse:0.0}, MAPE {f.Mape:0.00}% ({note}; {SampleHost.FormatDuration(time)})");
    }

    /// <summary>The same weekday one week or 52 weeks before the forecast day, whichever has the lower MAE on the test days.</summary>
    public void AddSeasonalNaive(int horizon)
    {
        float[] Lagged(int lag) => Enumerable.Range(testStart, Actual.Length).Select(t => births[t - lag]).ToArray();
        double Mae(float[] f) => f.Select((v, i) => Math.Abs(v - Actual[i])).Average();
        float[] week = Lagged(7), year = Lagged(364);
        bool weekly = Mae(week) <= Mae(year);
        Add(horizon, "Seasonal naive", weekly ? week : year, TimeSpan.Zero,
            weekly ? $"same weekday a week earlier (52 weeks earlier: MAE {Mae(year):0.0})" : $"same weekday 52 weeks earlier (a week earlier: MAE {Mae(week):0.0})");
    }

    public void PrintTable()
    {
        AnsiConsole.Write(new Rule("[bold]Test years 1987–1988: forecast errors (births per day)[/]").LeftJustified());
        var table = new Table().Border(TableBorder.Rounded);
        foreach (string c in new[] { "ahead", "method", "MAE", "RMSE", "MAPE", "time", "notes" })
            table.AddColumn(c is "MAE" or "RMSE" or "MAPE" or "time" ? new TableColumn(c).RightAligned() : new TableColumn(c));
        foreach (var group in _forecasts.GroupBy(f => f.Horizon).OrderBy(g => g.Key))
        {
            double best = group.Min(f => f.Mae);
            foreach (var f in group.OrderBy(f => f.Mae))
            {
                string mae = f.Mae.ToString("0.0", CultureInfo.InvariantCulture);
                table.AddRow(new Markup($"{f.Horizon} d"), new Markup(Markup.Escape(f.Method)), new Markup(f.Mae == best ? $"[green bold]{mae}[/]" : mae),
                    new Markup(f.Rmse.ToString("0.0", CultureInfo.InvariantCulture)), new Markup(f.Mape.ToString("0.00", CultureInfo.InvariantCulture) + "%"),
                    new Markup(f.Time == TimeSpan.Zero ? "–" : SampleHost.FormatDuration(f.Time)), new Markup($"[grey]{Markup.Escape(f.Note)}[/]"));
            }
        }
        AnsiConsole.Write(table);
        // The same as a Markdown table, for the README.
        Console.WriteLine();
        Console.WriteLine("| ahead | method | MAE | RMSE | MAPE |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var f in _forecasts.OrderBy(f => f.Horizon).ThenBy(f => f.Mae))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {f.Horizon} d | {f.Method} | {f.Mae:0.0} | {f.Rmse:0.0} | {f.Mape:0.00}% |"));
        Console.WriteLine();
    }

    /// <summary>Actual births and every method's forecasts over the last 16 weeks of the test period (Thanksgiving and Christmas included), as a PNG.</summary>
    public void WriteChart(string path, int horizon)
    {
        const int days = 16 * 7;
        int from = Actual.Length - days;
        double[] x = Enumerable.Range(testStart + from, days).Select(t => dates[t].ToDateTime(TimeOnly.MinValue).ToOADate()).ToArray();
        var plot = new ScottPlot.Plot();
        var actual = plot.Add.Scatter(x, Actual.Slice(from).ToArray().Select(v => (double)v).ToArray());
        actual.LegendText = "actual";
        actual.Color = ScottPlot.Colors.Black;
        actual.LineWidth = 2;
        foreach (var f in _forecasts.Where(f => f.Horizon == horizon).OrderBy(f => f.Mae))
        {
            var line = plot.Add.Scatter(x, f.Values.AsSpan(from).ToArray().Select(v => (double)v).ToArray());
            line.LegendText = string.Create(CultureInfo.InvariantCulture, $"{f.Method} (MAE {f.Mae:0})");
            line.MarkerSize = 0;
            line.LineWidth = 1.5f;
        }
        plot.Axes.DateTimeTicksBottom();
        plot.Title($"US births per day, {horizon} day{(horizon > 1 ? "s" : "")} ahead: the last 16 weeks of the test years (MAE over 1987–1988)");
        plot.YLabel("births");
        plot.ShowLegend(ScottPlot.Alignment.LowerLeft);
        plot.SavePng(path, 1400, 560);
    }
}
