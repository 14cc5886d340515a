namespace Microsoft.ML.Recurrent.Samples;

/// <summary>Extracts the subject and human-readable body of a raw RFC 822 / MIME message.</summary>
internal sealed class MessageText
{
    private const int MaxNesting = 10;

    private readonly List<TextPart> _parts = [];

    /// <summary>Charset of the first text part: the best guess for raw 8-bit bytes in the Subject.</summary>
    private string? _firstCharset;

    private MessageText()
    {
    }

    /// <summary>
    /// Decodes <paramref name="rawMessage"/>. Never throws: if decoding fails, the raw text after the headers is returned.
    /// </summary>
    public static (string Subject, string Body) Extract(byte[] rawMessage)
    {
        MimeEntity message;
        try
        {
            message = MimeEntity.Parse(rawMessage);
        }
        catch (Exception)
        {
            return (string.Empty, Normalize(MimeEncodings.DecodeUnlabelled(rawMessage)));
        }

        var walker = new MessageText();
        string body;
        try
        {
            walker.Collect(message, depth: 0);
            body = string.Join("\n\n", walker._parts.Select(part => part.IsHtml ? HtmlText.ToPlainText(part.Text) : part.Text));
        }
        catch (Exception)
        {
            // Robustness over fidelity: a sample must never lose a message to a decoder bug.
            body = MimeEncodings.DecodeUnlabelled(message.Body.Span);
        }

        string subject;
        try
        {
            subject = MimeEncodings.DecodeHeader(message.GetHeader("Subject"), walker._firstCharset);
        }
        catch (Exception)
        {
            subject = message.GetHeader("Subject")?.Trim() ?? string.Empty;
        }

        return (subject, Normalize(body));
    }

    private void Collect(MimeEntity entity, int depth)
    {
        if (depth >= MaxNesting)
        {
            return;
        }

        ContentType contentType = entity.ContentType;
        if (contentType.IsMultipart)
        {
            List<ReadOnlyMemory<byte>> children = contentType["boundary"] is { Length: > 0 } boundary
                ? MimeEntity.SplitMultipart(entity.Body, boundary)
                : [];
            if (children.Count == 0)
            {
                // Declared multipart but no usable boundary: keep the raw body rather than lose the message.
                _parts.Add(new TextPart(MimeEncodings.DecodeUnlabelled(entity.Body.Span), IsHtml: false));
            }
            else if (contentType.MediaType == "multipart/alternative")
            {
                CollectAlternative(children, depth);
            }
            else
            {
                foreach (ReadOnlyMemory<byte> child in children)
                {
                    Collect(MimeEntity.Parse(child), depth + 1);
                }
            }

            return;
        }

        byte[] body = MimeEncodings.DecodeTransfer(entity.Body.Span, entity.GetHeader("Content-Transfer-Encoding"));
        if (contentType.MediaType == "message/rfc822")
        {
            Collect(MimeEntity.Parse(body), depth + 1); // A forwarded message: its text is part of this one.
        }
        else if (contentType.IsText)
        {
            _firstCharset ??= contentType["charset"];
            _parts.Add(new TextPart(MimeEncodings.DecodeCharset(body, contentType["charset"]), contentType.IsHtml));
        }

        // Other types (images, applications) carry no text.
    }

    /// <summary>
    /// Keeps the first alternative whose text is plain only (no HTML) and not blank; otherwise the first with any
    /// non-blank text. So HTML is used only when there is no usable plain-text rendering of the same content.
    /// </summary>
    private void CollectAlternative(List<ReadOnlyMemory<byte>> alternatives, int depth)
    {
        int start = _parts.Count;
        List<TextPart>? fallback = null;
        foreach (ReadOnlyMemory<byte> alternative in alternatives)
        {
            Collect(MimeEntity.Parse(alternative), depth + 1);
            List<TextPart> collected = _parts[start..];
            _parts.RemoveRange(start, collected.Count);
            if (collected.Any(part => !string.IsNullOrWhiteSpace(part.Text)))
            {
                if (collected.All(part => !part.IsHtml))
                {
                    _parts.AddRange(collected);
                    return;
                }

                fallback ??= collected;
            }
        }

        _parts.AddRange(fallback ?? []);
    }

    /// <summary>Unix line ends, no NULs, no surrounding blank space.</summary>
    private static string Normalize(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\0", string.Empty, StringComparison.Ordinal).Trim();

    private readonly record struct TextPart(string Text, bool IsHtml);
}
