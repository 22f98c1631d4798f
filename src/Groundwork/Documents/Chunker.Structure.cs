namespace Groundwork.Documents;

/// <summary>How the chunker reads structure: heading lines and paragraphs, sentences, words.</summary>
public sealed partial class Chunker
{
    // Only the white space the tokenizer also splits words at: cutting at others (a form feed, which BERT drops)
    // could join two words into one and break the sum of counts.
    private const string Separators = " \t\r\n";

    private readonly record struct Block(int Start, int End, bool IsHeading);

    /// <summary>Paragraphs and heading lines in order, without their surrounding white space.</summary>
    private static List<Block> Blocks(string text)
    {
        var blocks = new List<Block>();
        var paragraphStart = -1;
        var paragraphEnd = -1;
        var openFence = "";
        for (var lineStart = 0; lineStart < text.Length;)
        {
            var lineEnd = text.IndexOf('\n', lineStart);
            if (lineEnd < 0)
            {
                lineEnd = text.Length;
            }

            var line = text.AsSpan(lineStart, lineEnd - lineStart);
            var contentStart = lineStart + line.Length - line.TrimStart(Separators).Length;
            var contentEnd = lineStart + line.TrimEnd(Separators).Length;
            var blank = contentStart >= contentEnd;
            var heading = !blank && openFence.Length == 0 && IsHeading(line);
            if ((blank || heading) && paragraphStart >= 0)
            {
                blocks.Add(new Block(paragraphStart, paragraphEnd, IsHeading: false));
                paragraphStart = -1;
            }

            if (heading)
            {
                blocks.Add(new Block(contentStart, contentEnd, IsHeading: true));
            }
            else if (!blank)
            {
                openFence = FenceAfter(line, openFence);
                if (paragraphStart < 0)
                {
                    paragraphStart = contentStart;
                }

                paragraphEnd = contentEnd;
            }

            lineStart = lineEnd + 1;
        }

        if (paragraphStart >= 0)
        {
            blocks.Add(new Block(paragraphStart, paragraphEnd, IsHeading: false));
        }

        return blocks;
    }

    /// <summary>An ATX heading with text: up to three spaces, one to six #, a space or tab, then something.</summary>
    private static bool IsHeading(ReadOnlySpan<char> line)
    {
        var indent = line.Length - line.TrimStart(' ').Length;
        var rest = line[indent..];
        var hashes = rest.Length - rest.TrimStart('#').Length;
        return indent <= 3 && hashes is >= 1 and <= 6 && hashes < rest.Length && rest[hashes] is ' ' or '\t'
            && !rest[hashes..].Trim(Separators).IsEmpty;
    }

    /// <summary>
    /// The code fence open after <paramref name="line"/> (empty when none): headings are not read inside fenced code,
    /// where <c># </c> is usually a comment.
    /// </summary>
    private static string FenceAfter(ReadOnlySpan<char> line, string openFence)
    {
        var indent = line.Length - line.TrimStart(' ').Length;
        var rest = line[indent..];
        if (indent > 3 || rest.IsEmpty || rest[0] is not ('`' or '~'))
        {
            return openFence;
        }

        var length = rest.Length - rest.TrimStart(rest[0]).Length;
        if (length < 3)
        {
            return openFence;
        }

        if (openFence.Length == 0)
        {
            return new string(rest[0], length);
        }

        var closes = rest[0] == openFence[0] && length >= openFence.Length && rest[length..].Trim(Separators).IsEmpty;
        return closes ? "" : openFence;
    }

    /// <summary>
    /// The block's sentences, each counted: a sentence ends at . ! or ? (with any closing quotes or brackets) followed by
    /// white space, or at a line break.
    /// </summary>
    private List<Piece> Sentences(string text, Block block)
    {
        var sentences = new List<Piece>();
        for (var next = block.Start; next < block.End;)
        {
            var start = next;
            while (start < block.End && IsSeparator(text[start]))
            {
                start++;
            }

            if (start == block.End)
            {
                break;
            }

            var end = SentenceEnd(text, start, block.End);
            if (!text.AsSpan(start, end - start).IsWhiteSpace())
            {
                sentences.Add(new Piece(start, end, countTokens(text[start..end])));
            }

            next = end;
        }

        return sentences;
    }

    private static int SentenceEnd(string text, int start, int limit)
    {
        for (var i = start; i < limit; i++)
        {
            var c = text[i];
            if (c == '\n')
            {
                var end = i;
                while (IsSeparator(text[end - 1]))
                {
                    end--;
                }

                return end;
            }

            if (c is '.' or '!' or '?')
            {
                var end = i + 1;
                while (end < limit && text[end] is '.' or '!' or '?' or '"' or '\'' or ')' or ']' or '\u201D' or '\u2019' or '\u00BB')
                {
                    end++;
                }

                if (end == limit || IsSeparator(text[end]))
                {
                    return end;
                }

                i = end - 1;
            }
        }

        return limit;
    }

    /// <summary>The pieces of a paragraph too long for a chunk: its sentences, and the words of any sentence too long for one.</summary>
    private IEnumerable<Piece> Pieces(string text, List<Piece> sentences)
    {
        foreach (var sentence in sentences)
        {
            if (sentence.Tokens <= options.MaxTokens)
            {
                yield return sentence;
                continue;
            }

            for (var next = sentence.Start; next < sentence.End;)
            {
                var start = next;
                while (IsSeparator(text[start]))
                {
                    start++;
                }

                var end = start;
                while (end < sentence.End && !IsSeparator(text[end]))
                {
                    end++;
                }

                var tokens = countTokens(text[start..end]);
                if (tokens <= options.MaxTokens)
                {
                    yield return new Piece(start, end, tokens);
                }
                else
                {
                    foreach (var fragment in Fragments(text, start, end))
                    {
                        yield return fragment;
                    }
                }

                next = end;
            }
        }
    }

    /// <summary>
    /// Cuts a word longer than a chunk by characters. The parts of a word are not additive (the tokenizer reads a cut word
    /// differently), so each is counted and made a chunk of its own.
    /// </summary>
    private IEnumerable<Piece> Fragments(string text, int start, int end)
    {
        for (var cut = start; cut < end;)
        {
            // A word piece covers at least one character, so MaxTokens characters usually fit; where the normaliser expands
            // characters (Hangul syllables become two or three jamo) they may not, and the cut is halved until they do.
            var length = Math.Min(options.MaxTokens, end - cut);
            int tokens;
            while (true)
            {
                if (cut + length < end && char.IsHighSurrogate(text[cut + length - 1]))
                {
                    length += length > 1 ? -1 : 1;
                }

                tokens = countTokens(text.Substring(cut, length));
                if (tokens <= options.MaxTokens || length <= 2)
                {
                    break;
                }

                length /= 2;
            }

            yield return new Piece(cut, cut + length, tokens, Standalone: true);
            cut += length;
        }
    }

    private static bool IsSeparator(char c) => c is ' ' or '\t' or '\r' or '\n';
}
