using Groundwork.Documents.Extraction;

namespace Groundwork.Documents;

/// <summary>
/// A piece of a document's text: <c>Text == text[Start..End]</c>. <see cref="PageStart"/> and <see cref="PageEnd"/> are the
/// 1-based pages its first and last characters are on, or null when the document has no pages. <see cref="HeadingPath"/> is
/// the chain of headings its text sits under, outermost first, joined by " › " (empty before the first heading).
/// </summary>
public sealed record TextChunk(int Ordinal, int Start, int End, string Text, int? PageStart, int? PageEnd, string HeadingPath = "");

/// <summary>
/// Splits text into chunks of at most <see cref="ChunkingOptions.MaxTokens"/> word pieces, following its structure:
/// <list type="bullet">
/// <item>A Markdown heading line (<c># Title</c> to <c>###### Title</c>, outside fenced code) belongs to the text under it:
/// a section with text starts a new chunk, and headings with no text between them (a document title over its first
/// section) go together into the chunk of the next text. Headings at the very end join the chunk before them.</item>
/// <item>Paragraphs (separated by blank lines) are kept whole and packed greedily; one that does not fit in the current
/// chunk starts the next.</item>
/// <item>A paragraph longer than a chunk (or one that would leave its headings alone in a chunk) fills the current
/// chunk sentence by sentence and continues in the next; a sentence longer than a chunk is cut between words, and a word
/// longer than a chunk (a long URL, a base64 run) is cut by characters into chunks of its own.</item>
/// <item>Overlap is only within a paragraph: where a paragraph is cut, the next chunk starts by repeating the trailing
/// sentences (words, inside a sentence longer than a chunk) of that paragraph from the previous chunk, at most
/// <see cref="ChunkingOptions.OverlapTokens"/> and never so many that the chunk outgrows its limit. A chunk that starts at a
/// paragraph or section boundary repeats nothing: the text before it belongs to another unit of meaning.</item>
/// <item>A chunk with less than <see cref="MinProseCharacters"/> of text besides its headings (a section with only "TBD."
/// under its heading, the tail of a cut paragraph) is joined to the previous chunk, or else the next, whenever the two fit
/// in one chunk.</item>
/// </list>
/// Every non-white-space character lands in some chunk. Each sentence (and, in an over-long sentence, each word) is counted
/// once and the counts are added up, which is exact because the tokenizer never joins words across white space.
/// </summary>
public sealed partial class Chunker(ChunkingOptions options, Func<string, int> countTokens)
{
    /// <summary>
    /// Non-white-space characters outside heading lines below which a chunk is too little to be a passage of its own: a
    /// heading with "TBD." under it, a signature line, the tail of a cut paragraph. Such chunks win top places for
    /// questions they cannot answer, so they are joined to a neighbour. One stays on its own only when neither neighbour has
    /// room for it, or when it is the whole document.
    /// </summary>
    public const int MinProseCharacters = 30;

    /// <param name="text">The document's text.</param>
    /// <param name="pages">Where each page's text is in <paramref name="text"/>; null or empty for a document without pages.</param>
    public IReadOnlyList<TextChunk> Split(string text, IReadOnlyList<PageSpan>? pages = null)
    {
        ArgumentNullException.ThrowIfNull(text);

        var blocks = Blocks(text);
        var packing = new Packing(options);
        foreach (var block in blocks)
        {
            if (block.IsHeading && packing.HasProse)
            {
                packing.Flush();
            }

            Add(packing, text, block);
        }

        packing.Flush();
        var structure = new Structure(text, blocks);
        var spans = JoinShort(text, structure, packing.Spans);
        return Build(text, structure, spans, pages is null ? [] : [.. pages.OrderBy(p => p.Start).ThenBy(p => p.End)]);
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
        else if (tokens <= options.MaxTokens && !packing.HoldsOnlyHeadings)
        {
            packing.Flush();
            packing.Add(whole, block.IsHeading);
        }
        else
        {
            packing.AddCutting(Pieces(text, sentences), block.IsHeading);
        }
    }

