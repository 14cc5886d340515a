using System.IO.Compression;
using System.Xml.Linq;
using Xunit;
using Xunit.Abstractions;

namespace Microsoft.ML.Recurrent.Samples.Tests;

/// <summary>
/// What a user installs: <c>dotnet pack</c> makes Microsoft.ML.Recurrent and Microsoft.ML.Recurrent.Core (with readme,
/// license, symbols, docs, and the Microsoft.ML range), and a console app outside the repository that references only
/// Microsoft.ML.Recurrent by PackageReference, from a local folder feed, builds and runs the QuickStart program.
/// </summary>
/// <remarks>
/// The packages get a version unique to the run, so a package of an earlier run left in the NuGet cache can never be
/// used; the run's packages are removed from the cache afterwards. Packing uses the libraries the test build already
/// built (<c>--no-build</c>, same configuration).
/// </remarks>
public class PackageConsumerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public void PackedLibraries_InstallIntoAConsoleApp_ThatTrainsEvaluatesSavesLoadsAndPredicts()
    {
        string root = DotNetCli.RepositoryRoot;
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Guid.NewGuid().ToString("N")[..8]}";
        using var temp = new TempDirectory();
        string feed = temp.Combine("feed");
        try
        {
            foreach (string project in new[] { "src/Microsoft.ML.Recurrent.Core", "src/Microsoft.ML.Recurrent" })
            {
                (int packExit, string packOutput) = DotNetCli.Run(root, Timeout, "pack", project, "-c", DotNetCli.Configuration, "--no-build",
                    "-o", feed, $"-p:PackageVersion={version}", "-nologo");
                Assert.True(packExit == 0, packOutput);
            }

            XElement nuspec = CheckPackage(feed, "Microsoft.ML.Recurrent", version);
            XElement core = CheckPackage(feed, "Microsoft.ML.Recurrent.Core", version);
            XNamespace ns = nuspec.Name.Namespace;
            var dependencies = nuspec.Descendants(ns + "dependency").ToDictionary(d => (string)d.Attribute("id")!, d => (string)d.Attribute("version")!);
            Assert.Equal("[5.0.1, 5.1.0)", dependencies["Microsoft.ML"]);
            Assert.Equal(version, dependencies["Microsoft.ML.Recurrent.Core"]);
            Assert.DoesNotContain(core.Descendants(core.Name.Namespace + "dependency"), d => ((string)d.Attribute("id")!).StartsWith("Microsoft.ML", StringComparison.Ordinal));

            // The consumer: outside the repository (no Directory.Build.props or central versions), the QuickStart's code.
            string app = temp.Combine("app");
            Directory.CreateDirectory(app);
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="local-test-feed" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Microsoft.ML.Recurrent" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            foreach (string file in new[] { "Program.cs", "Review.cs" })
            {
                File.Copy(Path.Combine(root, "samples", "QuickStart", file), Path.Combine(app, file));
            }

            (int buildExit, string buildOutput) = DotNetCli.Run(app, Timeout, "build", "-c", "Release", "-nologo");
            Assert.True(buildExit == 0, buildOutput);
            string assets = File.ReadAllText(Path.Combine(app, "obj", "project.assets.json"));
            Assert.Contains($"\"Microsoft.ML.Recurrent.Core/{version}\"", assets);  // came in transitively

            (int runExit, string runOutput) = DotNetCli.Run(app, Timeout, "bin/Release/net10.0/Consumer.dll", "1");
            output.WriteLine(runOutput);
            Assert.True(runExit == 0, runOutput);
            QuickStartTests.AssertSaneRun(runOutput, app);
        }
        finally
        {
            RemoveFromNuGetCache(version);
        }
    }

    /// <summary>Checks the .nupkg and .snupkg of <paramref name="id"/> and returns the .nuspec's metadata element.</summary>
    private XElement CheckPackage(string feed, string id, string version)
    {
        string package = Path.Combine(feed, $"{id}.{version}.nupkg");
        Assert.True(File.Exists(package), $"{package} was not created");
        Assert.True(File.Exists(Path.Combine(feed, $"{id}.{version}.snupkg")), $"{id}: no symbol package (.snupkg)");

        using ZipArchive zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("README.md", entries);
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);  // XML docs for IntelliSense

        using Stream nuspecStream = zip.GetEntry($"{id}.nuspec")!.Open();
        XElement metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        XNamespace ns = metadata.Name.Namespace;
        output.WriteLine(metadata.ToString());
        Assert.Equal(id, (string?)metadata.Element(ns + "id"));
        Assert.Equal("MIT", (string?)metadata.Element(ns + "license"));
        Assert.Equal("expression", (string?)metadata.Element(ns + "license")?.Attribute("type"));
        Assert.Equal("README.md", (string?)metadata.Element(ns + "readme"));
        Assert.False(string.IsNullOrWhiteSpace((string?)metadata.Element(ns + "description")));
        Assert.Contains("lstm", ((string?)metadata.Element(ns + "tags") ?? "").Split(' '));
        Assert.Equal("git", (string?)metadata.Element(ns + "repository")?.Attribute("type"));
        return metadata;
    }

    private static void RemoveFromNuGetCache(string version)
    {
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in new[] { "microsoft.ml.recurrent", "microsoft.ml.recurrent.core" })
        {
            string folder = Path.Combine(cache, id, version);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            if (Directory.Exists(Path.Combine(cache, id)) && !Directory.EnumerateFileSystemEntries(Path.Combine(cache, id)).Any())
            {
                Directory.Delete(Path.Combine(cache, id));
            }
        }
    }
}
