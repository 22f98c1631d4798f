using System.Text;

namespace Groundwork.Documents.Extraction;

/// <summary>
/// Builds text from a stream of inline runs and requested separators: whitespace inside runs collapses to one space,
/// and of several separators requested between two runs only the strongest is written, never at the start or end.
/// Headings come out as Markdown ATX heading lines (<c>## Title</c>) and preformatted text as fenced code, the structure
/// the chunker reads whatever the source format. Writing past <c>maxCharacters</c> throws at once, so a hostile file
/// cannot grow the text beyond the limit before it is checked.
/// </summary>
internal sealed class TextLayout(int maxCharacters)
{
    private readonly StringBuilder _text = new();
    private Separator _pending = Separator.None;
    private int _headingDepth;
    private bool _afterCarriageReturn;
    private string? _headingMarker;

    public enum Separator { None, Space, Tab, Line, Paragraph }

    public void Request(Separator separator)
    {
        // A heading is one line: breaks and blocks inside it become spaces.
        if (_headingDepth > 0 && separator > Separator.Space)
        {
            separator = Separator.Space;
        }

        if (separator > _pending)
        {
            _pending = separator;
        }
    }

    public void AppendInline(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) && c != '\u00A0')
            {
                Request(Separator.Space);
            }
            else
            {
                Write(c == '\u00A0' ? ' ' : c);
            }
        }
    }

    /// <summary>Appends text keeping its spaces and line breaks (HTML pre, DOCX tabs and breaks), except inside a heading.</summary>
    public void AppendVerbatim(ReadOnlySpan<char> text)
    {
        if (_headingDepth > 0)
        {
            AppendInline(text);
            return;
        }

        // Text may come in pieces, so a \r\n split between two of them is remembered.
        foreach (var c in text)
        {
            if (c == '\n' && _afterCarriageReturn)
            {
                _afterCarriageReturn = false;
                continue;
            }

            _afterCarriageReturn = c == '\r';
            Write(c == '\r' ? '\n' : c);
        }
    }

    /// <summary>Starts a heading of <paramref name="level"/> (1 for the top); its text is marked when it comes, so an empty heading leaves nothing.</summary>
    public void BeginHeading(int level)
    {
        if (_headingDepth == 0)
        {
            Request(Separator.Paragraph);
            _headingMarker = new string('#', Math.Clamp(level, 1, 6)) + " ";
        }

        _headingDepth++;
    }

    public void EndHeading()
    {
        if (--_headingDepth == 0)
        {
            _headingMarker = null;
            Request(Separator.Paragraph);
        }
    }

    /// <summary>Appends preformatted text as a fenced code block, so that a <c># comment</c> line in it is not read as a heading.</summary>
    public void AppendCodeBlock(string code)
    {
        code = TextNormalisation.NormaliseLineEndings(code).Trim('\n');
        if (string.IsNullOrWhiteSpace(code))
        {
            return;
        }

        var fence = new string('`', Math.Max(3, LongestRun(code, '`') + 1));
        Request(Separator.Paragraph);
        AppendVerbatim($"{fence}\n{code}\n{fence}");
        Request(Separator.Paragraph);
    }

    private static int LongestRun(string text, char c)
    {
        int longest = 0, run = 0;
        foreach (var next in text)
        {
            run = next == c ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return longest;
    }

    private void Write(char c)
    {
        if (_text.Length > 0)
        {
            _text.Append(_pending switch
            {
                Separator.Space => " ",
                Separator.Tab => "\t",
                Separator.Line => "\n",
                Separator.Paragraph => "\n\n",
                _ => "",
            });
        }
        _pending = Separator.None;
        _afterCarriageReturn &= c == '\n';
        if (_headingMarker is not null)
        {
            _text.Append(_headingMarker);
            _headingMarker = null;
        }

        _text.Append(c);
        if (_text.Length > maxCharacters)
        {
            throw DocumentLimitException.Characters(maxCharacters);
        }
    }

    /// <summary>Characters written so far, before tidying; with <see cref="Since"/>, what a stretch of input became.</summary>
    public int Length => _text.Length;

    public string Since(int start) => _text.ToString(start, _text.Length - start);

    public override string ToString() => TextNormalisation.Tidy(_text.ToString());
}

internal static class TextNormalisation
{
    public static string NormaliseLineEndings(string text) =>
        text.Contains('\r') ? text.Replace("\r\n", "\n").Replace('\r', '\n') : text;

    /// <summary>Trims trailing spaces on each line, keeps at most one blank line in a row, and drops blank lines at both ends.</summary>
    public static string Tidy(string text)
    {
        var lines = NormaliseLineEndings(text).Split('\n');
        var result = new StringBuilder(text.Length);
        var blankRun = 0;
        foreach (var raw in lines)
        {
            var line = raw.TrimEnd();
            if (line.Length == 0)
            {
                blankRun++;
                continue;
            }
            if (result.Length > 0)
            {
                result.Append(blankRun > 0 ? "\n\n" : "\n");
            }
            blankRun = 0;
            result.Append(line);
        }
        return result.ToString();
    }
}
