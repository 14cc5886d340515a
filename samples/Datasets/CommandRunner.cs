using System.Diagnostics;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>Outcome of an external command.</summary>
internal sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs external commands; a seam so tests can simulate npm without a network or an npm install.</summary>
internal interface ICommandRunner
{
    /// <summary>Runs <paramref name="fileName"/> directly (no shell) and waits for it.</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The executable could not be started (e.g. not found).</exception>
    /// <exception cref="TimeoutException">The command did not finish within <paramref name="timeout"/>.</exception>
    CommandResult Run(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout);
}

/// <summary>Runs commands with <see cref="Process"/>.</summary>
internal sealed class ProcessCommandRunner : ICommandRunner
{
    public static ProcessCommandRunner Instance { get; } = new();

    public CommandResult Run(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout)
        => Run(fileName, arguments, workingDirectory, timeout, configure: null);

    /// <summary>As <see cref="Run(string, IReadOnlyList{string}, string, TimeSpan)"/>, with a hook to adjust the start info (e.g. its environment).</summary>
    public CommandResult Run(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout, Action<ProcessStartInfo>? configure)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (string argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        configure?.Invoke(startInfo);

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start '{fileName}'.");
        // Closed stdin: a prompting command fails instead of hanging.
        process.StandardInput.Close();
        // Drain both pipes concurrently: a full stderr pipe would otherwise block the child forever.
        Task<string> standardOutput = process.StandardOutput.ReadToEndAsync();
        Task<string> standardError = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the timeout and the kill.
            }

            throw new TimeoutException($"'{fileName} {string.Join(' ', arguments)}' did not finish within {timeout}.");
        }

        process.WaitForExit(); // Flushes the redirected streams after the timed wait.
        return new CommandResult(process.ExitCode, standardOutput.GetAwaiter().GetResult(), standardError.GetAwaiter().GetResult());
    }
}
