using System.Text;
using Xunit;

namespace Microsoft.ML.Recurrent.Samples.Tests;

/// <summary>
/// How a raw message becomes the model's text: MimeKit parses it; these tests pin the choices made on top (which parts
/// are text, HTML only without a plain alternative, charset sniffing, never throwing).
/// </summary>
public class MimeDecodingTests
{
    private const string Id = "0123456789abcdef0123456789abcdef";

    private static SpamMessage Parse(byte[] raw, string group = "easy_ham") => SpamAssassinCorpus.Parse(raw, Id, group);

    [Fact]
    public void PlainMessage_DropsHeadersAndMboxLine_UnfoldsSubject()
    {
        var message = Parse(TestData.Mail(
            "From someone@example.com  Thu Aug 22 13:17:22 2002\n" +
            "Return-Path: <someone@example.com>\n" +
            "Subject: Hello\n\tfolded   world\n" +
            "X-Header: value\n" +
            "\n" +
            "First line.\n" +
            "Second line.\n"));

        Assert.Equal("Hello folded world", message.Subject);
        Assert.Equal("First line.\nSecond line.", message.Body);
        Assert.Equal("Hello folded world\nFirst line.\nSecond line.", message.Text);
        Assert.DoesNotContain("Return-Path", message.Text);
    }

    [Fact]
    public void QuotedPrintable_DecodesEscapesSoftBreaksAndCharset()
    {
        var message = Parse(TestData.Mail(
            "Subject: qp\n" +
            "Content-Type: text/plain; charset=\"ISO-8859-1\"\n" +
            "Content-Transfer-Encoding: quoted-printable\n" +
            "\n" +
            "Caf=E9 au lait, a long line that is soft=\n" +
            "-broken, 1+1=3D2, =93quoted=94, bad =ZZ escape=\n"));

        Assert.Equal("Café au lait, a long line that is soft-broken, 1+1=2, \u201Cquoted\u201D, bad =ZZ escape", message.Body);
    }

    [Fact]
    public void Base64_Utf8Body_IgnoresTrailingFooter()
    {
        string encoded = Convert.ToBase64String(TestData.Utf8("Grüße aus Köln — ünïcödé\nline two"), Base64FormattingOptions.InsertLineBreaks);
        var message = Parse(TestData.Mail(
            "Subject: b64\n" +
            "Content-Type: text/plain; charset=utf-8\n" +
            "Content-Transfer-Encoding: BASE64\n" +
            "\n" +
            encoded + "\n" +
            "\n" +
            "_______________________________________________\n" +
            "Mailing list footer appended by a list server\n"));

        Assert.Equal("Grüße aus Köln — ünïcödé\nline two", message.Body);
    }

    [Fact]
    public void MultipartAlternative_KeepsPlainTextOnly()
    {
        var message = Parse(TestData.Mail(
            "Subject: alt\n" +
            "MIME-Version: 1.0\n" +
            "Content-Type: multipart/alternative;\n boundary=\"----=_NextPart_000\"\n" +
            "\n" +
            "This is a multi-part message in MIME format (preamble).\n" +
            "------=_NextPart_000\n" +
            "Content-Type: text/plain; charset=us-ascii\n" +
            "\n" +
            "Plain version.\n" +
            "------=_NextPart_000\n" +
            "Content-Type: text/html; charset=us-ascii\n" +
            "\n" +
            "<html><body><b>HTML</b> version.</body></html>\n" +
            "------=_NextPart_000--\n" +
            "epilogue\n"));

        Assert.Equal("Plain version.", message.Body);
    }

    [Fact]
    public void MultipartAlternative_BlankPlainPart_FallsBackToHtml()
    {
        var message = Parse(TestData.Mail(
            "Subject: alt\n" +
            "Content-Type: multipart/alternative; boundary=b\n" +
            "\n" +
            "--b\n" +
            "Content-Type: text/plain\n" +
            "\n" +
            "\n" +
            "\n" +
            "--b\n" +
            "Content-Type: text/html\n" +
            "\n" +
            "<b>Only the HTML has words.</b>\n" +
            "--b--\n"));

        Assert.Equal("Only the HTML has words.", message.Body);
    }

