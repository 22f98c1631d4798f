using System.Globalization;
using System.Text;

namespace Groundwork.Retrieval;

/// <summary>
/// Splits text into the terms of the keyword index the way SQLite FTS5's <c>porter unicode61 remove_diacritics 2</c>
/// tokenizer does, so that the in-memory index (<see cref="KeywordIndex"/>) and the FTS5 tables
/// (<see cref="KeywordTables"/>, still the fallback while an index is built) hold the same terms: runs of letters,
/// digits and private-use characters, lower-cased, diacritics removed, then stemmed by FTS5's Porter stemmer (the
/// classic algorithm with the reference implementation's "bli"/"logi" rules, applied to the UTF-8 bytes of tokens of
/// 3 to 64 bytes). Lucene.Net's Porter stemmer is internal, and its Snowball "porter" follows the paper rather than
/// FTS5, hence this port. Case folding is .NET's invariant lower case; diacritics are removed from Latin letters
/// (U+00C0 to U+017F) and combining marks dropped, where FTS5 uses its own tables, which also fold accented Greek
/// and later Latin blocks: there the two can differ (a word written both ways is then two terms).
/// </summary>
public static class KeywordTokenizer
{
    private const int MaxStemmedBytes = 64;

    /// <summary>Calls <paramref name="onTerm"/> with each term of <paramref name="text"/>, in order; the span is only valid during the call.</summary>
    public static void Tokenize<TState>(ReadOnlySpan<char> text, ref TState state, TermHandler<TState> onTerm)
    {
        Span<char> buffer = stackalloc char[256];
        var i = 0;
        while (NextToken(text, ref i, out var start, out var ascii))
        {
            var token = text[start..i];
            if (ascii)
            {
                var lowered = token.Length <= buffer.Length ? buffer[..token.Length] : new char[token.Length];
                for (var j = 0; j < token.Length; j++)
                {
                    var c = token[j];
                    lowered[j] = c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
                }

                onTerm(ref state, StemAscii(lowered));
            }
            else
            {
                var folded = Fold(token);
                if (folded.Length > 0)
                {
                    onTerm(ref state, StemUtf8(folded));
                }
            }
        }
    }

    /// <summary>The terms of <paramref name="text"/>, in order (with repeats).</summary>
    public static List<string> Terms(string text)
    {
        var terms = new List<string>();
        Tokenize(text, ref terms, static (ref List<string> list, ReadOnlySpan<char> term) => list.Add(term.ToString()));
        return terms;
    }

    /// <summary>The first term of <paramref name="word"/>, or null when it has none.</summary>
    public static string? TermOf(string word)
    {
        string? first = null;
        Tokenize(word, ref first, static (ref string? found, ReadOnlySpan<char> term) => found ??= term.ToString());
        return first;
    }

    public delegate void TermHandler<TState>(ref TState state, ReadOnlySpan<char> term);

    /// <summary>
    /// The words of <paramref name="text"/> as the tokenizer splits it, before folding and stemming (for the stop-word
    /// check of a query: a query must be split exactly as the chunks were, combining marks and all).
    /// </summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var i = 0;
        while (NextToken(text, ref i, out var start, out _))
        {
            words.Add(text[start..i]);
        }

