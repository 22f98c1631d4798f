using System.Text;
using System.Text.RegularExpressions;

namespace Groundwork.Models;

/// <summary>
/// The sentences of a passage as clean prose, fit to be quoted: no heading lines, list numbers or bullets, table rows,
/// Markdown emphasis, code ticks or links, hard line breaks joined, runs of spaces collapsed, and no reference markers
/// of the text's own (an encyclopedia's "[12]" would read as a citation of passage 12). Fragments too short to say
/// anything ("Overview") are left out.
/// </summary>
internal static partial class ProseSentences
{
    private const int MinWords = 4;
    private const int MaxLength = 600;

    /// <summary>At least this share of a sentence's words must be plain words, so that command synopses are not quoted.</summary>
    private const double MinPlainWordShare = 0.5;

    /// <summary>A first line of a paragraph this short, starting with a capital and without end punctuation, is a heading.</summary>
    private const int MaxHeadingWords = 5;

    public static IEnumerable<string> Of(string text)
    {
        foreach (var block in Blocks(text))
        {
            foreach (var sentence in SentenceEnd().Split(block))
            {
                var clean = WithoutReferenceMarkers(sentence.Trim());
                if (ContentWordsCount(clean) >= MinWords && IsProse(clean))
                {
                    yield return clean.Length <= MaxLength ? clean : Shorten(clean);
                }
            }
        }
    }

    /// <summary>Paragraphs and list items, each one line of plain text.</summary>
    private static IEnumerable<string> Blocks(string text)
    {
        var block = new StringBuilder();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            var item = ListMarker().Match(line);
            var endsBlock = line.Length == 0 || HeadingLine().IsMatch(line) || TableRow().IsMatch(line) || item.Success;
            if (endsBlock && block.Length > 0)
            {
                yield return Inline(block.ToString());
                block.Clear();
            }

            if (line.Length == 0 || HeadingLine().IsMatch(line) || TableRow().IsMatch(line))
            {
                continue;
            }

            // Plain-text headings (man pages' "DESCRIPTION", "Overwrite control") sit on a line of their own above their text.
            if (block.Length == 0 && !item.Success && LooksLikeHeading(line))
            {
                continue;
            }

            block.Append(block.Length > 0 ? " " : "").Append(item.Success ? line[item.Length..] : line);
        }

        if (block.Length > 0)
        {
            yield return Inline(block.ToString());
        }
    }

    private static bool LooksLikeHeading(string line) =>
        char.IsUpper(line[0]) && !".!?:;,)".Contains(line[^1], StringComparison.Ordinal)
        && line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= MaxHeadingWords;

    private static bool IsProse(string sentence)
    {
        var tokens = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return tokens.Count(token => PlainWord().IsMatch(token)) >= tokens.Length * MinPlainWordShare;
    }

    private static string Inline(string text)
    {
        text = MarkdownLink().Replace(text, "$1");
        text = Emphasis().Replace(text, "$2");
        text = text.Replace("`", "", StringComparison.Ordinal);
        return Spaces().Replace(text, " ").Trim();
    }

    private static string WithoutReferenceMarkers(string sentence)
    {
        var markers = CitationMarkers.Find(sentence);
        if (markers.Count == 0)
        {
            return sentence;
        }

        var text = new StringBuilder(sentence.Length);
        var copiedTo = 0;
        foreach (var marker in markers)
        {
            // The numbers of a group such as [1, 2] share its span: it is removed once.
            if (marker.Start < copiedTo)
            {
                continue;
            }

            text.Append(sentence, copiedTo, marker.Start - copiedTo);
            while (text.Length > 0 && text[^1] == ' ')
            {
                text.Length--;
            }

            copiedTo = marker.End;
        }

        return text.Append(sentence, copiedTo, sentence.Length - copiedTo).ToString().Trim();
    }

    private static string Shorten(string sentence)
    {
        var cut = sentence.LastIndexOf(' ', MaxLength);
        return string.Concat(sentence.AsSpan(0, cut > 0 ? cut : MaxLength), " …");
    }

    private static int ContentWordsCount(string sentence) => WordPattern().Count(sentence);

    [GeneratedRegex(@"^#{1,6}\s")]
    private static partial Regex HeadingLine();

    [GeneratedRegex(@"^\|")]
    private static partial Regex TableRow();

    [GeneratedRegex(@"^(?:[-*+•▪◦]|\d{1,3}[.)]|[a-z][.)])\s+")]
    private static partial Regex ListMarker();

    [GeneratedRegex(@"\[([^\]\n]+)\]\([^)\s]+\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"(?<![\w*])(\*\*|__|\*|_)(?=[\p{L}\p{N}])(.+?)(?<=[\p{L}\p{N}.!?])\1(?![\w*])")]
    private static partial Regex Emphasis();

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"(?<=[.!?][""')\]]?)\s+(?=[\p{Lu}\p{N}""'(\[])")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"^[(""']?\p{L}[\p{Ll}'’-]*[,.;:!?)""']*$")]
    private static partial Regex PlainWord();
}
