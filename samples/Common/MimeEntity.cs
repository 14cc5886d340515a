using System.Text;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>
/// A message or body part split into unfolded headers and raw body bytes. Parsing is lenient by design:
/// real mail (spam especially) is often malformed, so nothing here throws on bad input.
/// </summary>
internal sealed class MimeEntity
{
    private readonly List<KeyValuePair<string, string>> _headers;

    private MimeEntity(List<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body)
    {
        _headers = headers;
        Body = body;
    }

    /// <summary>Body bytes, still transfer-encoded.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>Value of the first header named <paramref name="name"/> (case-insensitive), bytes mapped 1:1 to chars (Latin-1).</summary>
    public string? GetHeader(string name) =>
        _headers.FirstOrDefault(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Parsed Content-Type; <c>text/plain</c> when absent or unparsable (RFC 2045 default).</summary>
    public ContentType ContentType => ContentType.Parse(GetHeader("Content-Type"));

    /// <summary>Splits <paramref name="raw"/> at the first empty line, or at the first line that can't be a header.</summary>
    public static MimeEntity Parse(ReadOnlyMemory<byte> raw)
    {
        var headers = new List<KeyValuePair<string, string>>();
        ReadOnlySpan<byte> span = raw.Span;
        int position = 0;
        while (position < span.Length)
        {
            int lineEnd = span[position..].IndexOf((byte)'\n');
            int next = lineEnd < 0 ? span.Length : position + lineEnd + 1;
            ReadOnlySpan<byte> line = TrimLineEnd(span[position..next]);
            if (line.IsEmpty)
            {
                position = next;
                break;
            }

            bool isContinuation = line[0] is (byte)' ' or (byte)'\t';
            if (isContinuation && headers.Count > 0)
            {
                var last = headers[^1];
                headers[^1] = new(last.Key, last.Value + Encoding.Latin1.GetString(line));
            }
            else if (TryParseHeaderLine(line, out var header))
            {
                headers.Add(header);
            }
            else if (!(position == 0 && line.StartsWith("From "u8)))
            {
                break; // Not a header (and not the mbox "From " line): the body starts here, without a blank line.
            }

            position = next;
        }

        return new MimeEntity(headers, raw[position..]);
    }

    /// <summary>
    /// Splits a multipart body into its parts (RFC 2046 section 5.1.1): preamble and epilogue are dropped, and a
    /// delimiter line must be exactly <c>--boundary</c> or <c>--boundary--</c> (blanks aside), so that a nested
    /// boundary sharing a prefix (<c>X</c> and <c>X_001</c>) is not mistaken for the outer one.
    /// </summary>
    /// <returns>The parts; empty when no delimiter line was found.</returns>
    public static List<ReadOnlyMemory<byte>> SplitMultipart(ReadOnlyMemory<byte> body, string boundary)
    {
        var parts = new List<ReadOnlyMemory<byte>>();
        // Blanks are ignored when matching: some spam declares "=Multipart Boundary 1" but writes "--= Multipart Boundary 1".
        string delimiter = WithoutBlanks("--" + boundary);
        ReadOnlySpan<byte> span = body.Span;
        int partStart = -1;
        int position = 0;
        while (position < span.Length)
        {
            int lineEnd = span[position..].IndexOf((byte)'\n');
            int next = lineEnd < 0 ? span.Length : position + lineEnd + 1;
            ReadOnlySpan<byte> line = TrimLineEnd(span[position..next]);
            if (line.StartsWith("--"u8))
            {
                string candidate = WithoutBlanks(Encoding.Latin1.GetString(line));
                bool isClose = candidate == delimiter + "--";
                if (isClose || candidate == delimiter)
                {
                    if (partStart >= 0)
                    {
                        // The line break before a delimiter belongs to the delimiter.
                        parts.Add(body[partStart..TrimLineEndBefore(span, position)]);
                    }

                    partStart = next;
                    if (isClose)
                    {
                        return parts;
                    }
                }
            }

            position = next;
        }

        if (partStart >= 0 && partStart < span.Length)
        {
            parts.Add(body[partStart..]); // Missing close delimiter: the last part runs to the end.
        }

        return parts;
    }

    private static bool TryParseHeaderLine(ReadOnlySpan<byte> line, out KeyValuePair<string, string> header)
    {
        int colon = line.IndexOf((byte)':');
        header = default;
        if (colon <= 0)
        {
            return false;
        }

        foreach (byte c in line[..colon])
        {
            if (c <= 32 || c >= 127)
            {
                return false; // RFC 5322 field names are printable ASCII without spaces.
            }
        }

        header = new(Encoding.ASCII.GetString(line[..colon]), Encoding.Latin1.GetString(line[(colon + 1)..]).Trim());
        return true;
    }

    private static ReadOnlySpan<byte> TrimLineEnd(ReadOnlySpan<byte> line) => line.TrimEnd("\r\n"u8);

    private static int TrimLineEndBefore(ReadOnlySpan<byte> span, int end)
    {
        if (end > 0 && span[end - 1] == '\n')
        {
            end--;
        }

        if (end > 0 && span[end - 1] == '\r')
        {
            end--;
        }

        return end;
    }

    private static string WithoutBlanks(string value) => value.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\t", string.Empty, StringComparison.Ordinal);
}

/// <summary>A parsed Content-Type header: lower-case media type and parameters.</summary>
internal sealed class ContentType
{
    private readonly Dictionary<string, string> _parameters;