    /// <summary>
    /// Joins each chunk with too little prose to the previous chunk, or failing that to the next one: the previous one is
    /// what such a chunk continues (the tail of a cut paragraph), and a short section appended to it leaves the heading path
    /// describing most of the chunk's text. A join that would outgrow the chunk limit is not made.
    /// </summary>
    private List<Span> JoinShort(string text, Structure structure, List<Span> spans)
    {
        var result = new List<Span>(spans.Count);
        Span? carried = null;
        foreach (var span in spans)
        {
            var current = span;
            var joinedForward = false;
            if (carried is { } waiting)
            {
                if (TryJoin(text, waiting, current) is { } joined)
                {
                    (current, joinedForward) = (joined, true);
                }
                else
                {
                    result.Add(waiting);
                }

                carried = null;
            }

            if (structure.HasProse(current.Start, current.End, MinProseCharacters))
            {
                result.Add(current);
            }
            else if (!joinedForward && result.Count > 0 && TryJoin(text, result[^1], current) is { } back)
            {
                // A chunk carried forward had already failed to join the previous one, and joined it is only longer.
                result[^1] = back;
            }
            else
            {
                carried = current;
            }
        }

        if (carried is { } last)
        {
            result.Add(last);
        }

        return result;
    }

    /// <summary>The chunk from <paramref name="first"/>'s start to <paramref name="second"/>'s end, if it fits.</summary>
    private Span? TryJoin(string text, Span first, Span second)
    {
        var end = Math.Max(first.End, second.End);
        int tokens;
        if (first.End < second.Start)
        {
            // Only separators lie between two chunks that do not touch, so their counts add up.
            tokens = first.Tokens + second.Tokens;
        }
        else
        {
            // Overlapping chunks, or two parts of a word cut by characters: the joined text reads differently.
            tokens = countTokens(text[first.Start..end]);
        }

        return tokens <= options.MaxTokens ? new Span(first.Start, end, tokens) : null;
    }

    private static List<TextChunk> Build(string text, Structure structure, List<Span> spans, PageSpan[] pagesByStart)
    {
        var chunks = new List<TextChunk>(spans.Count);
        var path = new HeadingTrail();
        foreach (var span in spans)
        {
            foreach (var heading in structure.HeadingsBeforeText(span.Start, span.End))
            {
                path.Enter(text, heading);
            }

            chunks.Add(new TextChunk(chunks.Count, span.Start, span.End, text[span.Start..span.End],
                PageAt(pagesByStart, span.Start), PageAt(pagesByStart, span.End - 1), path.ToString()));
        }

        return chunks;
    }

    /// <summary>The last page starting at or before <paramref name="offset"/>.</summary>
    private static int? PageAt(PageSpan[] pagesByStart, int offset)
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

    /// <summary>A chunk's extent and its exact token count.</summary>
    private readonly record struct Span(int Start, int End, int Tokens);

    /// <summary>A stretch of text with its token count; a standalone piece (part of a cut word) is a chunk by itself.</summary>
    private readonly record struct Piece(int Start, int End, int Tokens, bool Standalone = false);

    /// <summary>The chunk being filled and the chunks made so far.</summary>
    private sealed class Packing(ChunkingOptions options)
    {
        private readonly List<Piece> _pieces = [];
        private int _tokens;

        public List<Span> Spans { get; } = [];

        public int Room => options.MaxTokens - _tokens;

        /// <summary>The chunk being filled has something besides headings.</summary>
        public bool HasProse { get; private set; }

        public bool HoldsOnlyHeadings => _pieces.Count > 0 && !HasProse;

        public void Add(Piece piece, bool isHeading = false)
        {
            HasProse |= !isHeading;
            _pieces.Add(piece);
            _tokens += piece.Tokens;
        }

        /// <summary>Adds the pieces of one paragraph, starting a new chunk, with overlap, wherever the next piece does not fit.</summary>
        public void AddCutting(IEnumerable<Piece> paragraphPieces, bool isHeading)
        {
            var paragraphFrom = _pieces.Count;
            foreach (var piece in paragraphPieces)
            {
                if (piece.Standalone)
                {
                    // Apart from the other parts of its word, a part is counted exactly, so it may follow the headings above it.
                    if (!HoldsOnlyHeadings || piece.Tokens > Room)
                    {
                        Flush();
                    }

                    Add(piece, isHeading);
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
                        Add(repeated, isHeading);
                    }

                    paragraphFrom = 0;
                }

                Add(piece, isHeading);
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

            Spans.Add(new Span(_pieces[0].Start, _pieces[^1].End, _tokens));
            _pieces.Clear();
            _tokens = 0;
            HasProse = false;
        }
    }
}
