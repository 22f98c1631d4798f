using System.Text;

namespace Groundwork.Documents.Extraction;

/// <summary>
/// Builds text from a stream of inline runs and requested separators: whitespace inside runs collapses to one space,
/// and of several separators requested between two runs only the strongest is written, never at the start or end.
/// </summary>
internal sealed class TextLayout
{
    private readonly StringBuilder _text = new();
    private Separator _pending = Separator.None;

    public enum Separator { None, Space, Tab, Line, Paragraph }

    public void Request(Separator separator)
    {
        if (separator > _pending)
        {
            _pending = separator;
        }
    }

    public void AppendInline(string text)
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

    /// <summary>Appends text keeping its spaces and line breaks (HTML pre, DOCX tabs and breaks).</summary>
    public void AppendVerbatim(string text)
    {
        foreach (var c in TextNormalisation.NormaliseLineEndings(text))
        {
            Write(c);
        }
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
        _text.Append(c);
    }

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
