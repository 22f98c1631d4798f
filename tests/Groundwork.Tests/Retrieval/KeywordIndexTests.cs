using Groundwork.Retrieval;
using Microsoft.Data.Sqlite;

namespace Groundwork.Tests.Retrieval;

/// <summary>
/// The in-memory keyword index on its own: its terms are FTS5's, its pruned top k is exactly the exhaustive BM25
/// top k, and neither deletions, filters nor the age of a chunk change what it finds.
/// </summary>
public sealed class KeywordIndexTests
{
    [Fact]
    public void TermsAreThoseOfTheFts5PorterUnicode61Tokenizer()
    {
        var corpus = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "bench", "eval", "corpus")).Order()
            .Select(File.ReadAllText).ToList();
        corpus.Add("Crème brûlée, naïve café; ÉCOLE Straße — Ångström Łódź Ørsted 42nd 3.14 x² año hopping caresses ponies aed sky ties");
        // Vietnamese (Latin Extended Additional and -B) and other letters of Latin Extended-B.
        corpus.Add("Tiếng Việt ứng dụng Nguyễn Đức Thắng ơn ưu ĐẠI HỌC ǍǎȀȁ Ǹǹ Ȟȟ ḃḍḟ ẞ ỳỹ");

        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE VIRTUAL TABLE words USING fts5(Text, tokenize='porter unicode61 remove_diacritics 2');" +
                                 "CREATE VIRTUAL TABLE terms USING fts5vocab(words, 'instance');";
            create.ExecuteNonQuery();
        }

        for (var i = 0; i < corpus.Count; i++)
        {
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO words(rowid, Text) VALUES ($row, $text)";
            insert.Parameters.AddWithValue("$row", i);
            insert.Parameters.AddWithValue("$text", corpus[i]);
            insert.ExecuteNonQuery();
        }

        for (var i = 0; i < corpus.Count; i++)
        {
            var fts5 = new List<string>();
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT term FROM terms WHERE doc = $row ORDER BY offset";
            read.Parameters.AddWithValue("$row", i);
            using (var reader = read.ExecuteReader())
            {
                while (reader.Read())
                {
                    fts5.Add(reader.GetString(0));
                }
            }

            Assert.Equal(fts5, KeywordTokenizer.Terms(corpus[i]));
        }
    }

    [Theory]
    [InlineData("re\u0301sume\u0301", "Writing a résumé")]
    [InlineData("\u0928\u092E\u0938\u094D\u0924\u0947", "\u0928\u092E\u0938\u094D\u0924\u0947 \u0926\u0941\u0928\u093F\u092F\u093E")]
    [InlineData("\u0643\u064E\u062A\u064E\u0628\u064E", "\u0643\u062A\u0628 \u0627\u0644\u0637\u0627\u0644\u0628")]
    public void AQueryIsSplitIntoWordsAsTheChunksWere(string query, string text)
    {
        // Combining marks stay inside a word (and are then removed), on both sides: a regex split at them found nothing.
        var index = new KeywordIndex();
        index.Add([(1, text), (2, "an unrelated chunk about pumps"), (3, "another one about valves")]);

        var found = index.Search(KeywordSearch.QueryTerms(query), 10);

        Assert.Equal([1L], found.Select(match => match.ChunkId));
    }

    [Fact]
    public void TiesComeOutTheSameWhateverTheOrderOfIntake()
    {
        // Many chunks share a text (boilerplate), so many scores tie; summing a chunk's term scores in an order that
        // depended on the search's progress made equal texts differ in the last bit, and pruning then dropped some.
        var vocabulary = Enumerable.Range(0, 40).Select(i => $"w{i:D3}x").ToArray();
        for (var seed = 0; seed < 8; seed++)
        {
            var random = new Random(seed);
            var texts = Enumerable.Range(0, 300).Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(3, 30))
                .Select(_ => vocabulary[(int)(vocabulary.Length * Math.Pow(random.NextDouble(), 2))]))).ToArray();
            var chunks = Enumerable.Range(0, 3_000).Select(_ => (random.NextInt64(1, long.MaxValue), texts[random.Next(texts.Length)])).ToList();
            var forward = new KeywordIndex();
            foreach (var batch in chunks.Chunk(500))
            {
                forward.Add(batch);
            }

            var backward = new KeywordIndex();
            foreach (var batch in Enumerable.Reverse(chunks).Chunk(500))
            {
                backward.Add(batch);
            }

            for (var query = 0; query < 100; query++)
            {
                var terms = Enumerable.Range(0, random.Next(3, 7)).Select(_ => KeywordTokenizer.TermOf(vocabulary[random.Next(vocabulary.Length)])!)
                    .Distinct().ToList();
                var limit = new[] { 1, 3, 10 }[query % 3];
                Assert.Equal(forward.Search(terms, limit).Select(m => m.ChunkId), backward.Search(terms, limit).Select(m => m.ChunkId));
            }
        }
    }

    [Fact]
    public void PrunedTopKEqualsExhaustiveBm25OnARandomCorpus()
    {
        var random = new Random(16);
        var vocabulary = Enumerable.Range(0, 400).Select(i => "w" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture) + "x").ToArray();
        var index = new KeywordIndex();
        var live = new Dictionary<long, string>();
        var chunks = new List<(long, string)>();
        for (var i = 0; i < 6_000; i++)
        {
            // Zipf-like: low word numbers are common, high ones rare; lengths vary so BM25's length term matters.
            var words = Enumerable.Range(0, random.Next(5, 120)).Select(_ => vocabulary[(int)(vocabulary.Length * Math.Pow(random.NextDouble(), 3))]);
            chunks.Add((1_000_000 + i, string.Join(' ', words)));
        }

        // Several batches, as ingestion adds them, with deletions in between.
        foreach (var batch in chunks.Chunk(700))
        {
            index.Add(batch);
            var removed = batch.Where((_, j) => j % 9 == 0).Select(c => c.Item1).ToList();
            index.Remove(removed);
            foreach (var (id, text) in batch.Where(c => !removed.Contains(c.Item1)))
            {
                live[id] = text;
            }
        }

        var reference = new Bm25Reference(live);
        for (var q = 0; q < 300; q++)
        {
            var terms = Enumerable.Range(0, random.Next(1, 7)).Select(_ => vocabulary[(int)(vocabulary.Length * Math.Pow(random.NextDouble(), 1.5))]).ToList();
            var limit = new[] { 1, 5, 10, 40 }[q % 4];

            var pruned = index.Search([.. terms.Select(t => KeywordTokenizer.TermOf(t)!)], limit);
            var expected = reference.Search(terms, limit);

            AssertSameRanking(expected, pruned);

            // Every term first: the chunks with all of them, then (to fill the limit) the best of the rest.
            var everyTermFirst = index.SearchEveryTermFirst([.. terms.Select(t => KeywordTokenizer.TermOf(t)!)], limit, fillTo: limit);
            var withAll = reference.Search(terms, limit, everyTerm: true);
            var expectedEveryTermFirst = withAll.Concat(expected.Concat(reference.Search(terms, limit * 2)).Where(e => !withAll.Contains(e)).Distinct()).Take(limit).ToList();
            AssertSameRanking(expectedEveryTermFirst, everyTermFirst);

            // A filter (the chunks of the documents a search filter allows) is applied inside the pruned search;
            // statistics stay those of all the tenant's chunks.
            var allowed = live.Keys.Where(_ => random.Next(q % 3 == 0 ? 50 : 3) == 0).ToHashSet();
            AssertSameRanking(reference.Search(terms, limit, allowed: allowed), index.Search([.. terms.Select(t => KeywordTokenizer.TermOf(t)!)], limit, allowed));
        }
    }

    private static void AssertSameRanking(List<(long ChunkId, double Score)> expected, List<VectorMatch> found)
    {
        Assert.Equal(expected.Count, found.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Score, found[i].Score, 1e-4);
            // Equal scores may come in either order.
            if ((i == 0 || Math.Abs(expected[i - 1].Score - expected[i].Score) > 1e-4) && (i + 1 == expected.Count || Math.Abs(expected[i].Score - expected[i + 1].Score) > 1e-4))
            {
                Assert.Equal(expected[i].ChunkId, found[i].ChunkId);
            }
        }
    }

    /// <summary>FTS5's bm25() computed directly from the texts, every chunk scored; with the search's plan for words in more than half of the chunks.</summary>
    private sealed class Bm25Reference(Dictionary<long, string> chunks)
    {
        private readonly Dictionary<long, List<string>> _terms = chunks.ToDictionary(c => c.Key, c => KeywordTokenizer.Terms(c.Value));

        public List<(long ChunkId, double Score)> Search(List<string> words, int limit, bool everyTerm = false, IReadOnlySet<long>? allowed = null)
        {
            var n = (double)_terms.Count;
            var average = _terms.Values.Average(t => t.Count);
            var terms = words.Select(w => KeywordTokenizer.TermOf(w)!).GroupBy(t => t)
                .Select(g => (Term: g.Key, Times: g.Count(), Chunks: _terms.Values.Count(c => c.Contains(g.Key))))
                .Where(t => t.Chunks > 0).ToList();
            if (terms.Exists(t => t.Chunks * 2 <= n))
            {
                terms.RemoveAll(t => t.Chunks * 2 > n);
            }

            var scores = new List<(long, double)>();
            foreach (var (chunkId, chunkTerms) in _terms)
            {
                if (allowed is not null && !allowed.Contains(chunkId))
                {
                    continue;
                }

                var score = 0.0;
                var matched = false;
                foreach (var (term, times, containing) in terms)
                {
                    var frequency = chunkTerms.Count(t => t == term);
                    if (frequency == 0)
                    {
                        continue;
                    }

                    matched = true;
                    var idf = Math.Log((n - containing + 0.5) / (containing + 0.5));
                    idf = idf <= 0 ? 1e-6 : idf;
                    score += times * idf * frequency * 2.2 / (frequency + 1.2 * (0.25 + 0.75 * chunkTerms.Count / average));
                }

                if (matched && (!everyTerm || terms.TrueForAll(t => chunkTerms.Contains(t.Term))))
                {
                    scores.Add((chunkId, score));
                }
            }

            return [.. scores.OrderByDescending(s => s.Item2).Take(limit)];
        }
    }

    [Fact]
    public void TheBestChunkIsFoundHoweverManyNewerChunksHaveTheWord()
    {
        var index = new KeywordIndex();
        index.Add([(1, "The zorblax valve: zorblax valve, zorblax valve.")]);
        index.Add([.. Enumerable.Range(2, 5_000).Select(i => ((long)i, $"Entry {i} of the log mentions a valve once among many other words of the day."))]);

        Assert.Equal(1, index.Search(["valv"], 10)[0].ChunkId);
        Assert.Equal(1, index.Search(["zorblax", "valv"], 10)[0].ChunkId);
    }

    [Fact]
    public void AFilteredSearchFillsTopKWithAllowedChunks()
    {
        var index = new KeywordIndex();
        index.Add([.. Enumerable.Range(1, 3_000).Select(i => ((long)i, i % 100 == 0 ? "a pump report" : "pump pump pump pump"))]);
        var allowed = Enumerable.Range(1, 3_000).Where(i => i % 100 == 0).Select(i => (long)i).ToHashSet();

        var found = index.Search(["pump", "report"], 10, allowed);

        Assert.Equal(10, found.Count);
        Assert.All(found, match => Assert.Contains(match.ChunkId, allowed));
    }

    [Fact]
    public void RemovedChunksAreNotFoundAndLeaveTheStatistics()
    {
        var index = new KeywordIndex();
        index.Add([(1, "red pump"), (2, "red valve"), (3, "blue valve"), (4, "green hose")]);
        Assert.Equal(2, index.DocumentFrequency("valv"));

        index.Remove([2, 99]);

        Assert.Equal(1, index.DocumentFrequency("valv"));
        Assert.Equal(3, index.Count);
        Assert.Equal([3L], index.Search(["valv"], 10).Select(m => m.ChunkId));
    }

    [Fact]
    public async Task ReadersSearchWhileAWriterAddsAndRemoves()
    {
        var index = new KeywordIndex();
        var words = new[] { "pump", "valve", "hose", "filter", "gauge", "seal" };
        var added = new System.Collections.Concurrent.ConcurrentDictionary<long, bool>();
        using var done = new CancellationTokenSource();
        var writer = Task.Run(() =>
        {
            var random = new Random(3);
            for (var batch = 0; batch < 300; batch++)
            {
                var chunks = Enumerable.Range(0, 20).Select(i => ((long)(batch * 20 + i + 1),
                    string.Join(' ', Enumerable.Range(0, random.Next(3, 40)).Select(_ => words[random.Next(words.Length)])))).ToList();
                foreach (var (id, _) in chunks)
                {
                    added[id] = true;
                }

                index.Add(chunks);
                index.Remove(chunks.Where(c => c.Item1 % 7 == 0).Select(c => c.Item1).ToList());
            }

            done.Cancel();
        }, TestContext.Current.CancellationToken);

        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var searches = 0;
            while (!done.IsCancellationRequested || searches == 0)
            {
                var found = r == 0 ? index.Search(["pump", "valv"], 10) : index.SearchEveryTermFirst(["gaug", "seal", "hose"], 10, 10);
                Assert.True(found.Count <= 10);
                Assert.All(found, match => Assert.True(added.ContainsKey(match.ChunkId)));
                Assert.True(found.Zip(found.Skip(1)).All(pair => pair.First.Score >= pair.Second.Score) || r == 1);
                searches++;
            }

            return searches;
        }, TestContext.Current.CancellationToken)).ToList();

        await writer;
        Assert.All(await Task.WhenAll(readers), searches => Assert.True(searches > 0));
        Assert.Equal(6_000 - 6_000 / 7, index.Count);
    }

    [Fact]
    public void ACompactedIndexFindsTheSameWithoutTheRemovedChunks()
    {
        var random = new Random(5);
        var words = Enumerable.Range(0, 60).Select(i => "term" + (char)('a' + i % 26) + (char)('a' + i / 26)).ToArray();
        var index = new KeywordIndex();
        index.Add([.. Enumerable.Range(1, 4_000).Select(i => ((long)i, string.Join(' ', Enumerable.Range(0, random.Next(5, 50)).Select(_ => words[(int)(60 * Math.Pow(random.NextDouble(), 2))]))))]);
        index.Remove([.. Enumerable.Range(1, 4_000).Where(i => i % 3 != 0).Select(i => (long)i)]);
        var queries = Enumerable.Range(0, 50).Select(_ => Enumerable.Range(0, random.Next(1, 4)).Select(_ => KeywordTokenizer.TermOf(words[random.Next(60)])!).ToList()).ToList();
        var before = queries.Select(q => index.Search(q, 10)).ToList();

        var compacted = index.Compacted();

        Assert.Equal(0, compacted.RemovedCount);
        Assert.Equal(index.Count, compacted.Count);
        Assert.True(compacted.EstimatedBytes() < index.EstimatedBytes());
        for (var q = 0; q < queries.Count; q++)
        {
            Assert.Equal(before[q], compacted.Search(queries[q], 10));
        }

        // The old index still answers, for the searches that hold it.
        Assert.Equal(before[0], index.Search(queries[0], 10));
    }

    [Fact]
    public void AnotherTenantsChunksNeverChangeATenantsResultsOrScores()
    {
        var indexes = new KeywordIndexes(Microsoft.Extensions.Logging.Abstractions.NullLogger<KeywordIndexes>.Instance);
        indexes.Add(1, [(11, "the coolant pump of the reactor"), (12, "reactor hall cleaning"), (13, "coolant leak report")]);
        Assert.True(indexes.TryGetReady(1, out var first));
        var before = first.SearchEveryTermFirst(["coolant", "reactor"], 10, 10);
        Assert.Equal([11L, 12, 13], before.Select(m => m.ChunkId).Order());

        // Many chunks with both words, better matches than the first tenant's: they would change its idf and ranking.
        indexes.Add(2, [.. Enumerable.Range(100, 500).Select(i => ((long)i, "coolant reactor coolant reactor"))]);
        indexes.Remove(2, [100, 101]);

        Assert.True(indexes.TryGetReady(1, out var again));
        Assert.Equal(before, again.SearchEveryTermFirst(["coolant", "reactor"], 10, 10));
        Assert.Equal(3, again.Count);
        Assert.True(indexes.TryGetReady(2, out var second));
        Assert.DoesNotContain(second.Search(["coolant", "reactor"], 1_000), match => match.ChunkId < 100);
    }
}
