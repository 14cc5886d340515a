using System.Globalization;
using System.Reflection;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>
/// Entry point used by <see cref="PersistenceTests"/> to load a saved model in a NEW process:
/// <c>dotnet exec Microsoft.ML.Recurrent.Tests.dll load-and-score MODEL.zip DATA.tsv</c>. It only uses ML.NET's
/// public API, so nothing of Microsoft.ML.Recurrent is loaded until <c>Model.Load</c> finds it in the model file.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length != 3 || args[0] is not ("load-and-score" or "load-and-score-regression"))
        {
            Console.Error.WriteLine("usage: load-and-score[-regression] MODEL.zip DATA.tsv (used by the tests)");
            return 2;
        }
        if (args[0] == "load-and-score-regression") return LoadAndScoreRegression(args[1], args[2]);
        Console.WriteLine($"loaded-before: {IsRecurrentLoaded()}");
        var ml = new MLContext();
        var model = ml.Model.Load(args[1], out var schema);
        Console.WriteLine($"loaded-after: {IsRecurrentLoaded()}");
        var data = ml.Data.LoadFromEnumerable(File.ReadAllLines(args[2]).Select(line => new TextRow { Text = line }).ToList());
        var engine = ml.Model.CreatePredictionEngine<TextRow, BinaryPrediction>(model);
        foreach (var line in File.ReadAllLines(args[2]))
            Console.WriteLine("engine " + engine.Predict(new TextRow { Text = line }).Score.ToString("R", CultureInfo.InvariantCulture));
        foreach (var p in ml.Data.CreateEnumerable<BinaryPrediction>(model.Transform(data), false))
            Console.WriteLine("transform " + p.Score.ToString("R", CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>The same for a regression model over text: prints the Score of every line (prediction engine, then Transform).</summary>
    private static int LoadAndScoreRegression(string modelPath, string dataPath)
    {
        Console.WriteLine($"loaded-before: {IsRecurrentLoaded()}");
        var ml = new MLContext();
        var model = ml.Model.Load(modelPath, out _);
        Console.WriteLine($"loaded-after: {IsRecurrentLoaded()}");
        var lines = File.ReadAllLines(dataPath);
        var engine = ml.Model.CreatePredictionEngine<TextRow, RegressionPrediction>(model);
        foreach (var line in lines)
            Console.WriteLine("engine " + engine.Predict(new TextRow { Text = line }).Score.ToString("R", CultureInfo.InvariantCulture));
        var data = ml.Data.LoadFromEnumerable(lines.Select(line => new TextRow { Text = line }).ToList());
        foreach (var p in ml.Data.CreateEnumerable<RegressionPrediction>(model.Transform(data), false))
            Console.WriteLine("transform " + p.Score.ToString("R", CultureInfo.InvariantCulture));
        return 0;
    }

    private static bool IsRecurrentLoaded() => AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "Microsoft.ML.Recurrent");

    internal static string AssemblyPath => Assembly.GetExecutingAssembly().Location;
}
