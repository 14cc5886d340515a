using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Microsoft.ML.Recurrent.Samples.Tests;

/// <summary>
/// samples/QuickStart (the README's first example) built with the tests and run for 1 epoch, so it cannot drift from
/// the API: it must train, evaluate, save, load and predict, and print that.
/// </summary>
public partial class QuickStartTests(ITestOutputHelper output)
{
    [Fact]
    public void QuickStart_TrainsEvaluatesSavesLoadsAndPredicts()
    {
        string program = Path.Combine(DotNetCli.RepositoryRoot, "samples", "QuickStart", "bin", DotNetCli.Configuration, "net10.0", "QuickStart.dll");
        Assert.True(File.Exists(program), $"{program} was not built (the test project builds it through a ProjectReference).");
        using var temp = new TempDirectory();

        (int exitCode, string text) = DotNetCli.Run(temp.Path, TimeSpan.FromMinutes(3), program, "1");
        output.WriteLine(text);

        Assert.True(exitCode == 0, text);
        AssertSaneRun(text, temp.Path);
    }

    /// <summary>The QuickStart's output: metrics in range, the model file written, one verdict per example sentence.</summary>
    internal static void AssertSaneRun(string text, string workingDirectory)
    {
        Match metrics = Metrics().Match(text);
        Assert.True(metrics.Success, text);
        Assert.InRange(double.Parse(metrics.Groups["accuracy"].Value, CultureInfo.InvariantCulture), 0, 1);
        Assert.InRange(double.Parse(metrics.Groups["auc"].Value, CultureInfo.InvariantCulture), 0, 1);
        Assert.True(new FileInfo(Path.Combine(workingDirectory, "sentiment-lstm.zip")).Length > 1000, "sentiment-lstm.zip missing or empty");
        MatchCollection verdicts = Verdict().Matches(text);
        Assert.Equal(2, verdicts.Count);
        Assert.All(verdicts, v => Assert.InRange(double.Parse(v.Groups["p"].Value, CultureInfo.InvariantCulture), 0, 1));
        // PredictedLabel is the probability thresholded at 0.5 (skipped when the printed value is too close to tell).
        foreach (Match v in verdicts)
        {
            double p = double.Parse(v.Groups["p"].Value, CultureInfo.InvariantCulture);
            if (Math.Abs(p - 0.5) > 0.001)
            {
                Assert.Equal(p > 0.5, v.Groups["label"].Value == "positive");
            }
        }
    }

    [GeneratedRegex(@"Test accuracy: (?<accuracy>[0-9.]+), AUC: (?<auc>[0-9.]+)")]
    private static partial Regex Metrics();

    [GeneratedRegex(@""".+"": (?<label>positive|negative) \(probability (?<p>[0-9.]+)\)")]
    private static partial Regex Verdict();
}