        return words;
    }

    /// <summary>Finds the token at or after <paramref name="i"/>: its start, and <paramref name="i"/> just past its end.</summary>
    private static bool NextToken(ReadOnlySpan<char> text, ref int i, out int start, out bool ascii)
    {
        // Skip separators.
        while (i < text.Length && !IsTokenStart(text, i))
        {
            i++;
        }

        start = i;
        ascii = true;
        if (i >= text.Length)
        {
            return false;
        }

        while (i < text.Length)
        {
            var c = text[i];
            if (c < 0x80)
            {
                if (!IsAsciiTokenChar(c))
                {
                    break;
                }

                i++;
            }
            else
            {
                var rune = Rune.DecodeFromUtf16(text[i..], out var rune1, out var used) == System.Buffers.OperationStatus.Done ? rune1 : Rune.ReplacementChar;
                var category = Rune.GetUnicodeCategory(rune);
                if (!IsTokenCategory(category) && category != UnicodeCategory.NonSpacingMark)
                {
                    break;
                }

                ascii = false;
                i += used;
            }
        }

        return true;
    }

    private static bool IsAsciiTokenChar(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9';

    private static bool IsTokenStart(ReadOnlySpan<char> text, int i)
    {
        var c = text[i];
        if (c < 0x80)
        {
            return IsAsciiTokenChar(c);
        }

        return Rune.DecodeFromUtf16(text[i..], out var rune, out _) == System.Buffers.OperationStatus.Done
               && IsTokenCategory(Rune.GetUnicodeCategory(rune));
    }

    private static bool IsTokenCategory(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
            or UnicodeCategory.PrivateUse => true,
        _ => false,
    };

    // The letter without its diacritics ('*': none to remove, the lower case is kept), from the canonical decompositions
    // whose base is one ASCII letter (the table Embeddings/StrippedDecompositions.txt holds): Latin-1 Supplement and
    // Latin Extended-A, Latin Extended-B (Vietnamese ơ, ư), Latin Extended Additional (Vietnamese ế, ệ, ứ, ụ, ...).
    private const string LatinBase = "aaaaaa*ceeeeiiii*nooooo**uuuuy**aaaaaa*ceeeeiiii*nooooo**uuuuy*yaaaaaaccccccccdd**eeeeeeeeeegggggggghh**iiiiiiiii***jjkk*llllll****nnnnnn***oooooo**rrrrrrsssssssstttt**uuuuuuuuuuuuwwyyyzzzzzz*";
    private const string LatinExtendedBBase = "********************************oo*************uu****************************aaiioouuuuuuuuuu*aaaa****ggkkoooo**j***gg**nnaa****aaaaeeeeiiiioooorrrruuuusstt**hh******aaeeooooooooyy****************************";
    private const string LatinExtendedAdditionalBase = "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzhtwy******aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy******";

    /// <summary>
    /// Lower case, with the diacritics of Latin letters removed and combining marks dropped, as FTS5's
    /// remove_diacritics 2 does. A table rather than Unicode decomposition: the service runs with invariant globalization.
    /// </summary>
    private static string Fold(ReadOnlySpan<char> token)
    {
        var folded = new StringBuilder(token.Length);
        foreach (var c in token)
        {
            var letter = c switch
            {
                >= '\u00C0' and <= '\u017F' => LatinBase[c - 0xC0],
                >= '\u0180' and <= '\u024F' => LatinExtendedBBase[c - 0x180],
                >= '\u1E00' and <= '\u1EFF' => LatinExtendedAdditionalBase[c - 0x1E00],
                _ => '*',
            };
            if (letter != '*')
            {
                folded.Append(letter);
            }
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                folded.Append(char.ToLowerInvariant(c));
            }
        }

        return folded.ToString();
    }

    private static ReadOnlySpan<char> StemAscii(Span<char> token)
    {
        if (token.Length is < 3 or > MaxStemmedBytes)
        {
            return token;
        }

        Span<byte> bytes = stackalloc byte[MaxStemmedBytes + 8];
        for (var i = 0; i < token.Length; i++)
        {
            bytes[i] = (byte)token[i];
        }

        var length = PorterStemmer.Stem(bytes, token.Length);
        for (var i = 0; i < length; i++)
        {
            token[i] = (char)bytes[i];
        }

        return token[..length];
    }

    private static string StemUtf8(string token)
    {
        var count = Encoding.UTF8.GetByteCount(token);
        if (count is < 3 or > MaxStemmedBytes)
        {
            return token;
        }

        Span<byte> bytes = stackalloc byte[MaxStemmedBytes + 8];
        Encoding.UTF8.GetBytes(token, bytes);
        var length = PorterStemmer.Stem(bytes, count);
        return Encoding.UTF8.GetString(bytes[..length]);
    }
}

/// <summary>FTS5's Porter stemmer (sqlite/ext/fts5/fts5_tokenize.c), rule for rule, over a lower-case UTF-8 token in place.</summary>
internal static class PorterStemmer
{
    /// <summary>Stems the first <paramref name="length"/> bytes of <paramref name="b"/> (which has room for 1 more); the new length.</summary>
    public static int Stem(Span<byte> b, int length)
    {
        var n = length;
        Step1A(b, ref n);
        // FTS5 reads one byte before the token for a one-byte stem ("aed"); nothing there matches, so it is skipped here.
        if (Step1B(b, ref n) && n >= 2)
        {
            if (!Step1B2(b, ref n))
            {
                var c = b[n - 1];
                if (!IsVowel(c, false) && c != 'l' && c != 's' && c != 'z' && c == b[n - 2])
                {
                    n--;
                }
                else if (MEq1(b, n) && OStar(b, n))
                {
                    b[n++] = (byte)'e';
                }
            }
        }

        if (b[n - 1] == 'y' && HasVowel(b, n - 1))
        {
            b[n - 1] = (byte)'i';
        }

        Step2(b, ref n);
        Step3(b, ref n);
        Step4(b, ref n);

        if (b[n - 1] == 'e' && (MGt1(b, n - 1) || (MEq1(b, n - 1) && !OStar(b, n - 1))))
        {
            n--;
        }

        if (n > 1 && b[n - 1] == 'l' && b[n - 2] == 'l' && MGt1(b, n - 1))
        {
            n--;
        }

        return n;
    }

