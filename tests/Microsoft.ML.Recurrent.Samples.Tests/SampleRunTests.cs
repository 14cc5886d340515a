using Xunit;
using Xunit.Abstractions;

namespace Microsoft.ML.Recurrent.Samples.Tests;

/// <summary>
/// The spam, MNIST and forecasting samples, built with the tests, run end to end on the real data with their --quick settings, so
/// their Program.cs cannot drift from the API: train, evaluate, the results table, the chart (ScottPlot, which needs its
/// native SkiaSharp library on this platform) and, for spam, save, reload and classify.
/// </summary>
public class SampleRunTests(ITestOutputHelper output)
{
    private static string Program(string folder, string assembly) =>
        Path.Combine(DotNetCli.RepositoryRoot, "samples", folder, "bin", DotNetCli.Configuration, "net10.0", assembly + ".dll");

    [Fact]
    public void Spam_Quick_PrintsTheComparisonTable_SavesReloadsAndClassifies()
    {
        using var temp = new TempDirectory();
        (int exitCode, string text) = DotNetCli.Run(temp.Path, TimeSpan.FromMinutes(5), Program("SpamClassification", "SpamClassification"),
            "--quick", "--models", "lstm,gru", "--output", temp.Path);
        output.WriteLine(text);

        Assert.True(exitCode == 0, text);
        Assert.Contains("Test split: 1,254 messages (403 spam)", text);
        Assert.Matches(@"[│|] LSTM +[│|] +0\.9\d{3} [│|]", text);  // accuracy column of the table: a quick run is well above 0.9
        Assert.Matches(@"[│|] GRU +[│|] +0\.9\d{3} [│|]", text);
        Assert.Matches(@"[│|] LSTM via ONNX Runtime +[│|] +0\.9\d{3} [│|]", text);  // SpamOnnx.cs: the LSTM scored in ONNX Runtime
        Assert.Matches(@"same label on 1,254 of 1,254", text);
        Assert.True(new FileInfo(Path.Combine(temp.Path, "spam-lstm.onnx")).Length > 10_000);
        Assert.Contains("Reloaded in a fresh MLContext: identical scores on all 1,254 test messages.", text);
        Assert.Contains("Classified with spam-lstm.zip", text);
        Assert.True(new FileInfo(Path.Combine(temp.Path, "spam-training-curves.png")).Length > 10_000);
        Assert.True(File.Exists(Path.Combine(temp.Path, "spam-lstm.zip")));
    }

    [Fact]
    public void Mnist_Quick_PrintsAccuracyAndChart()
    {
        using var temp = new TempDirectory();
        (int exitCode, string text) = DotNetCli.Run(temp.Path, TimeSpan.FromMinutes(5), Program("MnistClassification", "MnistClassification"),
            "--quick", "--output", temp.Path);
        output.WriteLine(text);

        Assert.True(exitCode == 0, text);
        Assert.Contains("MNIST test split (1,996 digits)", text);
        Assert.Matches(@"LSTM \(Lab01\): test accuracy 0\.\d{4}", text);
        Assert.Matches(@"GRU \(Lab02\): test accuracy 0\.\d{4}", text);
        Assert.True(new FileInfo(Path.Combine(temp.Path, "mnist-training-curves.png")).Length > 10_000);
        Assert.True(File.Exists(Path.Combine(temp.Path, "mnist-lstm.zip")) && File.Exists(Path.Combine(temp.Path, "mnist-gru.zip")));
    }

    [Fact]
    public void Forecasting_Quick_PrintsTheErrorTableChartsAndModels()
    {
        using var temp = new TempDirectory();
        (int exitCode, string text) = DotNetCli.Run(temp.Path, TimeSpan.FromMinutes(5), Program("Forecasting", "Forecasting"),
            "--quick", "--output", temp.Path);
        output.WriteLine(text);

        Assert.True(exitCode == 0, text);
        // Every method at both horizons, as a Markdown row with MAE, RMSE and MAPE.
        foreach (string ahead in new[] { "1 d", "7 d" })
            foreach (string method in new[] { "LSTM", "GRU", "FastTree", "Seasonal naive" })
                Assert.Matches($@"\| {ahead} \| {method} \| \d+\.\d \| \d+\.\d \| \d+\.\d\d% \|", text);
        Assert.True(new FileInfo(Path.Combine(temp.Path, "births-forecast-1d.png")).Length > 10_000);
        Assert.True(File.Exists(Path.Combine(temp.Path, "births-lstm-1d.zip")) && File.Exists(Path.Combine(temp.Path, "births-gru-7d.zip")));
    }
}
