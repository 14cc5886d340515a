namespace Microsoft.ML.Recurrent.Samples.Tests;

/// <summary>Runs the dotnet CLI from a test, in a clean environment, and locates the repository's build outputs.</summary>
internal static class DotNetCli
{
    /// <summary>The configuration this test assembly was built in (…/bin/Release/net10.0/ gives Release).</summary>
    public static string Configuration =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>The repository root (the folder holding Microsoft.ML.Recurrent.sln).</summary>
    public static string RepositoryRoot =>
        DataDirectory.FindRepositoryRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Repository root not found above " + AppContext.BaseDirectory);

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/>; output and error are returned together for the assertion messages.</summary>
    public static (int ExitCode, string Output) Run(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var result = ProcessCommandRunner.Instance.Run("dotnet", arguments, workingDirectory, timeout, startInfo =>
        {
            // The test host runs under `dotnet test`, whose MSBuild variables would leak into a nested build.
            foreach (string name in startInfo.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || k == "VSTEST_HOST_DEBUG").ToList())
                startInfo.Environment.Remove(name);
            startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            startInfo.Environment["DOTNET_NOLOGO"] = "1";
            startInfo.Environment["NO_COLOR"] = "1";  // Spectre.Console: plain text to match
        });
        string text = result.StandardOutput + result.StandardError;
        return (result.ExitCode, System.Text.RegularExpressions.Regex.Replace(text, @"\x1b\[[0-9;]*m", ""));  // any colour codes left
    }
}