    private static bool IsVowel(byte c, bool yIsVowel) => c is (byte)'a' or (byte)'e' or (byte)'i' or (byte)'o' or (byte)'u' || (yIsVowel && c == 'y');

    /// <summary>Past the first vowel-consonant sequence of the stem: the index after it, or 0 when there is none.</summary>
    private static int GobbleVowelConsonant(ReadOnlySpan<byte> stem, bool previousConsonant)
    {
        var consonant = previousConsonant;
        int i;
        for (i = 0; i < stem.Length; i++)
        {
            consonant = !IsVowel(stem[i], consonant);
            if (!consonant)
            {
                break;
            }
        }

        for (i++; i < stem.Length; i++)
        {
            consonant = !IsVowel(stem[i], consonant);
            if (consonant)
            {
                return i + 1;
            }
        }

        return 0;
    }

    private static bool MGt0(ReadOnlySpan<byte> b, int stem) => GobbleVowelConsonant(b[..stem], false) != 0;

    private static bool MGt1(ReadOnlySpan<byte> b, int stem)
    {
        var n = GobbleVowelConsonant(b[..stem], false);
        return n != 0 && GobbleVowelConsonant(b[n..stem], true) != 0;
    }

    private static bool MEq1(ReadOnlySpan<byte> b, int stem)
    {
        var n = GobbleVowelConsonant(b[..stem], false);
        return n != 0 && GobbleVowelConsonant(b[n..stem], true) == 0;
    }

    private static bool OStar(ReadOnlySpan<byte> b, int stem)
    {
        var last = b[stem - 1];
        if (last is (byte)'w' or (byte)'x' or (byte)'y')
        {
            return false;
        }

        var mask = 0;
        var consonant = false;
        for (var i = 0; i < stem; i++)
        {
            consonant = !IsVowel(b[i], consonant);
            mask = (mask << 1) + (consonant ? 1 : 0);
        }

        return (mask & 7) == 5;
    }

    private static bool MGt1AndSOrT(ReadOnlySpan<byte> b, int stem) => (b[stem - 1] == 's' || b[stem - 1] == 't') && MGt1(b, stem);

    private static bool HasVowel(ReadOnlySpan<byte> b, int stem)
    {
        for (var i = 0; i < stem; i++)
        {
            if (IsVowel(b[i], i > 0))
            {
                return true;
            }
        }

        return false;
    }

    private static void Step1A(Span<byte> b, ref int n)
    {
        if (b[n - 1] != 's')
        {
            return;
        }

        if (b[n - 2] == 'e')
        {
            n -= (n > 4 && b[n - 4] == 's' && b[n - 3] == 's') || (n > 3 && b[n - 3] == 'i') ? 2 : 1;
        }
        else if (b[n - 2] != 's')
        {
            n--;
        }
    }

    private delegate bool Condition(ReadOnlySpan<byte> b, int stem);

    /// <summary>When the token ends in <paramref name="suffix"/> (with a non-empty stem): true, and, if the condition holds for the stem, the suffix replaced.</summary>
    private static bool Rule(Span<byte> b, ref int n, string suffix, Condition? condition, string replacement, out bool applied)
    {
        applied = false;
        if (n <= suffix.Length || !EndsWith(b, n, suffix))
        {
            return false;
        }

        var stem = n - suffix.Length;
        if (condition is null || condition(b, stem))
        {
            for (var i = 0; i < replacement.Length; i++)
            {
                b[stem + i] = (byte)replacement[i];
            }

            n = stem + replacement.Length;
            applied = true;
        }

        return true;
    }

