using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Groundwork.Infrastructure;

/// <summary>
/// The words of a text that carry its meaning: letters and digits, lower-cased, without English function words.
/// Keyword search, relevance and the local answerer all weigh a question by these, so they agree on what a word is.
/// </summary>
public static partial class ContentWords
{
    /// <summary>Distinct content words of <paramref name="text"/> in order of appearance; all its words when it has only function words.</summary>
    public static List<string> Of(string text)
    {
        var all = Words(text).Distinct(StringComparer.Ordinal).ToList();
        var content = all.Where(word => !IsStopWord(word)).ToList();
        return content.Count > 0 ? content : all;
    }

    private static IEnumerable<string> Words(string text) =>
        WordPattern().Matches(text).Select(match => match.Value.ToLowerInvariant());

    public static int Count(string text) => WordPattern().Count(text);

    public static bool IsStopWord(string word) => StopWords.Contains(word);

    /// <summary>The share of <paramref name="words"/> (weighted by <paramref name="weights"/> when given) that occur in <paramref name="text"/>.</summary>
    /// <remarks>Runs on every search result, so it walks the text's words as spans instead of allocating them.</remarks>
    public static double ShareFoundIn(IReadOnlyList<string> words, string text, IReadOnlyList<double>? weights = null)
    {
        if (words.Count == 0)
        {
            return 0;
        }

        Span<bool> found = words.Count <= 64 ? stackalloc bool[words.Count] : new bool[words.Count];
        var left = words.Count;
        foreach (var match in WordPattern().EnumerateMatches(text))
        {
            var word = text.AsSpan(match.Index, match.Length);
            for (var i = 0; i < words.Count && left > 0; i++)
            {
                if (!found[i] && SameStem(words[i], word))
                {
                    found[i] = true;
                    left--;
                }
            }

            if (left == 0)
            {
                break;
            }
        }

        double share = 0, total = 0;
        for (var i = 0; i < words.Count; i++)
        {
            var weight = weights?[i] ?? 1;
            total += weight;
            share += found[i] ? weight : 0;
        }

        return total > 0 ? share / total : 0;
    }

    /// <summary>
    /// Whether a word of a text is taken as the same as a lower-cased query word: equal in any case, or sharing its
    /// first five letters when both have as many ("installation", "installing"). A cheap stand-in for the Porter
    /// stemmer of the keyword index.
    /// </summary>
    private static bool SameStem(string lowerCased, ReadOnlySpan<char> word) =>
        word.Equals(lowerCased, StringComparison.OrdinalIgnoreCase)
        || (lowerCased.Length >= 5 && word.Length >= 5 && word[..5].Equals(lowerCased.AsSpan(0, 5), StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();

    private static readonly FrozenSet<string> StopWords = FrozenSet.ToFrozenSet(
        """
        a about above after again against all am an and any are as at be because been before being below between both but
        by can could did do does doing down during each few for from further had has have having he her here hers herself
        him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only
        or other our ours ourselves out over own same she should so some such than that the their theirs them themselves
        then there these they this those through to too under until up very was we were what when where which while who
        whom why will with would you your yours yourself yourselves tell please us
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries), StringComparer.OrdinalIgnoreCase);
}