    [Fact]
    public void HtmlOnly_StripsTagsScriptsAndDecodesEntities()
    {
        var message = Parse(TestData.Mail(
            "Subject: html\n" +
            "Content-Type: TEXT/HTML; charset=iso-8859-1\n" +
            "\n" +
            "<html><head><style>p { color: red; }</style><script>alert('x')</script></head>\n" +
            "<body><!-- hidden comment --><p>Buy&nbsp;now &amp; save &#36;5 &eacute;l&egrave;ve</p>" +
            "<p>second<br>line</p><a href=\"http://x\">link</a> 1 < 2</body></html>\n"));

        Assert.Equal("Buy now & save $5 élève\n\nsecond\nline\nlink 1 < 2", message.Body);
        Assert.DoesNotContain("alert", message.Body);
        Assert.DoesNotContain("color", message.Body);
    }

    [Fact]
    public void HtmlInMixed_AlongsidePlainFooter_KeepsBoth()
    {
        var message = Parse(TestData.Mail(
            "Subject: mixed\n" +
            "Content-Type: multipart/mixed; boundary=outer\n" +
            "\n" +
            "--outer\n" +
            "Content-Type: text/html\n" +
            "\n" +
            "<p>Main &lt;content&gt;</p>\n" +
            "--outer\n" +
            "Content-Type: text/plain\n" +
            "\n" +
            "List footer\n" +
            "--outer\n" +
            "Content-Type: image/gif\n" +
            "Content-Transfer-Encoding: base64\n" +
            "\n" +
            "R0lGODlhAQABAAAAACw=\n" +
            "--outer--\n"));

        Assert.Equal("Main <content>\n\nList footer", message.Body);
    }

    [Fact]
    public void NestedBoundaryWithSharedPrefix_IsNotMistakenForOuter()
    {
        var message = Parse(TestData.Mail(
            "Subject: nested\n" +
            "Content-Type: multipart/mixed; boundary=\"X\"\n" +
            "\n" +
            "--X\n" +
            "Content-Type: multipart/alternative; boundary=\"X_001\"\n" +
            "\n" +
            "--X_001\n" +
            "Content-Type: text/plain\n" +
            "Content-Transfer-Encoding: quoted-printable\n" +
            "\n" +
            "inner plain=21\n" +
            "--X_001\n" +
            "Content-Type: text/html\n" +
            "\n" +
            "<p>inner html</p>\n" +
            "--X_001--\n" +
            "--X\n" +
            "Content-Type: message/rfc822\n" +
            "\n" +
            "Subject: forwarded\n" +
            "Content-Type: text/plain\n" +
            "\n" +
            "forwarded body\n" +
            "--X--\n"));

        Assert.Equal("inner plain!\n\nforwarded body", message.Body);
    }

    [Fact]
    public void Rfc2047Subject_DecodesBAndQWords_AndJoinsAdjacentWords()
    {
        string utf8Base64 = Convert.ToBase64String(TestData.Utf8("Привет"));
        var message = Parse(TestData.Mail(
            $"Subject: =?utf-8?B?{utf8Base64}?=\n =?ISO-8859-1?Q?_caf=E9_cr=E8me?= plain =?unknown-charset?Q?x=41?=\n" +
            "\n" +
            "body\n"));

        Assert.Equal("Привет café crème plain xA", message.Subject);
    }

    [Fact]
    public void Rfc2047_MultiByteCharacterSplitAcrossWords_Survives()
    {
        byte[] euro = TestData.Utf8("€"); // 3 bytes, split 1 + 2 across two encoded-words.
        string first = Convert.ToBase64String(euro[..1]);
        string second = Convert.ToBase64String(euro[1..]);
        var message = Parse(TestData.Mail($"Subject: =?UTF-8?B?{first}?= =?UTF-8?B?{second}?=5\n\nx\n"));

        Assert.Equal("€5", message.Subject);
    }

    [Fact]
    public void RawEightBitSubjectAndBody_AreSniffedAsUtf8OrLatin1()
    {
        byte[] utf8 = [.. Encoding.ASCII.GetBytes("Subject: "), .. TestData.Utf8("naïve"), .. "\r\n\r\n"u8, .. TestData.Utf8("ünïcödé")];
        byte[] latin1 = Encoding.Latin1.GetBytes("Subject: na\u00EFve\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nd\u00E9j\u00E0 vu");

        Assert.Equal(("naïve", "ünïcödé"), (Parse(utf8).Subject, Parse(utf8).Body));
        Assert.Equal(("naïve", "déjà vu"), (Parse(latin1).Subject, Parse(latin1).Body));
    }

