using System.Collections.Concurrent;

namespace Groundwork.Retrieval;

/// <summary>
/// One tenant's in-memory inverted index of chunk text, searched by BM25 with top-k pruning over every chunk that
/// has a query word (no recency window). Lucene.Net 4.8 has no block-max WAND or MaxScore, and no other maintained
/// .NET library prunes top-k, hence this index of its own.
/// </summary>
/// <remarks>
/// <para>Terms are <see cref="KeywordTokenizer"/>'s (FTS5's porter unicode61 tokens). Each term has a postings list
/// of chunk ordinals (ascending int array) and frequencies (a byte, saturating at 255), in blocks of
/// <see cref="BlockSize"/> with each block's highest frequency and shortest chunk: the block's BM25 upper bound.</para>
/// <para>Scoring is FTS5's bm25(): idf = ln((N - n + 0.5) / (n + 0.5)), floored at 1e-6 for words in more than half of
/// the chunks, times tf·(k1 + 1) / (tf + k1·(1 - b + b·len / avglen)), k1 = 1.2, b = 0.75, over the tenant's live
/// chunks (N, n and avglen are the tenant's alone). The OR of the terms (<see cref="Search"/>) is searched by MaxScore
/// (Turtle and Flood): terms in increasing order of their upper bound, the longest prefix whose bounds sum to less
/// than the current k-th score only checked for chunks found through the others; and, for those others, whole blocks
/// are skipped when their block bounds plus the rest cannot reach the k-th score (block-max MaxScore). Chunks with
/// every term (<see cref="SearchEveryTermFirst"/>) are found by walking the rarest term's list and seeking the others,
/// skipping its blocks the same way. Ties go to the lower chunk id, so results do not depend on the order of intake.</para>
/// <para>Memory: about 1 KB per chunk of 200 words (5 B per distinct term of a chunk, 20 B per chunk; docs/benchmarks.md).</para>
/// <para>Concurrency: one writer at a time (a lock); readers never lock. Postings arrays are append-only: the writer
/// writes past the count a published view shows, then publishes a new view (new arrays when they grow); the
/// bounds of a block still filling only loosen, so an older view stays correct. A reader reads its terms' views
/// before the chunk table (<see cref="Snapshot"/>), which the writer publishes first, so every ordinal it meets is
/// in its table. Deletions set a bit that readers check; once removed chunks are many, <see cref="KeywordIndexes"/>
/// puts a <see cref="Compacted"/> copy in the index's place.</para>
/// </remarks>
public sealed class KeywordIndex
{
    public const int BlockSize = 128;
    private const int BlockShift = 7;
    public const double K1 = 1.2;
    public const double B = 0.75;
    private const double MinIdf = 1e-6;

    private readonly Lock _writer = new();
    private readonly ConcurrentDictionary<string, Term> _terms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Term> _byText = new(StringComparer.Ordinal);
    private readonly Dictionary<long, int> _ordinals = [];
    private HashSet<long>? _removedWhileBuilding;
    private volatile Snapshot _snapshot = new([], [], [], 0, 0, 0, 0);
    private volatile bool _ready;

    /// <param name="ready">False for an index about to be filled from stored chunks (<see cref="BeginBuild"/>).</param>
    public KeywordIndex(bool ready = true) => _ready = ready;

    /// <summary>Whether every stored chunk is in; until then keyword search takes the FTS5 path.</summary>
    public bool IsReady => _ready;

    /// <summary>Chunks searchable now.</summary>
    public int Count => _snapshot.Live;

    /// <summary>Removed chunks whose postings are still held (skipped by their deletion bit) until <see cref="Compacted"/>.</summary>
    public int RemovedCount => _snapshot.Count - _snapshot.Live;

