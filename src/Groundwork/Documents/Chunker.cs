using System.Text.RegularExpressions;

namespace Groundwork.Documents;

/// <summary>
/// A piece of a document's text; <see cref="Start"/>..<see cref="End"/> are character offsets into the document,
/// <see cref="PageStart"/>..<see cref="PageEnd"/> the pages it spans when the document has pages.
/// </summary>
public sealed record TextChunk(int Ordinal, int Start, int End, string Text, int? PageStart = null, int? PageEnd = null);

/// <summary>
/// Splits text into chunks that fit the embedding model's window: paragraphs and sentences are kept whole where they fit,
/// packed greedily up to <see cref="ChunkingOptions.MaxTokens"/>, with the previous sentence repeated for overlap;
/// a sentence longer than the window is cut between words. Every character of the text lands in some chunk.
/// </summary>
public sealed partial class Chunker(ChunkingOptions options, Func<string, int> countTokens)
{
    public IReadOnlyList<TextChunk> Split(string text, IReadOnlyList<Extraction.PageSpan>? pages) =>
        pages is not { Count: > 0 }
            ? Split(text)
            : [.. Split(text).Select(chunk => chunk with { PageStart = PageAt(pages, chunk.Start), PageEnd = PageAt(pages, chunk.End - 1) })];

    private static int? PageAt(IReadOnlyList<Extraction.PageSpan> pages, int offset) =>
        pages.LastOrDefault(page => page.Start <= offset)?.PageNumber ?? pages[0].PageNumber;

    public IReadOnlyList<TextChunk> Split(string text)
    {
        var segments = Segments(text).SelectMany(s => FitToWindow(text, s)).ToList();
        var chunks = new List<TextChunk>();
        var current = new List<Segment>();
        var currentTokens = 0;
        foreach (var segment in segments)
        {
            if (current.Count > 0 && currentTokens + segment.Tokens > options.MaxTokens)
            {
                chunks.Add(ToChunk(text, chunks.Count, current));
                var overlap = current[^1];
                current.Clear();
                currentTokens = 0;
                if (overlap.Tokens <= options.OverlapTokens && overlap.Tokens + segment.Tokens <= options.MaxTokens)
                {
                    current.Add(overlap);
                    currentTokens = overlap.Tokens;
                }
            }

            current.Add(segment);
            currentTokens += segment.Tokens;
        }

        if (current.Count > 0)
        {
            chunks.Add(ToChunk(text, chunks.Count, current));
        }

        return chunks;
    }

    private static TextChunk ToChunk(string text, int ordinal, List<Segment> segments)
    {
        var start = segments[0].Start;
        var end = segments[^1].End;
        return new TextChunk(ordinal, start, end, text[start..end]);
    }

    private IEnumerable<Segment> Segments(string text)
    {
        foreach (Match sentence in SentencePattern().Matches(text))
        {
            var trimmedEnd = sentence.Index + sentence.Value.TrimEnd().Length;
            if (trimmedEnd > sentence.Index)
            {
                yield return new Segment(sentence.Index, trimmedEnd, countTokens(text[sentence.Index..trimmedEnd]));
            }
        }
    }

    /// <summary>Cuts a segment longer than the window between words, so no text is silently truncated by the model.</summary>
    private IEnumerable<Segment> FitToWindow(string text, Segment segment)
    {
        if (segment.Tokens <= options.MaxTokens)
        {
            yield return segment;
            yield break;
        }

        var words = WordPattern().Matches(text[segment.Start..segment.End]);
        var pieceStart = segment.Start;
        var pieceEnd = segment.Start;
        var pieceTokens = 0;
        foreach (Match word in words)
        {
            var wordStart = segment.Start + word.Index;
            var wordEnd = wordStart + word.Length;
            var wordTokens = countTokens(word.Value);
            if (pieceTokens > 0 && (pieceTokens + wordTokens > options.MaxTokens || wordTokens > options.MaxTokens))
            {
                yield return new Segment(pieceStart, pieceEnd, pieceTokens);
                pieceStart = wordStart;
                pieceTokens = 0;
            }

            if (wordTokens > options.MaxTokens)
            {
                // A "word" longer than the window (a long URL, a base64 run) is cut by characters;
                // a word piece covers at least one character, so MaxTokens characters always fit.
                for (var cut = wordStart; cut < wordEnd; cut += options.MaxTokens)
                {
                    var cutEnd = Math.Min(cut + options.MaxTokens, wordEnd);
                    yield return new Segment(cut, cutEnd, countTokens(text[cut..cutEnd]));
                }

                pieceStart = pieceEnd = wordEnd;
                continue;
            }

            pieceEnd = wordEnd;
            pieceTokens += wordTokens;
        }

        if (pieceEnd > pieceStart)
        {
            yield return new Segment(pieceStart, pieceEnd, pieceTokens);
        }
    }

    private readonly record struct Segment(int Start, int End, int Tokens);

    // A sentence ends at . ! ? followed by space, or at a line break; trailing white space stays with it.
    [GeneratedRegex(@"\S.*?(?:[.!?](?=\s)|\n|$)\s*", RegexOptions.Singleline)]
    private static partial Regex SentencePattern();

    [GeneratedRegex(@"\S+")]
    private static partial Regex WordPattern();
}
