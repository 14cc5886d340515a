using System.Buffers;
using System.Text;
using System.Text.Unicode;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>Lenient decoders for MIME transfer encodings, charsets and RFC 2047 encoded-words.</summary>
internal static partial class MimeEncodings
{
    /// <summary>
    /// Latin-1 decoded as its windows-1252 superset (as browsers do): mail labelled iso-8859-1 often carries
    /// Outlook's curly quotes in 0x80-0x9F, which true Latin-1 would turn into control characters.
    /// </summary>
    private static readonly Encoding Latin1 = CodePagesEncodingProvider.Instance.GetEncoding(1252) ?? Encoding.Latin1;

    /// <summary>Undoes a Content-Transfer-Encoding; unknown encodings (7bit, 8bit, binary, junk) pass through.</summary>
    public static byte[] DecodeTransfer(ReadOnlySpan<byte> body, string? transferEncoding) =>
        transferEncoding?.Trim().Trim('"').ToLowerInvariant() switch
        {
            "quoted-printable" => DecodeQuotedPrintable(body, underscoreIsSpace: false),
            "base64" => DecodeBase64Lines(body),
            _ => body.ToArray(),
        };

    /// <summary>
    /// Decodes text in the given charset. An absent, unknown or <c>us-ascii</c> label (often wrong in practice) is
    /// sniffed instead: strict UTF-8 if the bytes are valid UTF-8, else Latin-1.
    /// </summary>
    public static string DecodeCharset(ReadOnlySpan<byte> bytes, string? charset) =>
        TryGetEncoding(charset) is { } encoding ? encoding.GetString(bytes) : DecodeUnlabelled(bytes);

    /// <summary>Strict UTF-8 when valid, else Latin-1 (windows-1252).</summary>
    public static string DecodeUnlabelled(ReadOnlySpan<byte> bytes) =>
        Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : Latin1.GetString(bytes);

    /// <summary>
    /// Decodes a header value: RFC 2047 encoded-words are decoded and folding whitespace is collapsed. Raw 8-bit bytes
    /// (kept 1:1 as Latin-1 chars by the parser; not allowed by RFC 5322 but common in spam) are decoded as UTF-8 when
    /// valid, else in <paramref name="fallbackCharset"/>, the charset the message declares for its text.
    /// </summary>
    public static string DecodeHeader(string? rawValue, string? fallbackCharset)
    {
        if (string.IsNullOrEmpty(rawValue))
        {
            return string.Empty;
        }

        byte[] bytes = Encoding.Latin1.GetBytes(rawValue);
        string value = Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : DecodeCharset(bytes, fallbackCharset);
        return Whitespace().Replace(DecodeEncodedWords(value), " ").Trim();
    }

    /// <summary>
    /// Decodes RFC 2047 encoded-words (<c>=?charset?B|Q?text?=</c>). Whitespace between adjacent encoded-words is
    /// dropped, and adjacent words in one charset are decoded together so a multi-byte character split across them survives.
    /// </summary>
    public static string DecodeEncodedWords(string value)
    {
        MatchCollection matches = EncodedWord().Matches(value);
        if (matches.Count == 0)
        {
            return value;
        }

        var result = new StringBuilder(value.Length);
        var pendingBytes = new List<byte>();
        string? pendingCharset = null;
        int position = 0;
        foreach (Match match in matches)
        {
            ReadOnlySpan<char> gap = value.AsSpan(position, match.Index - position);
            bool adjacent = pendingCharset is not null && gap.IsWhiteSpace();
            string charset = match.Groups["charset"].Value.Split('*')[0]; // RFC 2231 language suffix.
            if (!adjacent || !string.Equals(charset, pendingCharset, StringComparison.OrdinalIgnoreCase))
            {
                Flush();
                if (!adjacent)
                {
                    result.Append(gap);
                }
            }

            byte[] text = Encoding.Latin1.GetBytes(match.Groups["text"].Value);
            pendingBytes.AddRange(char.ToUpperInvariant(match.Groups["encoding"].Value[0]) == 'B'
                ? DecodeBase64Lines(text)
                : DecodeQuotedPrintable(text, underscoreIsSpace: true));
            pendingCharset = charset;
            position = match.Index + match.Length;
        }

        Flush();
        result.Append(value.AsSpan(position));
        return result.ToString();

        void Flush()
        {
            if (pendingCharset is not null)
            {
                result.Append(DecodeCharset(pendingBytes.ToArray(), pendingCharset));
                pendingBytes.Clear();
                pendingCharset = null;
            }
        }
    }