    private static bool EndsWith(ReadOnlySpan<byte> b, int n, string suffix)
    {
        for (var i = 0; i < suffix.Length; i++)
        {
            if (b[n - suffix.Length + i] != suffix[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The first rule whose suffix the token ends in decides; later rules are not tried.</summary>
    private static bool FirstRule(Span<byte> b, ref int n, (string Suffix, Condition? Condition, string Replacement)[] rules)
    {
        foreach (var (suffix, condition, replacement) in rules)
        {
            if (Rule(b, ref n, suffix, condition, replacement, out var applied))
            {
                return applied;
            }
        }

        return false;
    }

    private static bool Step1B(Span<byte> b, ref int n)
    {
        switch ((char)b[n - 2])
        {
            case 'e':
                if (Rule(b, ref n, "eed", MGt0, "ee", out _))
                {
                    return false;
                }

                return Rule(b, ref n, "ed", HasVowel, "", out var removedEd) && removedEd;
            case 'n':
                return Rule(b, ref n, "ing", HasVowel, "", out var removedIng) && removedIng;
            default:
                return false;
        }
    }

    private static readonly (string, Condition?, string)[] Step1B2Rules = [("at", null, "ate"), ("bl", null, "ble"), ("iz", null, "ize")];

    private static bool Step1B2(Span<byte> b, ref int n) => FirstRule(b, ref n, Step1B2Rules);

    private static readonly (string, Condition?, string)[]?[] Step2Rules = ByLetter(new()
    {
        ['a'] = [("ational", MGt0, "ate"), ("tional", MGt0, "tion")],
        ['c'] = [("enci", MGt0, "ence"), ("anci", MGt0, "ance")],
        ['e'] = [("izer", MGt0, "ize")],
        ['g'] = [("logi", MGt0, "log")],
        ['l'] = [("bli", MGt0, "ble"), ("alli", MGt0, "al"), ("entli", MGt0, "ent"), ("eli", MGt0, "e"), ("ousli", MGt0, "ous")],
        ['o'] = [("ization", MGt0, "ize"), ("ation", MGt0, "ate"), ("ator", MGt0, "ate")],
        ['s'] = [("alism", MGt0, "al"), ("iveness", MGt0, "ive"), ("fulness", MGt0, "ful"), ("ousness", MGt0, "ous")],
        ['t'] = [("aliti", MGt0, "al"), ("iviti", MGt0, "ive"), ("biliti", MGt0, "ble")],
    });

    private static readonly (string, Condition?, string)[]?[] Step3Rules = ByLetter(new()
    {
        ['a'] = [("ical", MGt0, "ic")],
        ['s'] = [("ness", MGt0, "")],
        ['t'] = [("icate", MGt0, "ic"), ("iciti", MGt0, "ic")],
        ['u'] = [("ful", MGt0, "")],
        ['v'] = [("ative", MGt0, "")],
        ['z'] = [("alize", MGt0, "al")],
    });

    private static readonly (string, Condition?, string)[]?[] Step4Rules = ByLetter(new()
    {
        ['a'] = [("al", MGt1, "")],
        ['c'] = [("ance", MGt1, ""), ("ence", MGt1, "")],
        ['e'] = [("er", MGt1, "")],
        ['i'] = [("ic", MGt1, "")],
        ['l'] = [("able", MGt1, ""), ("ible", MGt1, "")],
        ['n'] = [("ant", MGt1, ""), ("ement", MGt1, ""), ("ment", MGt1, ""), ("ent", MGt1, "")],
        ['o'] = [("ion", MGt1AndSOrT, ""), ("ou", MGt1, "")],
        ['s'] = [("ism", MGt1, "")],
        ['t'] = [("ate", MGt1, ""), ("iti", MGt1, "")],
        ['u'] = [("ous", MGt1, "")],
        ['v'] = [("ive", MGt1, "")],
        ['z'] = [("ize", MGt1, "")],
    });

    private static void Step2(Span<byte> b, ref int n) => ByPenultimate(b, ref n, Step2Rules);

    private static void Step3(Span<byte> b, ref int n) => ByPenultimate(b, ref n, Step3Rules);

    private static void Step4(Span<byte> b, ref int n) => ByPenultimate(b, ref n, Step4Rules);

    private static void ByPenultimate(Span<byte> b, ref int n, (string, Condition?, string)[]?[] rules)
    {
        var letter = n >= 2 ? b[n - 2] - 'a' : -1;
        if (letter is >= 0 and < 26 && rules[letter] is { } candidates)
        {
            FirstRule(b, ref n, candidates);
        }
    }

    /// <summary>The rules by the letter before the last one of the suffixes they match, a to z.</summary>
    private static (string, Condition?, string)[]?[] ByLetter(Dictionary<char, (string, Condition?, string)[]> rules)
    {
        var byLetter = new (string, Condition?, string)[]?[26];
        foreach (var (letter, candidates) in rules)
        {
            byLetter[letter - 'a'] = candidates;
        }

        return byLetter;
    }
}
