using System.Reflection;
using System.Runtime.InteropServices;
using Spectre.Console;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>Top-level plumbing shared by the samples: error reporting, machine description, output folder.</summary>
internal static class SampleHost
{
    /// <summary>
    /// Runs <paramref name="main"/> and turns the expected failures (missing npm, bad arguments, missing data) into a
    /// short message with what to do, without a stack trace. The first Ctrl+C cancels the token given to
    /// <paramref name="main"/> (training stops after the current mini-batch); a second one ends the process at once.
    /// </summary>
    public static int Run(Func<CancellationToken, int> main)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            if (!cancellation.IsCancellationRequested)
            {
                e.Cancel = true;
                cancellation.Cancel();
            }
        };

        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 120;  // logs and pipes: Spectre would otherwise wrap tables at 80 columns
        }

        try
        {
            return main(cancellation.Token);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            PrintError("Cancelled (Ctrl+C).");
            return 130;
        }
        catch (SampleUsageException exception)
        {
            PrintError(exception.Message);
            return 2;
        }
        catch (SampleDataException exception)
        {
            // The data library's messages say exactly what to do (install npm, extract the .tar.bz2 archives, ...).
            PrintError(exception.Message);
            return 1;
        }
        catch (FileNotFoundException exception) when (exception.FileName?.StartsWith("Microsoft.ML", StringComparison.Ordinal) == true)
        {
            PrintError($"ML.NET could not be loaded ({exception.FileName}). Restore and rebuild the sample (dotnet build; the NuGet package Microsoft.ML 5.0.x).");
            return 1;
        }
    }

    /// <summary>
    /// Runs a data loader of samples/Datasets, turning its documented failures (npm missing or offline, no message files,
    /// a missing folder) into a <see cref="SampleDataException"/>, which <see cref="Run"/> prints without a stack trace.
    /// </summary>
    public static T LoadData<T>(Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception exception) when (exception is InvalidOperationException or InvalidDataException or IOException)
        {
            throw new SampleDataException(exception.Message, exception);
        }
    }

    /// <summary>Prints an error line in red.</summary>
    public static void PrintError(string message) =>
        AnsiConsole.MarkupLineInterpolated($"[red bold]error:[/] [red]{message}[/]");

    /// <summary>"AMD EPYC, 2 cores, Linux x64, .NET 10.0.0, ML.NET 5.0.0".</summary>
    public static string DescribeMachine()
    {
        string cpu = CpuName() ?? RuntimeInformation.ProcessArchitecture.ToString();
        string os = OperatingSystem.IsLinux() ? "Linux" : OperatingSystem.IsWindows() ? "Windows" : OperatingSystem.IsMacOS() ? "macOS" : RuntimeInformation.OSDescription;
        return $"{cpu}, {Environment.ProcessorCount} cores, {os} {RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}, " +
               $".NET {Environment.Version}, ML.NET {MLNetVersion()}";
    }

    /// <summary>The informational version of the loaded Microsoft.ML.Data assembly (e.g. 5.0.0).</summary>
    public static string MLNetVersion()
    {
        Assembly assembly = typeof(Microsoft.ML.MLContext).Assembly;
        string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (version is null)
        {
            return assembly.GetName().Version?.ToString() ?? "?";
        }

        int plus = version.IndexOf('+');
        return plus > 0 ? version[..plus] : version;
    }

    private static string? CpuName()
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo"))
            {
                string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                return line?[(line.IndexOf(':') + 1)..].Trim();
            }

            return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER");
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// The sample's output folder: <paramref name="requested"/> if given, else <c>&lt;repo&gt;/.cache/output/&lt;name&gt;</c>
    /// (gitignored), or <c>./&lt;name&gt;-output</c> outside the repository. Created if missing.
    /// </summary>
    public static string OutputFolder(string? requested, string name)
    {
        string folder = requested is not null
            ? Path.GetFullPath(requested)
            : DataDirectory.FindRepositoryRoot(AppContext.BaseDirectory) is { } root
                ? Path.Combine(root, ".cache", "output", name)
                : Path.GetFullPath($"{name}-output");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>A path relative to the current folder when that is shorter, for display.</summary>
    public static string Display(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    /// <summary>"1m 23s" / "4.2s".</summary>
    public static string FormatDuration(TimeSpan time) =>
        time.TotalSeconds < 60 ? $"{time.TotalSeconds:0.0}s"
        : time.TotalHours < 1 ? $"{(int)time.TotalMinutes}m {time.Seconds:00}s"
        : $"{(int)time.TotalHours}h {time.Minutes:00}m";
}

/// <summary>The dataset could not be fetched or read; the message says what to do.</summary>
internal sealed class SampleDataException(string message, Exception inner) : Exception(message, inner);