    /// <summary>
    /// Quoted-printable (RFC 2045 6.7) or, with <paramref name="underscoreIsSpace"/>, the RFC 2047 "Q" encoding.
    /// Invalid escapes are kept literally.
    /// </summary>
    public static byte[] DecodeQuotedPrintable(ReadOnlySpan<byte> input, bool underscoreIsSpace)
    {
        var output = new List<byte>(input.Length);
        for (int i = 0; i < input.Length; i++)
        {
            byte c = input[i];
            if (c == '_' && underscoreIsSpace)
            {
                output.Add((byte)' ');
            }
            else if (c != '=')
            {
                output.Add(c);
            }
            else if (i + 2 < input.Length && IsHex(input[i + 1]) && IsHex(input[i + 2]))
            {
                output.Add((byte)((HexValue(input[i + 1]) << 4) | HexValue(input[i + 2])));
                i += 2;
            }
            else if (SoftLineBreakLength(input[(i + 1)..]) is int length and >= 0)
            {
                i += length; // "=" + optional trailing blanks + line break (or end of data) joins two lines.
            }
            else
            {
                output.Add(c);
            }
        }

        return [.. output];
    }

    /// <summary>
    /// Base64 that tolerates real-world damage: whitespace and stray characters are ignored, a missing or short final
    /// quantum is padded, and decoding stops at the first non-base64 line after the data (e.g. a mailing-list footer
    /// appended to a base64 body) or after the padding.
    /// </summary>
    public static byte[] DecodeBase64Lines(ReadOnlySpan<byte> input)
    {
        var characters = new StringBuilder(input.Length);
        foreach (Range range in input.Split((byte)'\n'))
        {
            ReadOnlySpan<byte> line = input[range].Trim(" \t\r"u8);
            if (line.IsEmpty)
            {
                continue;
            }

            bool isBase64Line = !line.ContainsAnyExcept(Base64Alphabet);
            if (!isBase64Line)
            {
                if (characters.Length > 0)
                {
                    break;
                }

                continue; // Junk before the data.
            }

            foreach (byte c in line)
            {
                if (c != '=')
                {
                    characters.Append((char)c);
                }
            }

            if (line.Contains((byte)'='))
            {
                break; // Padding ends the data.
            }
        }

        if (characters.Length % 4 == 1)
        {
            characters.Length--; // A lone trailing sextet carries no whole byte.
        }

        characters.Append('=', (4 - (characters.Length % 4)) % 4);
        var bytes = new byte[characters.Length / 4 * 3];
        return Convert.TryFromBase64String(characters.ToString(), bytes, out int written) ? bytes[..written] : [];
    }

    private static Encoding? TryGetEncoding(string? charset)
    {
        string name = (charset ?? string.Empty).Trim().Trim('"', '\'').ToLowerInvariant();
        if (name is "" or "us-ascii" or "ascii" or "unknown-8bit" or "x-unknown" or "default")
        {
            return null;
        }

        if (name is "iso-8859-1" or "iso8859-1" or "latin1" or "latin-1" or "l1")
        {
            return Latin1;
        }

        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException)
        {
            // Code pages (windows-125x, koi8-r, gb2312, shift_jis, ...) ship in-box but are not registered by default.
            return CodePagesEncodingProvider.Instance.GetEncoding(name);
        }
    }

    /// <summary>Bytes to skip after an "=" that starts a soft line break, or -1 when it doesn't.</summary>
    private static int SoftLineBreakLength(ReadOnlySpan<byte> afterEquals)
    {
        int i = 0;
        while (i < afterEquals.Length && afterEquals[i] is (byte)' ' or (byte)'\t')
        {
            i++;
        }

        if (i < afterEquals.Length && afterEquals[i] == '\r')
        {
            i++;
        }

        if (i == afterEquals.Length)
        {
            return i;
        }

        return afterEquals[i] == '\n' ? i + 1 : -1;
    }

    private static bool IsHex(byte c) => char.IsAsciiHexDigit((char)c);

    private static int HexValue(byte c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static readonly SearchValues<byte> Base64Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="u8);

    [GeneratedRegex(@"=\?(?<charset>[^?\s]+)\?(?<encoding>[bBqQ])\?(?<text>[^?\s]*)\?=")]
    private static partial Regex EncodedWord();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