    private ContentType(string mediaType, Dictionary<string, string> parameters)
    {
        MediaType = mediaType;
        _parameters = parameters;
    }

    /// <summary>Lower-case <c>type/subtype</c>.</summary>
    public string MediaType { get; }

    /// <summary>Whether this is any <c>multipart/*</c> type.</summary>
    public bool IsMultipart => MediaType.StartsWith("multipart/", StringComparison.Ordinal);

    /// <summary>Whether this is any <c>text/*</c> type.</summary>
    public bool IsText => MediaType.StartsWith("text/", StringComparison.Ordinal);

    /// <summary>Whether this is an HTML text type.</summary>
    public bool IsHtml => IsText && MediaType.Contains("html", StringComparison.Ordinal);

    /// <summary>A parameter value (name case-insensitive, quotes removed), or <see langword="null"/>.</summary>
    public string? this[string name] => _parameters.GetValueOrDefault(name);

    /// <summary>Parses a Content-Type value; anything without a <c>/</c> in its type becomes <c>text/plain</c>.</summary>
    public static ContentType Parse(string? value)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        List<string> segments = SplitUnquoted(value ?? string.Empty, ';');
        string mediaType = segments.Count > 0 ? segments[0].Trim().ToLowerInvariant() : string.Empty;
        if (!mediaType.Contains('/'))
        {
            mediaType = "text/plain";
        }

        foreach (string segment in segments.Skip(1))
        {
            int equals = segment.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            string name = segment[..equals].Trim().TrimEnd('*'); // RFC 2231 "name*" without its extended syntax.
            string parameterValue = Unquote(segment[(equals + 1)..].Trim());
            parameters.TryAdd(name, parameterValue);
        }

        return new ContentType(mediaType, parameters);
    }

    private static List<string> SplitUnquoted(string value, char separator)
    {
        var segments = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == '\\' && quoted && i + 1 < value.Length)
            {
                current.Append(c).Append(value[++i]);
                continue;
            }
            else if (c == separator && !quoted)
            {
                segments.Add(current.ToString());
                current.Clear();
                continue;
            }

            current.Append(c);
        }

        segments.Add(current.ToString());
        return segments;
    }

    private static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != '"')
        {
            return value.Trim('"', '\'');
        }

        var result = new StringBuilder(value.Length);
        for (int i = 1; i < value.Length && value[i] != '"'; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
            }

            result.Append(value[i]);
        }

        return result.ToString();
    }
}