    /// <summary>
    /// A copy of the index without the removed chunks' postings, for the caller to put in this one's place; this one
    /// stays valid for the searches still using it. The caller keeps writes away from both until the swap.
    /// </summary>
    public KeywordIndex Compacted()
    {
        lock (_writer)
        {
            var snapshot = _snapshot;
            var compact = new KeywordIndex();
            var capacity = Math.Max(1024, snapshot.Live);
            var chunkIds = new long[capacity];
            var lengths = new int[capacity];
            var renumbered = new int[snapshot.Count];
            var live = 0;
            for (var ordinal = 0; ordinal < snapshot.Count; ordinal++)
            {
                if (snapshot.IsDeleted(ordinal))
                {
                    renumbered[ordinal] = -1;
                    continue;
                }

                renumbered[ordinal] = live;
                chunkIds[live] = snapshot.ChunkIds[ordinal];
                lengths[live] = snapshot.Lengths[ordinal];
                compact._ordinals[chunkIds[live]] = live;
                live++;
            }

            compact._snapshot = new Snapshot(chunkIds, lengths, new ulong[(capacity + 63) / 64], live, live, snapshot.LiveLength, 0);
            foreach (var (text, term) in _byText)
            {
                var copy = term.CopyWithout(renumbered, lengths);
                if (copy is not null)
                {
                    compact._byText[text] = copy;
                    compact._terms[text] = copy;
                }
            }

            return compact;
        }
    }

    /// <summary>From now until <see cref="EndBuild"/>, chunks removed are remembered so that a build reading an older snapshot of the table cannot bring them back.</summary>
    public void BeginBuild()
    {
        lock (_writer)
        {
            _removedWhileBuilding ??= [];
            _ready = false;
        }
    }

    public void EndBuild()
    {
        lock (_writer)
        {
            _removedWhileBuilding = null;
            _ready = true;
        }
    }

    /// <summary>Adds chunks; those already in (by id) are skipped, and so, from a build, are those removed since it began.</summary>
    public void Add(IReadOnlyList<(long ChunkId, string Text)> chunks, bool fromBuild = false)
    {
        lock (_writer)
        {
            var snapshot = _snapshot;
            var chunkIds = snapshot.ChunkIds;
            var lengths = snapshot.Lengths;
            var deleted = snapshot.Deleted;
            var count = snapshot.Count;
            long addedLength = 0;
            var added = 0;
            var touched = new List<Term>();
            var state = new DocumentTerms(_byText.GetAlternateLookup<ReadOnlySpan<char>>());
            foreach (var (chunkId, text) in chunks)
            {
                if (_ordinals.ContainsKey(chunkId) || (fromBuild && _removedWhileBuilding?.Contains(chunkId) == true))
                {
                    continue;
                }

                state.Terms.Clear();
                state.Length = 0;
                KeywordTokenizer.Tokenize(text, ref state, static (ref DocumentTerms document, ReadOnlySpan<char> text) => document.Add(text));

                var ordinal = count++;
                if (ordinal == chunkIds.Length)
                {
                    var capacity = Math.Max(1024, chunkIds.Length * 3 / 2);
                    Array.Resize(ref chunkIds, capacity);
                    Array.Resize(ref lengths, capacity);
                    Array.Resize(ref deleted, (capacity + 63) / 64);
                }

                chunkIds[ordinal] = chunkId;
                lengths[ordinal] = state.Length;
                _ordinals[chunkId] = ordinal;
                addedLength += state.Length;
                added++;
                foreach (var term in state.Terms)
                {
                    if (!term.Touched)
                    {
                        term.Touched = true;
                        touched.Add(term);
                    }

                    term.Append(ordinal, (byte)Math.Min(term.PendingFrequency, byte.MaxValue), state.Length);
                    term.PendingFrequency = 0;
                }
            }

            if (added == 0)
            {
                return;
            }

            // The chunk table first: a reader that meets an ordinal in a view finds it here.
            _snapshot = snapshot with
            {
                ChunkIds = chunkIds, Lengths = lengths, Deleted = deleted, Count = count, Live = snapshot.Live + added,
                LiveLength = snapshot.LiveLength + addedLength,
            };
            foreach (var term in touched)
            {
                term.Touched = false;
                term.Publish();
                _terms.TryAdd(term.Text, term);
            }
        }
    }

