namespace Microsoft.ML.Recurrent.Samples;

/// <summary>
/// Locates the folder where downloaded sample datasets are cached.
/// </summary>
/// <remarks>
/// Resolution order: the <c>RECURRENT_DATA_DIR</c> environment variable; else <c>&lt;repo root&gt;/.cache/data</c>,
/// where the repo root is the first folder, walking up from <see cref="AppContext.BaseDirectory"/>, that holds
/// <c>Microsoft.ML.Recurrent.sln</c>; else (a sample run outside the repository) a per-user folder.
/// </remarks>
public static class DataDirectory
{
    /// <summary>Environment variable that overrides the cache folder.</summary>
    public const string EnvironmentVariable = "RECURRENT_DATA_DIR";

    /// <summary>File name that marks the repository root.</summary>
    public const string SolutionFileName = "Microsoft.ML.Recurrent.sln";

    /// <summary>Returns the absolute path of the dataset cache folder (it may not exist yet).</summary>
    public static string Resolve()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        string? repositoryRoot = FindRepositoryRoot(AppContext.BaseDirectory);
        if (repositoryRoot is not null)
        {
            return Path.Combine(repositoryRoot, ".cache", "data");
        }

        string userData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return Path.Combine(string.IsNullOrEmpty(userData) ? Path.GetTempPath() : userData, "Microsoft.ML.Recurrent", "data");
    }

    /// <summary>
    /// Walks up from <paramref name="startDirectory"/> to the first folder containing <see cref="SolutionFileName"/>.
    /// </summary>
    /// <returns>That folder, or <see langword="null"/> when no ancestor holds the solution file.</returns>
    public static string? FindRepositoryRoot(string startDirectory)
    {
        for (var directory = new DirectoryInfo(Path.GetFullPath(startDirectory)); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFileName)))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
