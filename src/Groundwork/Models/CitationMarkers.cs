namespace Groundwork.Models;

/// <summary>
/// A citation marker in an answer: passage <see cref="Number"/> is cited by the text from <see cref="Start"/> up to
/// <see cref="End"/> (exclusive), e.g. <c>[2]</c>; every number of a group like <c>[1, 2]</c> gets the whole group's span.
/// </summary>
public readonly record struct CitationMarker(int Number, int Start, int End);

/// <summary>
/// Finds the citation markers a model writes: <c>[n]</c>, runs like <c>[1][2]</c>, and groups like <c>[1, 2]</c> or
/// <c>[1,2]</c>. Anything else in square brackets (<c>[a]</c>, <c>[1-3]</c>, <c>[]</c>) is text, not a citation.
/// </summary>
public static class CitationMarkers
{
    /// <summary>More digits than this is a year or a count in brackets, not a passage number.</summary>
    public const int MaxDigits = 3;

    /// <summary>The markers of <paramref name="text"/> in the order they appear; one pass over the text.</summary>
    public static IReadOnlyList<CitationMarker> Find(string text)
    {
        var open = text.IndexOf('[');
        if (open < 0)
        {
            return [];
        }

        var markers = new List<CitationMarker>();
        while (open >= 0)
        {
            var close = GroupEnd(text, open);
            if (close < 0)
            {
                open = text.IndexOf('[', open + 1);
                continue;
            }

            var number = 0;
            for (var i = open + 1; i < close; i++)
            {
                var c = text[i];
                if (char.IsAsciiDigit(c))
                {
                    number = number * 10 + (c - '0');
                }
                else if (c == ',')
                {
                    markers.Add(new CitationMarker(number, open, close + 1));
                    number = 0;
                }
            }

            markers.Add(new CitationMarker(number, open, close + 1));
            open = text.IndexOf('[', close + 1);
        }

        return markers;
    }

    /// <summary>
    /// The index of the <c>]</c> closing the group opened at <paramref name="open"/>, or -1 when the brackets do not hold
    /// a citation: numbers of 1 to <see cref="MaxDigits"/> digits separated by commas, spaces allowed around them.
    /// </summary>
    private static int GroupEnd(string text, int open)
    {
        var i = open + 1;
        while (true)
        {
            i = SkipSpaces(text, i);
            var digits = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                digits++;
            }

            if (digits is 0 or > MaxDigits)
            {
                return -1;
            }

            i = SkipSpaces(text, i);
            if (i >= text.Length)
            {
                return -1;
            }

            if (text[i] == ']')
            {
                return i;
            }

            if (text[i] != ',')
            {
                return -1;
            }

            i++;
        }
    }

    private static int SkipSpaces(string text, int i)
    {
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }

        return i;
    }
}