    /// <summary>Takes chunks out of the search; unknown ids are ignored.</summary>
    public void Remove(IEnumerable<long> chunkIds)
    {
        lock (_writer)
        {
            var snapshot = _snapshot;
            var live = snapshot.Live;
            var liveLength = snapshot.LiveLength;
            foreach (var chunkId in chunkIds)
            {
                _removedWhileBuilding?.Add(chunkId);
                if (_ordinals.Remove(chunkId, out var ordinal))
                {
                    snapshot.Deleted[ordinal >> 6] |= 1UL << (ordinal & 63);
                    live--;
                    liveLength -= snapshot.Lengths[ordinal];
                }
            }

            if (live != snapshot.Live)
            {
                _snapshot = snapshot with { Live = live, LiveLength = liveLength, DeleteEpoch = snapshot.DeleteEpoch + 1 };
            }
        }
    }

    /// <summary>How many live chunks hold the term (a <see cref="KeywordTokenizer"/> term).</summary>
    public int DocumentFrequency(string term)
    {
        var view = _terms.TryGetValue(term, out var known) ? known.View : null;
        return view is null ? 0 : view.LiveCount(_snapshot);
    }

    /// <summary>
    /// The best <paramref name="limit"/> live chunks by BM25 over <paramref name="terms"/> (OR), among
    /// <paramref name="allowed"/> when given. A term given n times counts n times, as FTS5 sums a phrase per query
    /// word: "install" and "installing" are two words of one term. Terms no chunk has are left out, and so, while
    /// rarer ones remain, are terms in more than half of the chunks (their idf is the floor, and their long lists
    /// would be walked for nothing).
    /// </summary>
    public List<VectorMatch> Search(IReadOnlyList<string> terms, int limit, IReadOnlySet<long>? allowed = null)
    {
        var plan = Plan(terms, limit);
        return plan is null ? [] : new MaxScoreSearch(plan.Cursors(), plan.Snapshot, plan.Scorer, limit, allowed).Run();
    }

    /// <summary>
    /// The chunks that have every term, best first by BM25 over the terms; then, only when they are fewer than
    /// <paramref name="fillTo"/>, the best of the others that have any (<see cref="Search"/>), up to <paramref name="limit"/>.
    /// </summary>
    public List<VectorMatch> SearchEveryTermFirst(IReadOnlyList<string> terms, int limit, int fillTo, IReadOnlySet<long>? allowed = null)
    {
        var plan = Plan(terms, limit);
        if (plan is null)
        {
            return [];
        }

        if (plan.Terms.Count == 1)
        {
            return new MaxScoreSearch(plan.Cursors(), plan.Snapshot, plan.Scorer, limit, allowed).Run();
        }

        var found = new ConjunctiveSearch(plan.Cursors(), plan.Snapshot, plan.Scorer, limit, allowed).Run();
        if (found.Count >= Math.Min(fillTo, limit))
        {
            return found;
        }

        // Those found first rank among the best of any term too: ask for enough to fill the limit without them.
        var seen = found.Select(match => match.ChunkId).ToHashSet();
        foreach (var match in new MaxScoreSearch(plan.Cursors(), plan.Snapshot, plan.Scorer, limit + found.Count, allowed).Run())
        {
            if (found.Count == limit)
            {
                break;
            }

            if (!seen.Contains(match.ChunkId))
            {
                found.Add(match);
            }
        }

        return found;
    }

    private QueryPlan? Plan(IReadOnlyList<string> terms, int limit)
    {
        // Views before the snapshot (see the remarks).
        var views = new List<(Postings View, int Times)>(terms.Count);
        foreach (var group in terms.GroupBy(term => term, StringComparer.Ordinal))
        {
            if (_terms.TryGetValue(group.Key, out var known) && known.View is { } view)
            {
                views.Add((view, group.Count()));
            }
        }

        var snapshot = _snapshot;
        if (views.Count == 0 || limit <= 0 || snapshot.Live == 0)
        {
            return null;
        }

        var n = snapshot.Live;
        var withFrequency = views.Select(t => (t.View, t.Times, Chunks: t.View.LiveCount(snapshot))).Where(t => t.Chunks > 0).ToList();
        if (withFrequency.Exists(t => t.Chunks * 2L <= n))
        {
            withFrequency.RemoveAll(t => t.Chunks * 2L > n);
        }

        if (withFrequency.Count == 0)
        {
            return null;
        }

        var scorer = new Bm25(n, (double)snapshot.LiveLength / n);
        return new QueryPlan([.. withFrequency.Select(t => (t.View, t.Times * scorer.Idf(t.Chunks)))], snapshot, scorer);
    }

