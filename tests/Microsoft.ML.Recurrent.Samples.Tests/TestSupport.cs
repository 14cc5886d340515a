using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Microsoft.ML.Recurrent.Samples.Tests;

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "recurrent-samples-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a file (creating its folders) and returns its path.</summary>
    public string WriteFile(string relativePath, byte[] content)
    {
        string path = Combine(relativePath.Split('/'));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}

internal static class TestData
{
    /// <summary>Writes a gzip-compressed tar with the given files (entry name to content).</summary>
    public static void WriteTarGz(string path, IEnumerable<(string Name, byte[] Content)> files)
    {
        using FileStream file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var writer = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach ((string name, byte[] content) in files)
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) };
            writer.WriteEntry(entry);
        }
    }

    /// <summary>Latin-1 bytes of a message written with '\n' line ends, converted to CRLF like real mail.</summary>
    public static byte[] Mail(string text) => Encoding.Latin1.GetBytes(text.Replace("\n", "\r\n", StringComparison.Ordinal));

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
