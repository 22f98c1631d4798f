using Groundwork.Documents.Extraction;

namespace Groundwork.Documents;

/// <summary>
/// A piece of a document's text: <c>Text == text[Start..End]</c>. <see cref="PageStart"/> and <see cref="PageEnd"/> are the
/// 1-based pages its first and last characters are on, or null when the document has no pages.
/// </summary>
public sealed record TextChunk(int Ordinal, int Start, int End, string Text, int? PageStart, int? PageEnd);

/// <summary>
/// Splits text into chunks of at most <see cref="ChunkingOptions.MaxTokens"/> word pieces, following its structure:
/// <list type="bullet">
/// <item>A Markdown heading line (<c># Title</c> to <c>###### Title</c>, outside fenced code) starts a section;
/// no chunk spans two sections, and the heading begins its section's first chunk.</item>
/// <item>Paragraphs (separated by blank lines) are kept whole and packed greedily; one that does not fit in the current
/// chunk starts the next.</item>
/// <item>A paragraph longer than a chunk (or one that would leave its section's heading alone in a chunk) fills the current
/// chunk sentence by sentence and continues in the next; a sentence longer than a chunk is cut between words, and a word
/// longer than a chunk (a long URL, a base64 run) is cut by characters into chunks of its own.</item>
/// <item>Overlap is only within a paragraph: where a paragraph is cut, the next chunk starts by repeating the trailing
/// sentences (words, inside a sentence longer than a chunk) of that paragraph from the previous chunk, at most
/// <see cref="ChunkingOptions.OverlapTokens"/> and never so many that the chunk outgrows its limit. A chunk that starts at a
/// paragraph or section boundary repeats nothing: the text before it belongs to another unit of meaning.</item>
/// </list>
/// Every non-white-space character lands in some chunk. Each sentence (and, in an over-long sentence, each word) is counted
/// once and the counts are added up, which is exact because the tokenizer never joins words across white space.
/// </summary>
public sealed partial class Chunker(ChunkingOptions options, Func<string, int> countTokens)
{
    /// <param name="text">The document's text.</param>
    /// <param name="pages">Where each page's text is in <paramref name="text"/>; null or empty for a document without pages.</param>
    public IReadOnlyList<TextChunk> Split(string text, IReadOnlyList<PageSpan>? pages = null)
    {
        ArgumentNullException.ThrowIfNull(text);

        var packing = new Packing(text, options, pages is null ? [] : [.. pages.OrderBy(p => p.Start).ThenBy(p => p.End)]);
        foreach (var block in Blocks(text))
        {
            if (block.IsHeading)
            {
                packing.Flush();
            }

            Add(packing, text, block);
        }

        packing.Flush();
        return packing.Chunks;
    }

    private void Add(Packing packing, string text, Block block)
    {
        var sentences = Sentences(text, block);
        if (sentences.Count == 0)
        {
            return;
        }

        var tokens = 0;
        foreach (var sentence in sentences)
        {
            tokens += sentence.Tokens;
        }

        var whole = new Piece(sentences[0].Start, sentences[^1].End, tokens);
        if (tokens <= packing.Room)
        {
            packing.Add(whole, block.IsHeading);
        }
        else if (tokens <= options.MaxTokens && !packing.HoldsOnlyHeading)
        {
            packing.Flush();
            packing.Add(whole, block.IsHeading);
        }
        else
        {
            packing.AddCutting(Pieces(text, sentences));
        }
    }

    /// <summary>A stretch of text with its token count; a standalone piece (part of a cut word) is a chunk by itself.</summary>
    private readonly record struct Piece(int Start, int End, int Tokens, bool Standalone = false);

    /// <summary>The chunk being filled and the chunks made so far.</summary>
    private sealed class Packing(string text, ChunkingOptions options, PageSpan[] pagesByStart)
    {
        private readonly List<Piece> _pieces = [];
        private int _tokens;

        public List<TextChunk> Chunks { get; } = [];

        public int Room => options.MaxTokens - _tokens;

        public bool HoldsOnlyHeading { get; private set; }

        public void Add(Piece piece, bool isHeading = false)
        {
            HoldsOnlyHeading = isHeading && _pieces.Count == 0;
            _pieces.Add(piece);
            _tokens += piece.Tokens;
        }

        /// <summary>Adds the pieces of one paragraph, starting a new chunk, with overlap, wherever the next piece does not fit.</summary>
        public void AddCutting(IEnumerable<Piece> paragraphPieces)
        {
            var paragraphFrom = _pieces.Count;
            foreach (var piece in paragraphPieces)
            {
                if (piece.Standalone)
                {
                    Flush();
                    Add(piece);
                    Flush();
                    paragraphFrom = 0;
                    continue;
                }

                if (piece.Tokens > Room)
                {
                    var overlap = Overlap(paragraphFrom, piece.Tokens);
                    Flush();
                    foreach (var repeated in overlap)
                    {
                        Add(repeated);
                    }

                    paragraphFrom = 0;
                }

                Add(piece);
            }
        }

        /// <summary>The current chunk's trailing pieces from <paramref name="paragraphFrom"/> on that fit before the next piece.</summary>
        private List<Piece> Overlap(int paragraphFrom, int nextTokens)
        {
            var budget = Math.Min(options.OverlapTokens, options.MaxTokens - nextTokens);
            var first = _pieces.Count;
            var tokens = 0;
            while (first > paragraphFrom && tokens + _pieces[first - 1].Tokens <= budget)
            {
                first--;
                tokens += _pieces[first].Tokens;
            }

            return _pieces.GetRange(first, _pieces.Count - first);
        }

        public void Flush()
        {
            if (_pieces.Count == 0)
            {
                return;
            }

            var start = _pieces[0].Start;
            var end = _pieces[^1].End;
            Chunks.Add(new TextChunk(Chunks.Count, start, end, text[start..end], PageAt(start), PageAt(end - 1)));
            _pieces.Clear();
            _tokens = 0;
            HoldsOnlyHeading = false;
        }

        /// <summary>The last page starting at or before <paramref name="offset"/>.</summary>
        private int? PageAt(int offset)
        {
            if (pagesByStart.Length == 0)
            {
                return null;
            }

            var found = 0;
            for (int low = 0, high = pagesByStart.Length - 1; low <= high;)
            {
                var middle = low + (high - low) / 2;
                if (pagesByStart[middle].Start <= offset)
                {
                    found = middle;
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return pagesByStart[found].PageNumber;
        }
    }
}