    private sealed record QueryPlan(List<(Postings View, double Idf)> Terms, Snapshot Snapshot, Bm25 Scorer)
    {
        /// <summary>Fresh cursors over the terms, in increasing order of their upper bound.</summary>
        public Cursor[] Cursors() => [.. Terms.Select(t => new Cursor(t.View, t.Idf, Scorer)).OrderBy(c => c.UpperBound)];
    }

    /// <summary>Bytes held by the index's arrays and dictionaries (estimated), for the benchmark and the logs.</summary>
    public long EstimatedBytes()
    {
        var snapshot = _snapshot;
        long bytes = snapshot.ChunkIds.Length * 8L + snapshot.Lengths.Length * 4L + snapshot.Deleted.Length * 8L;
        bytes += _ordinals.Count * 24L;
        foreach (var term in _terms.Values)
        {
            bytes += 48 + 2L * term.Text.Length + 64 + term.CapacityBytes;
        }

        return bytes;
    }

    private sealed record Snapshot(long[] ChunkIds, int[] Lengths, ulong[] Deleted, int Count, int Live, long LiveLength, int DeleteEpoch)
    {
        public bool IsDeleted(int ordinal) => (Deleted[ordinal >> 6] & (1UL << (ordinal & 63))) != 0;
    }

    private readonly struct Bm25(int chunks, double averageLength)
    {
        private readonly double _lengthWeight = K1 * B / Math.Max(averageLength, 1e-9);

        public double Idf(int containing)
        {
            var idf = Math.Log((chunks - containing + 0.5) / (containing + 0.5));
            return idf <= 0 ? MinIdf : idf;
        }

        /// <summary>k1·(1 - b + b·len / avglen): the frequency at which a term gives half its most.</summary>
        public double Norm(int length) => K1 * (1 - B) + _lengthWeight * length;

        public double Score(double idf, int frequency, int length) => idf * frequency * (K1 + 1) / (frequency + Norm(length));
    }

    /// <summary>The terms of the chunk being added, each with its frequency in it (writer only).</summary>
    private sealed class DocumentTerms(Dictionary<string, Term>.AlternateLookup<ReadOnlySpan<char>> byText)
    {
        public List<Term> Terms { get; } = [];

        public int Length { get; set; }

        public void Add(ReadOnlySpan<char> text)
        {
            Length++;
            if (!byText.TryGetValue(text, out var term))
            {
                term = new Term(text.ToString());
                byText.Dictionary.Add(term.Text, term);
            }

            if (term.PendingFrequency++ == 0)
            {
                Terms.Add(term);
            }
        }
    }

    /// <summary>A term's postings as the writer builds them; readers see only <see cref="View"/>.</summary>
    private sealed class Term(string text)
    {
        private int[] _docs = new int[4];
        private byte[] _frequencies = new byte[4];
        private byte[] _blockMaxFrequency = new byte[1];
        private int[] _blockMinLength = new int[1];
        private int _count;
        private byte _maxFrequency;
        private int _minLength = int.MaxValue;

        public string Text { get; } = text;

        public bool Touched { get; set; }

        public int PendingFrequency { get; set; }

        public volatile Postings? View;

        public long CapacityBytes => _docs.Length * 5L + _blockMaxFrequency.Length * 5L;

