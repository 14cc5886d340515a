using System.Diagnostics;
using Xunit;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>
/// Self-test of the build check that confines ML.NET internals to src/Microsoft.ML.Recurrent/MLNetInternals/
/// (eng/MLNetInternalsCheck, run after every compile of the layer by eng/MLNet.Publicize.targets): it passes on the
/// layer as it is and fails, naming the file, when code outside that folder uses a non-public ML.NET member.
/// </summary>
public class InternalsCheckTests
{
    [Fact]
    public void The_layer_passes_the_check()
    {
        var (exit, output) = RunCheck();
        Assert.True(exit == 0, output);
        Assert.Contains("none elsewhere", output);
    }

    [Fact]
    public void Code_outside_MLNetInternals_that_uses_ML_NET_internals_fails_the_check()
    {
        string file = TestUtil.TempFile("Violation.cs");
        File.WriteAllText(file, """
            using Microsoft.ML;
            using Microsoft.ML.Runtime;
            namespace Microsoft.ML.Recurrent;
            internal static class Violation
            {
                // Both compile against the publicized references the layer is built with; neither is public API.
                public static SchemaShape Shape(DataViewSchema schema) => SchemaShape.Create(schema);
                public static void Log(IChannel ch) => ch.Info("internal one-argument overload");
            }
            """);
        try
        {
            var (exit, output) = RunCheck($"-s:{file}");
            Assert.True(exit == 1, output);
            Assert.Contains($"{file}(7,", output);
            Assert.Contains($"{file}(8,", output);
            Assert.Contains("MLNETINT001", output);
            Assert.Contains("2 use(s) of ML.NET's non-public API outside", output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_check_fails_when_nothing_inside_the_allowed_folder_needs_internals()
    {
        // Allowing a folder that holds no source: the sanctioned errors of MLNetInternals/ now count as violations.
        // (A fresh, empty folder: a clone under /tmp must not make every source "allowed".)
        string empty = Directory.CreateTempSubdirectory("no-sources-").FullName;
        var (exit, output) = RunCheck($"-allowed:{empty}");
        Directory.Delete(empty);
        Assert.True(exit == 1, output);
        Assert.Contains("MLNetInternals/ModelPersistence.cs", output);
    }

    private static (int Exit, string Output) RunCheck(params string[] extra)
    {
        // bin/<Configuration>/<tfm>/ of this test assembly → the same configuration of the layer and the tool.
        var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = bin.Name, configuration = bin.Parent!.Name;
        var root = bin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Directory.Packages.props"))) root = root.Parent;
        Assert.NotNull(root);
        string rsp = Path.Combine(root.FullName, "src", "Microsoft.ML.Recurrent", "obj", configuration, tfm, "mlnet-internals-check.rsp");
        string tool = Path.Combine(root.FullName, "eng", "MLNetInternalsCheck", "bin", configuration, tfm, "MLNetInternalsCheck.dll");
        Assert.True(File.Exists(rsp), $"{rsp} is missing: build src/Microsoft.ML.Recurrent (with the check on) first.");
        Assert.True(File.Exists(tool), $"{tool} is missing.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(tool);
        start.ArgumentList.Add("@" + rsp);
        foreach (var e in extra) start.ArgumentList.Add(e);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output + stderr.Result);
    }
}
