using System.Net;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Recurrent.Samples;

/// <summary>Turns an HTML body into readable plain text (a regex pass, enough for mail; not a full HTML parser).</summary>
internal static partial class HtmlText
{
    /// <summary>Drops scripts, styles, comments and tags, breaks lines at block elements, and decodes entities.</summary>
    public static string ToPlainText(string html)
    {
        string text = ScriptOrStyle().Replace(html, " ");
        text = Comment().Replace(text, " ");
        text = BlockBoundary().Replace(text, "\n");
        text = Tag().Replace(text, " ");
        text = WebUtility.HtmlDecode(text);
        text = HorizontalSpace().Replace(text, " ");
        text = SpaceAroundNewline().Replace(text, "\n");
        return BlankLines().Replace(text, "\n\n").Trim();
    }

    [GeneratedRegex(@"<(script|style)\b[^>]*>.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"<\s*/?\s*(br|p|div|tr|li|h[1-6]|table|title|blockquote)\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockBoundary();

    // Only tag-like "<" sequences, so a literal "a < b" in text survives.
    [GeneratedRegex(@"<[a-zA-Z/!?][^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"[ \t\r\f\v\u00A0]+")]
    private static partial Regex HorizontalSpace();

    [GeneratedRegex(@" ?\n ?")]
    private static partial Regex SpaceAroundNewline();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankLines();
}