        public void Append(int ordinal, byte frequency, int length)
        {
            if (_count == _docs.Length)
            {
                var capacity = _docs.Length < 1024 ? _docs.Length * 2 : _docs.Length * 5 / 4;
                Array.Resize(ref _docs, capacity);
                Array.Resize(ref _frequencies, capacity);
            }

            var block = _count >> BlockShift;
            if (block == _blockMaxFrequency.Length)
            {
                Array.Resize(ref _blockMaxFrequency, block * 2);
                Array.Resize(ref _blockMinLength, block * 2);
            }

            if ((_count & (BlockSize - 1)) == 0)
            {
                _blockMaxFrequency[block] = frequency;
                _blockMinLength[block] = length;
            }
            else
            {
                _blockMaxFrequency[block] = Math.Max(_blockMaxFrequency[block], frequency);
                _blockMinLength[block] = Math.Min(_blockMinLength[block], length);
            }

            _docs[_count] = ordinal;
            _frequencies[_count] = frequency;
            _count++;
            _maxFrequency = Math.Max(_maxFrequency, frequency);
            _minLength = Math.Min(_minLength, length);
        }

        /// <summary>The postings of the chunks still live, under their new ordinals (which keep their order); null when none is.</summary>
        public Term? CopyWithout(int[] renumbered, int[] lengths)
        {
            var copy = new Term(Text);
            for (var i = 0; i < _count; i++)
            {
                var ordinal = renumbered[_docs[i]];
                if (ordinal >= 0)
                {
                    copy.Append(ordinal, _frequencies[i], lengths[ordinal]);
                }
            }

            if (copy._count == 0)
            {
                return null;
            }

            copy.Publish();
            return copy;
        }

        public void Publish() => View = new Postings(_docs, _frequencies, _blockMaxFrequency, _blockMinLength, _count, _maxFrequency, _minLength);
    }

    /// <summary>An immutable view of a term's postings: the first <see cref="Count"/> entries of the arrays.</summary>
    private sealed class Postings(int[] docs, byte[] frequencies, byte[] blockMaxFrequency, int[] blockMinLength, int count, byte maxFrequency, int minLength)
    {
        private LiveCountCache? _live;

        public int[] Docs { get; } = docs;
        public byte[] Frequencies { get; } = frequencies;
        public byte[] BlockMaxFrequency { get; } = blockMaxFrequency;
        public int[] BlockMinLength { get; } = blockMinLength;
        public int Count { get; } = count;
        public byte MaxFrequency { get; } = maxFrequency;
        public int MinLength { get; } = minLength;

        /// <summary>The postings not deleted; counted once per deletion epoch (deletions are rare next to searches).</summary>
        public int LiveCount(Snapshot snapshot)
        {
            if (snapshot.Live == snapshot.Count)
            {
                return Count;
            }

            if (_live is { } cached && cached.Epoch == snapshot.DeleteEpoch)
            {
                return cached.Live;
            }

            var live = 0;
            for (var i = 0; i < Count; i++)
            {
                live += snapshot.IsDeleted(Docs[i]) ? 0 : 1;
            }

            _live = new LiveCountCache(snapshot.DeleteEpoch, live);
            return live;
        }

        private sealed record LiveCountCache(int Epoch, int Live);
    }

    private sealed class Cursor(Postings postings, double idf, Bm25 scorer)
    {
        public readonly int[] Docs = postings.Docs;
        public readonly byte[] Frequencies = postings.Frequencies;
        public readonly int Count = postings.Count;
        public readonly double Idf = idf;
        public readonly double UpperBound = scorer.Score(idf, postings.MaxFrequency, postings.MinLength);
        public int Position;

        public int Doc => Position < Count ? Docs[Position] : int.MaxValue;

        public int BlockEnd => Math.Min(((Position >> BlockShift) + 1) << BlockShift, Count);

        public double BlockUpperBound(Bm25 bm25) =>
            bm25.Score(Idf, postings.BlockMaxFrequency[Position >> BlockShift], postings.BlockMinLength[Position >> BlockShift]);

        /// <summary>Moves to the first posting at or after <paramref name="target"/>: block by block, then by binary search.</summary>
        public void Seek(int target)
        {
            if (Position >= Count || Docs[Position] >= target)
            {
                return;
            }

            var end = BlockEnd;
            while (end < Count && Docs[end - 1] < target)
            {
                Position = end;
                end = BlockEnd;
            }

            if (Docs[end - 1] < target)
            {
                Position = Count;
                return;
            }

            var found = Array.BinarySearch(Docs, Position, end - Position, target);
            Position = found >= 0 ? found : ~found;
        }
    }

