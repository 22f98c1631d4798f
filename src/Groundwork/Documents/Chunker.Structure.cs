namespace Groundwork.Documents;

/// <summary>How the chunker reads structure: heading lines and paragraphs, sentences, words.</summary>
public sealed partial class Chunker
{
    // Only the white space the tokenizer also splits words at: cutting at others (a form feed, which BERT drops)
    // could join two words into one and break the sum of counts.
    private const string Separators = " \t\r\n";

    /// <summary>Longest heading kept in a heading path (or taken for a title); the rest is cut with an ellipsis.</summary>
    private const int MaxHeadingLength = 200;

    private readonly record struct Block(int Start, int End, bool IsHeading);

    /// <summary>The text of the first heading line (outside fenced code), if there is one.</summary>
    public static string? FirstHeading(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var block in Blocks(text))
        {
            if (block.IsHeading)
            {
                return ReadHeading(text, block).Text;
            }
        }

        return null;
    }

    /// <summary>A heading line's level (its number of #) and its text without the markers or a closing sequence of #.</summary>
    private static (int Level, string Text) ReadHeading(string text, Block heading)
    {
        var line = text.AsSpan(heading.Start, heading.End - heading.Start);
        var level = line.Length - line.TrimStart('#').Length;
        var title = line[level..].Trim(Separators);
        var unclosed = title.TrimEnd('#');
        if (unclosed.Length < title.Length && unclosed.TrimEnd(Separators).Length > 0 && unclosed[^1] is ' ' or '\t')
        {
            title = unclosed.TrimEnd(Separators);
        }

        var result = title.Length <= MaxHeadingLength ? title.ToString() : string.Concat(title[..MaxHeadingLength].TrimEnd(), "…");
        return (level, result);
    }

    /// <summary>Where the blocks are, for what the chunker decides after packing: prose, sections, heading paths.</summary>
    private sealed class Structure(string text, List<Block> blocks)
    {
        private int _nextHeading;

        /// <summary>
        /// Whether <c>text[start..end]</c> has at least <paramref name="minimum"/> non-white-space characters outside heading
        /// lines; blocks cover every such character, so only they are read.
        /// </summary>
        public bool HasProse(int start, int end, int minimum)
        {
            var count = 0;
            for (var b = FirstEndingAfter(start); b < blocks.Count && blocks[b].Start < end; b++)
            {
                if (blocks[b].IsHeading)
                {
                    continue;
                }

                for (int i = Math.Max(start, blocks[b].Start), last = Math.Min(end, blocks[b].End); i < last; i++)
                {
                    if (!char.IsWhiteSpace(text[i]) && ++count >= minimum)
                    {
                        return true;
                    }
                }
            }

            return count >= minimum;
        }

        /// <summary>
        /// The headings not returned yet that start before the first text of the chunk <c>[start, end)</c> other than its
        /// leading headings; chunks must be asked for in order.
        /// </summary>
        public IEnumerable<Block> HeadingsBeforeText(int start, int end)
        {
            var b = FirstEndingAfter(start);
            while (b < blocks.Count && blocks[b].IsHeading && blocks[b].Start < end)
            {
                b++;
            }

            var textStart = b < blocks.Count ? Math.Max(start, Math.Min(blocks[b].Start, end)) : end;
            for (; _nextHeading < blocks.Count && blocks[_nextHeading].Start < textStart; _nextHeading++)
            {
                if (blocks[_nextHeading].IsHeading)
                {
                    yield return blocks[_nextHeading];
                }
            }
        }

        /// <summary>The index of the first block ending after <paramref name="offset"/> (the block count when none does).</summary>
        private int FirstEndingAfter(int offset)
        {
            int low = 0, high = blocks.Count;
            while (low < high)
            {
                var middle = low + (high - low) / 2;
                if (blocks[middle].End <= offset)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            return low;
        }
    }

    /// <summary>The headings above the current position, outermost first: a heading replaces those of its level and below.</summary>
    private sealed class HeadingTrail
    {
        private readonly List<(int Level, string Text)> _headings = [];

        public void Enter(string text, Block heading)
        {
            var (level, title) = ReadHeading(text, heading);
            while (_headings.Count > 0 && _headings[^1].Level >= level)
            {
                _headings.RemoveAt(_headings.Count - 1);
            }

            _headings.Add((level, title));
        }

        public override string ToString() => string.Join(" › ", _headings.Select(h => h.Text));
    }

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