    [Fact]
    public void RawEightBitSubject_UsesTheCharsetOfTheText()
    {
        byte[] privet = [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4]; // "Привет" in KOI8-R
        byte[] raw = [.. "Subject: "u8, .. privet, .. "\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n"u8, .. privet];

        Assert.Equal(("Привет", "Привет"), (Parse(raw).Subject, Parse(raw).Body));
    }

    [Fact]
    public void CodePageCharset_IsDecoded()
    {
        byte[] koi8 = [.. "Subject: koi8\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n"u8, 0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4];

        Assert.Equal("Привет", Parse(koi8).Body);
    }

    [Fact]
    public void MultipartWithoutBoundary_KeepsRawBody()
    {
        var message = Parse(TestData.Mail(
            "Subject: broken\n" +
            "Content-Type: multipart/mixed\n" +
            "\n" +
            "Text of a spam whose multipart header lies.\n"));

        Assert.Equal("Text of a spam whose multipart header lies.", message.Body);
    }

    [Fact]
    public void MultipartWithMismatchedBoundary_KeepsRawBody()
    {
        var message = Parse(TestData.Mail(
            "Subject: broken\n" +
            "Content-Type: multipart/alternative; boundary=\"declared\"\n" +
            "\n" +
            "--actual\n" +
            "Content-Type: text/plain\n" +
            "\n" +
            "Visible anyway.\n"));

        Assert.Contains("Visible anyway.", message.Body);
    }

    [Fact]
    public void MissingCloseDelimiter_LastPartRunsToEnd()
    {
        var message = Parse(TestData.Mail(
            "Subject: truncated\n" +
            "Content-Type: multipart/mixed; boundary=b\n" +
            "\n" +
            "--b\n" +
            "Content-Type: text/plain\n" +
            "\n" +
            "first\n" +
            "--b\n" +
            "\n" +
            "second, with no headers and no closing delimiter\n"));

        Assert.Equal("first\n\nsecond, with no headers and no closing delimiter", message.Body);
    }

    [Fact]
    public void UnknownCharset_IsSniffed_AndBase64JunkAfterTheData_IsDropped()
    {
        var message = Parse(TestData.Mail(
            "Subject: junk\n" +
            "Content-Type: text/plain; charset=\"no-such-charset\"\n" +
            "Content-Transfer-Encoding: base64\n" +
            "\n" +
            "QUJD\n" +
            "RA==\n" +
            "--StrayDelimiter--\n" +
            "!!!! not base64 at all ????\n"));

        Assert.Equal("ABCD", message.Body);
    }

    [Fact]
    public void EveryTruncationAndRandomBytes_NeverThrow()
    {
        byte[] complex = TestData.Mail(
            "Subject: =?utf-8?Q?caf=C3=A9?=\n" +
            "Content-Type: multipart/mixed; boundary=\"a\"\n" +
            "\n" +
            "--a\n" +
            "Content-Type: multipart/alternative; boundary=b\n" +
            "\n" +
            "--b\n" +
            "Content-Type: text/plain; charset=utf-8\n" +
            "Content-Transfer-Encoding: quoted-printable\n" +
            "\n" +
            "caf=C3=A9=\n" +
            "--b\n" +
            "Content-Type: text/html\n" +
            "Content-Transfer-Encoding: base64\n" +
            "\n" +
            "PGI+aGk8L2I+\n" +
            "--b--\n" +
            "--a--\n");
        for (int length = 0; length <= complex.Length; length++)
        {
            SpamMessage message = Parse(complex[..length]);
            Assert.NotNull(message.Text);
        }

        var random = new Random(42);
        for (int i = 0; i < 200; i++)
        {
            byte[] bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            Assert.NotNull(Parse(bytes).Text);
        }

        Assert.Equal("café", Parse(complex).Body);
    }

    [Fact]
    public void SpamLabel_ComesFromGroupName()
    {
        byte[] raw = TestData.Mail("Subject: s\n\nb\n");

        Assert.True(Parse(raw, "spam").IsSpam);
        Assert.True(Parse(raw, "spam_2").IsSpam);
        Assert.False(Parse(raw, "hard_ham").IsSpam);
        Assert.Equal("hard_ham", Parse(raw, "hard_ham").SourceGroup);
    }
}
