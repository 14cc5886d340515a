namespace Microsoft.ML.Recurrent.Samples.Forecasting;

/// <summary>
/// Features known in advance for any day — the "known-ahead" series of <c>SeriesWindows</c>: day of week (one-hot,
/// 7 series), the season (day of year as sine and cosine) and a US holiday flag. Births drop on weekends and holidays
/// (fewer scheduled inductions and caesareans), so the calendar of the day being forecast explains much of its value.
/// </summary>
internal static class BirthCalendar
{
    public static IReadOnlyList<float[]> KnownAhead(IReadOnlyList<DateOnly> days, int daysPastEnd)
    {
        var all = Enumerable.Range(0, days.Count + daysPastEnd).Select(i => days[0].AddDays(i)).ToArray();
        var series = new List<float[]>();
        for (int d = 0; d < 7; d++) series.Add(all.Select(day => (int)day.DayOfWeek == d ? 1f : 0f).ToArray());
        series.Add(all.Select(day => MathF.Sin(2 * MathF.PI * day.DayOfYear / 365.25f)).ToArray());
        series.Add(all.Select(day => MathF.Cos(2 * MathF.PI * day.DayOfYear / 365.25f)).ToArray());
        series.Add(all.Select(day => IsHoliday(day) ? 1f : 0f).ToArray());
        return series;
    }

    /// <summary>Federal holidays that move births (fixed dates and the Monday/Thursday ones), plus Christmas Eve, Boxing Day and New Year's Eve.</summary>
    public static bool IsHoliday(DateOnly d) => (d.Month, d.Day, d.DayOfWeek) switch
    {
        (1, 1, _) or (7, 4, _) or (12, 24, _) or (12, 25, _) or (12, 26, _) or (12, 31, _) => true,
        (5, >= 25, DayOfWeek.Monday) => true,                      // Memorial Day: last Monday of May
        (9, <= 7, DayOfWeek.Monday) => true,                       // Labor Day: first Monday of September
        (11, >= 22 and <= 28, DayOfWeek.Thursday) => true,         // Thanksgiving: fourth Thursday of November
        (11, >= 23 and <= 29, DayOfWeek.Friday) => true,           // and the day after
        _ => false,
    };
}
