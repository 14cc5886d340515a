using System.Text;
using MimeKit;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>
/// Extracts the subject and human-readable body of a raw RFC 822 / MIME message with MimeKit (which undoes the
/// transfer encodings, charsets and RFC 2047 headers); this class only decides which parts are the readable text.
/// </summary>
internal static class MessageText
{
    private const int MaxNesting = 10;

    /// <summary>The code pages that mail uses (windows-125x, koi8-r, iso-2022-jp, ks_c_5601, gb2312, ...) ship in .NET but must be registered.</summary>
    static MessageText()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        Windows1252 = Encoding.GetEncoding(1252);
    }

    /// <summary>
    /// Decodes <paramref name="rawMessage"/>. Never throws: if MimeKit cannot parse it, the raw text after the headers is
    /// returned (real mail, spam especially, is often malformed).
    /// </summary>
    public static (string Subject, string Body) Extract(byte[] rawMessage)
    {
        MimeMessage message;
        try
        {
            using var stream = new MemoryStream(rawMessage, writable: false);
            message = MimeMessage.Load(stream);
        }
        catch (Exception exception) when (exception is FormatException or IOException or InvalidOperationException or ArgumentException)
        {
            return (string.Empty, Normalize(DecodeUnlabelled(rawMessage)));
        }

        var parts = new List<(string Text, bool IsHtml)>();
        Collect(message.Body, parts, depth: 0);
        string body = string.Join("\n\n", parts.Select(part => part.IsHtml ? HtmlText.ToPlainText(part.Text) : part.Text));
        return (Subject(message), Normalize(body));
    }

    /// <summary>
    /// The Subject with RFC 2047 words decoded and blanks collapsed. Raw 8-bit bytes (not allowed by RFC 5322 but common
    /// in spam) are read as UTF-8 when valid, else in the charset the message declares for its first text part.
    /// </summary>
    private static string Subject(MimeMessage message)
    {
        if (message.Headers.FirstOrDefault(h => h.Id == HeaderId.Subject) is not { } header)
        {
            return string.Empty;
        }

        Encoding charset = System.Text.Unicode.Utf8.IsValid(header.RawValue)
            ? Encoding.UTF8
            : EncodingOf(message.BodyParts.OfType<TextPart>().FirstOrDefault()?.ContentType.Charset) ?? Windows1252;
        return string.Join(' ', header.GetValue(charset).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// Text parts in document order: every part of a multipart/mixed (or other multipart), the preferred rendering of a
    /// multipart/alternative, and the text of attached (forwarded) messages. Images and other binary parts carry no text.
    /// </summary>
    private static void Collect(MimeEntity? entity, List<(string Text, bool IsHtml)> parts, int depth)
    {
        if (entity is null || depth >= MaxNesting)
        {
            return;
        }

        switch (entity)
        {
            case Multipart { Count: 0 } broken:
                // Declared multipart but no part found (no boundary, or one the body never uses): keep the text rather
                // than lose the message; MimeKit leaves it in the preamble.
                parts.Add((broken.Preamble ?? string.Empty, false));
                break;
            case MultipartAlternative alternative:
                CollectAlternative(alternative, parts, depth);
                break;
            case Multipart multipart:
                foreach (MimeEntity child in multipart)
                {
                    Collect(child, parts, depth + 1);
                }

                break;
            case MessagePart { Message: { } forwarded }:
                Collect(forwarded.Body, parts, depth + 1);  // a forwarded message: its text is part of this one
                break;
            case TextPart text:
                parts.Add((TextOf(text), text.IsHtml));
                break;
        }
    }

    /// <summary>
    /// Keeps the first alternative whose text is plain only (no HTML) and not blank; otherwise the first with any
    /// non-blank text. So HTML is used only when there is no usable plain-text rendering of the same content.
    /// </summary>
    private static void CollectAlternative(MultipartAlternative alternatives, List<(string Text, bool IsHtml)> parts, int depth)
    {
        List<(string Text, bool IsHtml)>? fallback = null;
        foreach (MimeEntity alternative in alternatives)
        {
            var collected = new List<(string Text, bool IsHtml)>();
            Collect(alternative, collected, depth + 1);
            if (collected.Any(part => !string.IsNullOrWhiteSpace(part.Text)))
            {
                if (collected.All(part => !part.IsHtml))
                {
                    parts.AddRange(collected);
                    return;
                }

                fallback ??= collected;
            }
        }

        parts.AddRange(fallback ?? []);
    }

    /// <summary>
    /// The part's text in its declared charset. A missing, unknown or <c>us-ascii</c> label (often wrong in practice: raw
    /// 8-bit bytes under it are common in spam) is sniffed instead: UTF-8 when the bytes are valid UTF-8, else
    /// windows-1252. iso-8859-1 is read as its windows-1252 superset, as browsers do: mail labelled iso-8859-1 often
    /// carries Outlook's curly quotes in 0x80-0x9F, which true Latin-1 would turn into control characters.
    /// </summary>
    private static string TextOf(TextPart part)
    {
        if (EncodingOf(part.ContentType.Charset) is { } encoding)
        {
            return TextIn(part, encoding);
        }

        return DecodeUnlabelled(DecodedContent(part));
    }

    private static string TextIn(TextPart part, Encoding encoding) =>
        part.ContentTransferEncoding == ContentEncoding.Base64 ? encoding.GetString(DecodedContent(part)) : part.GetText(encoding);

    /// <summary>
    /// The part's bytes with the transfer encoding undone by MimeKit. A base64 body is first cut at the first line that is
    /// not base64 after the data: mailing lists append a plain-text footer to base64 bodies, which a base64 decoder would
    /// otherwise turn into binary noise.
    /// </summary>
    private static byte[] DecodedContent(TextPart part)
    {
        if (part.Content is not { } content)
        {
            return [];
        }

        using var encoded = new MemoryStream();
        content.WriteTo(encoded);
        byte[] raw = encoded.ToArray();
        if (part.ContentTransferEncoding == ContentEncoding.Base64)
        {
            raw = UpToFooter(raw);
        }

        using var decoded = new MemoryStream();
        new MimeContent(new MemoryStream(raw), part.ContentTransferEncoding).DecodeTo(decoded);
        return decoded.ToArray();
    }

    private static byte[] UpToFooter(byte[] base64)
    {
        bool seenData = false;
        int position = 0;
        while (position < base64.Length)
        {
            int end = Array.IndexOf(base64, (byte)'\n', position);
            end = end < 0 ? base64.Length : end + 1;
            ReadOnlySpan<byte> line = base64.AsSpan(position, end - position).Trim(" \t\r\n"u8);
            if (!line.IsEmpty)
            {
                if (line.ContainsAnyExcept(Base64Alphabet))
                {
                    if (seenData)
                    {
                        return base64[..position];
                    }
                }
                else
                {
                    seenData = true;
                }
            }

            position = end;
        }

        return base64;
    }

    private static readonly System.Buffers.SearchValues<byte> Base64Alphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="u8);

    private static Encoding? EncodingOf(string? charset)
    {
        string name = (charset ?? string.Empty).Trim().Trim('"', '\'').ToLowerInvariant();
        if (name is "" or "us-ascii" or "ascii" or "unknown-8bit" or "x-unknown" or "default")
        {
            return null;
        }

        if (name is "iso-8859-1" or "iso8859-1" or "latin1" or "latin-1" or "l1")
        {
            return Windows1252;
        }

        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Strict UTF-8 when valid, else windows-1252 (Latin-1 as browsers read it).</summary>
    private static string DecodeUnlabelled(byte[] bytes) =>
        System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Windows1252.GetString(bytes);

    private static readonly Encoding Windows1252;

    /// <summary>Unix line ends, no NULs, no surrounding blank space.</summary>
    private static string Normalize(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\0", string.Empty, StringComparison.Ordinal).Trim();
}
