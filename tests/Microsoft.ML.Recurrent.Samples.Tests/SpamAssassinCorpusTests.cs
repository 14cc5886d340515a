using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace Microsoft.ML.Recurrent.Samples.Tests;

public class SpamAssassinCorpusTests
{
    [Theory]
    [InlineData("00aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true)]   // 0x00 % 5 == 0
    [InlineData("05aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true)]   // 5
    [InlineData("FFaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true)]   // 255, upper case accepted
    [InlineData("7c53336b37003a9286aba55d2945844c", false)]  // 0x7c = 124, % 5 == 4
    [InlineData("01aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    public void IsTestId_UsesFirstByteOfTheMd5InTheId(string id, bool expected) =>
        Assert.Equal(expected, SpamAssassinCorpus.IsTestId(id));

    [Fact]
    public void IsTestId_NonMd5Id_UsesMd5OfTheId()
    {
        foreach (string id in new[] { "message-1", "message-2", "x", "" })
        {
            bool expected = MD5.HashData(Encoding.UTF8.GetBytes(id))[0] % 5 == 0;
            Assert.Equal(expected, SpamAssassinCorpus.IsTestId(id));
        }
    }

    [Fact]
    public void IsTestId_SelectsAboutAFifthOfRandomIds()
    {
        var random = new Random(7);
        int test = 0;
        const int Count = 20_000;
        for (int i = 0; i < Count; i++)
        {
            byte[] md5 = new byte[16];
            random.NextBytes(md5);
            test += SpamAssassinCorpus.IsTestId(Convert.ToHexStringLower(md5)) ? 1 : 0;
        }

        Assert.InRange(test / (double)Count, 0.19, 0.22); // Expected 52/256 = 0.203.
    }

    [Theory]
    [InlineData("easy-ham-1", "easy_ham")]
    [InlineData("easy-ham-2", "easy_ham_2")]
    [InlineData("hard-ham-1", "hard_ham")]
    [InlineData("spam-1", "spam")]
    [InlineData("spam-2", "spam_2")]
    [InlineData("easy_ham", "easy_ham")]
    [InlineData("spam_2", "spam_2")]
    public void CanonicalGroup_MapsNpmNamesToArchiveNames(string folder, string expected) =>
        Assert.Equal(expected, SpamAssassinCorpus.CanonicalGroup(folder));

    [Fact]
    public void Load_OriginalArchiveFolders_SkipsCmdsAndDeduplicates()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("easy_ham/00001.00000000000000000000000000000001", TestData.Mail("Subject: ham one\n\nhello\n"));
        temp.WriteFile("easy_ham/00002.10000000000000000000000000000002", TestData.Mail("Subject: ham two\n\nhello again\n"));
        temp.WriteFile("easy_ham/cmds", TestData.Mail("mv 00001.x 00001.y\n"));
        temp.WriteFile("spam_2/00001.20000000000000000000000000000003", TestData.Mail("Subject: buy\n\nnow\n"));
        // The same message (same MD5) again in another group is counted once.
        temp.WriteFile("spam_2/00002.10000000000000000000000000000002", TestData.Mail("Subject: ham two\n\nhello again\n"));

        IReadOnlyList<SpamMessage> messages = SpamAssassinCorpus.Load(temp.Path);

        Assert.Equal(3, messages.Count);
        Assert.Equal(["easy_ham", "easy_ham", "spam_2"], messages.Select(m => m.SourceGroup));
        Assert.Equal([false, false, true], messages.Select(m => m.IsSpam));
        Assert.Equal("00000000000000000000000000000001", messages[0].Id);
        Assert.True(messages[0].IsTest);
        Assert.Equal("ham one\nhello", messages[0].Text);
    }

    [Fact]
    public void Load_NpmLayout_ReadsTxtAndIgnoresJsonCopies()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("package/data/easy-ham-1/00001.7c53336b37003a9286aba55d2945844c.txt", TestData.Mail("Subject: a\n\nham\n"));
        temp.WriteFile("package/data/easy-ham-1/00001.7c53336b37003a9286aba55d2945844c.json", TestData.Utf8("{\"text\":\"Subject: a\"}"));
        temp.WriteFile("package/data/spam-1/00001.7848dde101aa985090474a91ec93fcf0.txt", TestData.Mail("Subject: b\n\nspam\n"));
        temp.WriteFile("package/data/spam-1/00001.7848dde101aa985090474a91ec93fcf0.json", TestData.Utf8("{}"));
        temp.WriteFile("package/data/file_list.json", TestData.Utf8("[]"));

        IReadOnlyList<SpamMessage> messages = SpamAssassinCorpus.Load(temp.Combine("package"));

        Assert.Equal(2, messages.Count);
        Assert.Equal(("7c53336b37003a9286aba55d2945844c", "easy_ham", false), (messages[0].Id, messages[0].SourceGroup, messages[0].IsSpam));
        Assert.Equal(("7848dde101aa985090474a91ec93fcf0", "spam", true), (messages[1].Id, messages[1].SourceGroup, messages[1].IsSpam));
    }

    [Fact]
    public void Load_TarGzArchives_AreReadInPlace()
    {
        using var temp = new TempDirectory();
        TestData.WriteTarGz(temp.Combine("20030228_spam.tar.gz"),
        [
            ("spam/00001.aa000000000000000000000000000001", TestData.Mail("Subject: one\n\nx\n")),
            ("spam/0000.7b1b73cf36cf9dbc3d64e3f2ee2b91f1", TestData.Mail("Subject: two\n\ny\n")),
            ("spam/cmds", TestData.Mail("mv a b\n")),
        ]);
        TestData.WriteTarGz(temp.Combine("20030228_hard_ham.tgz"),
        [
            ("hard_ham/00001.bb000000000000000000000000000002", TestData.Mail("Subject: three\n\nz\n")),
        ]);

        IReadOnlyList<SpamMessage> messages = SpamAssassinCorpus.Load(temp.Path);

        Assert.Equal(["three", "two", "one"], messages.Select(m => m.Subject));
        Assert.Equal([false, true, true], messages.Select(m => m.IsSpam));
    }

    [Fact]
    public void Load_OnlyBzip2Archives_ExplainsHowToExtract()
    {
        using var temp = new TempDirectory();
        temp.WriteFile("20030228_spam.tar.bz2", [0x42, 0x5A, 0x68]);

        var exception = Assert.Throws<InvalidDataException>(() => SpamAssassinCorpus.Load(temp.Path));

        Assert.Contains("tar xjf", exception.Message);
    }

    [Fact]
    public void Load_OriginalBzip2Archives_AreUnpackedWithTheSystemTar()
    {
        // The original downloads are .tar.bz2 (e.g. 20030228_spam.tar.bz2 holding spam/00001.<md5>).
        using var source = new TempDirectory();
        source.WriteFile("spam/00001.cc000000000000000000000000000001", TestData.Mail("Subject: bzipped\n\nbody\n"));
        using var archives = new TempDirectory();
        var tar = ProcessCommandRunner.Instance.Run("tar", ["-cjf", archives.Combine("20030228_spam.tar.bz2"), "-C", source.Path, "spam"], source.Path, TimeSpan.FromMinutes(1));
        Assert.True(tar.ExitCode == 0, tar.StandardError);
        using var cache = new TempDirectory();

        string folder = SpamAssassinCorpus.ExtractBzip2(archives.Combine("20030228_spam.tar.bz2"), ProcessCommandRunner.Instance, cache.Path);
        SpamMessage message = Assert.Single(SpamAssassinCorpus.Load(folder));
        Assert.Equal("bzipped", message.Subject);
        Assert.True(message.IsSpam);
        // Extracted once: a second call reuses the folder.
        Assert.Equal(folder, SpamAssassinCorpus.ExtractBzip2(archives.Combine("20030228_spam.tar.bz2"), new FailingRunner(), cache.Path));
    }

    private sealed class FailingRunner : ICommandRunner
    {
        public CommandResult Run(string fileName, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout) => throw new InvalidOperationException("tar must not run again");
    }

    [Fact]
    public void Load_MissingFolder_Throws() =>
        Assert.Throws<DirectoryNotFoundException>(() => SpamAssassinCorpus.Load(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))));
}