    private sealed class MaxScoreSearch(Cursor[] cursors, Snapshot snapshot, Bm25 scorer, int limit, IReadOnlySet<long>? allowed)
    {
        private readonly BestChunks _best = new(snapshot, limit);
        private readonly double[] _boundBelow = BoundsBelow(cursors);
        private int _firstEssential;
        private readonly double[] _contrib = new double[cursors.Length];

        private double Threshold => _best.Threshold;

        public List<VectorMatch> Run()
        {
            while (true)
            {
                var doc = int.MaxValue;
                for (var i = _firstEssential; i < cursors.Length; i++)
                {
                    doc = Math.Min(doc, cursors[i].Doc);
                }

                if (doc == int.MaxValue)
                {
                    break;
                }

                if (_best.IsFull && SkipBlocks(doc))
                {
                    continue;
                }

                if (snapshot.IsDeleted(doc) || (allowed is not null && !allowed.Contains(snapshot.ChunkIds[doc])))
                {
                    for (var i = _firstEssential; i < cursors.Length; i++)
                    {
                        if (cursors[i].Doc == doc)
                        {
                            cursors[i].Position++;
                        }
                    }

                    continue;
                }

                var norm = scorer.Norm(snapshot.Lengths[doc]);
                var score = 0.0;
                Array.Clear(_contrib);
                for (var i = _firstEssential; i < cursors.Length; i++)
                {
                    var cursor = cursors[i];
                    if (cursor.Doc == doc)
                    {
                        int frequency = cursor.Frequencies[cursor.Position++];
                        _contrib[i] = cursor.Idf * frequency * (K1 + 1) / (frequency + norm);
                        score += _contrib[i];
                    }
                }

                for (var i = _firstEssential - 1; i >= 0; i--)
                {
                    if (score + _boundBelow[i + 1] < Threshold * (1 - 1e-9))
                    {
                        break;
                    }

                    var cursor = cursors[i];
                    cursor.Seek(doc);
                    if (cursor.Doc == doc)
                    {
                        int frequency = cursor.Frequencies[cursor.Position];
                        _contrib[i] = cursor.Idf * frequency * (K1 + 1) / (frequency + norm);
                        score += _contrib[i];
                    }
                }

                score = 0.0;
                for (var i = 0; i < cursors.Length; i++) score += _contrib[i];

                if (_best.Offer(doc, score))
                {
                    while (_firstEssential < cursors.Length && _boundBelow[_firstEssential + 1] < Threshold * (1 - 1e-9))
                    {
                        _firstEssential++;
                    }
                }
            }

            return _best.Matches();
        }

        /// <summary>
        /// When no chunk up to the end of the nearest block of the essential lists can beat the k-th score (their
        /// block bounds plus every non-essential bound), moves past that range; true when it did.
        /// </summary>
        private bool SkipBlocks(int doc)
        {
            var upTo = int.MaxValue;
            for (var i = _firstEssential; i < cursors.Length; i++)
            {
                var cursor = cursors[i];
                if (cursor.Position < cursor.Count)
                {
                    upTo = Math.Min(upTo, cursor.Docs[cursor.BlockEnd - 1]);
                }
            }

            var bound = _boundBelow[_firstEssential];
            for (var i = _firstEssential; i < cursors.Length; i++)
            {
                if (cursors[i].Doc <= upTo)
                {
                    bound += cursors[i].BlockUpperBound(scorer);
                }
            }

            if (bound >= Threshold * (1 - 1e-9))
            {
                return false;
            }

            for (var i = _firstEssential; i < cursors.Length; i++)
            {
                if (cursors[i].Doc <= upTo)
                {
                    cursors[i].Seek(upTo + 1);
                }
            }

            return doc <= upTo;
        }

        /// <summary>Entry i: the sum of the upper bounds of the terms before i (in increasing order of bound).</summary>
        private static double[] BoundsBelow(Cursor[] cursors)
        {
            var sums = new double[cursors.Length + 1];
            for (var i = 0; i < cursors.Length; i++)
            {
                sums[i + 1] = sums[i] + cursors[i].UpperBound;
            }

            return sums;
        }
    }

    /// <summary>
    /// Chunks that have every term: the list of the rarest term leads, the others are sought to each of its chunks;
    /// blocks of the leading list whose bound plus the others' bounds cannot beat the k-th score are skipped.
    /// </summary>
    private sealed class ConjunctiveSearch(Cursor[] cursors, Snapshot snapshot, Bm25 scorer, int limit, IReadOnlySet<long>? allowed)
    {
        public List<VectorMatch> Run()
        {
            var best = new BestChunks(snapshot, limit);
            var lead = cursors.MinBy(c => c.Count)!;
            var others = cursors.Where(c => c != lead).ToArray();
            var othersBound = others.Sum(c => c.UpperBound);
            while (lead.Position < lead.Count)
            {
                if (best.IsFull && lead.BlockUpperBound(scorer) + othersBound < best.Threshold * (1 - 1e-9))
                {
                    lead.Position = lead.BlockEnd;
                    continue;
                }

                var doc = lead.Doc;
                var missing = -1;
                foreach (var other in others)
                {
                    other.Seek(doc);
                    if (other.Doc != doc)
                    {
                        missing = other.Doc;
                        break;
                    }
                }

                if (missing == int.MaxValue)
                {
                    break;
                }

                if (missing >= 0)
                {
                    lead.Seek(missing);
                    continue;
                }

                if (!snapshot.IsDeleted(doc) && (allowed is null || allowed.Contains(snapshot.ChunkIds[doc])))
                {
                    var norm = scorer.Norm(snapshot.Lengths[doc]);
                    var score = 0.0;
                    foreach (var cursor in cursors)
                    {
                        int frequency = cursor.Frequencies[cursor.Position];
                        score += cursor.Idf * frequency * (K1 + 1) / (frequency + norm);
                    }

                    best.Offer(doc, score);
                }

                lead.Position++;
            }

            return best.Matches();
        }
    }

    /// <summary>
    /// The k best chunks so far; the root is the worst of them (lowest score, and of equal scores the higher chunk id,
    /// so that ties do not depend on the order chunks were added in). Pruning skips only what scores below the k-th
    /// (<see cref="Threshold"/>), never what could tie with it.
    /// </summary>
    private sealed class BestChunks(Snapshot snapshot, int limit)
    {
        private readonly PriorityQueue<int, (double Score, long ChunkId)> _best = new(limit + 1, WorstFirst.Instance);

        public bool IsFull => _best.Count == limit;

        /// <summary>The k-th score once there are k, else below any score.</summary>
        public double Threshold { get; private set; } = -1;

        /// <summary>Keeps the chunk if it is among the best; true when the threshold rose.</summary>
        public bool Offer(int doc, double score)
        {
            var key = (score, snapshot.ChunkIds[doc]);
            if (_best.Count < limit)
            {
                _best.Enqueue(doc, key);
            }
            else if (_best.TryPeek(out _, out var worst) && WorstFirst.Instance.Compare(key, worst) > 0)
            {
                _best.EnqueueDequeue(doc, key);
            }
            else
            {
                return false;
            }

            if (_best.Count < limit)
            {
                return false;
            }

            _best.TryPeek(out _, out var kth);
            Threshold = kth.Score;
            return true;
        }

        public List<VectorMatch> Matches()
        {
            var found = new List<VectorMatch>(_best.Count);
            while (_best.TryDequeue(out var ordinal, out var key))
            {
                found.Add(new VectorMatch(snapshot.ChunkIds[ordinal], (float)key.Score));
            }

            found.Reverse();
            return found;
        }
    }

    private sealed class WorstFirst : IComparer<(double Score, long ChunkId)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((double Score, long ChunkId) x, (double Score, long ChunkId) y)
        {
            var byScore = x.Score.CompareTo(y.Score);
            return byScore != 0 ? byScore : y.ChunkId.CompareTo(x.ChunkId);
        }
    }
}
