using System.Collections.Concurrent;
using Groundwork.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>
/// Finds chunks by their words: BM25 over every chunk of the tenant that has any of the query's words, best first,
/// from the tenant's in-memory <see cref="KeywordIndex"/> (top-k pruned, so the cost does not grow with every match).
/// </summary>
/// <remarks>
/// A query's words are its content words (English function words are left out unless it has nothing else; only the
/// first <see cref="MaxQueryWords"/> distinct words count; words in more than half of the chunks are left out while
/// rarer ones remain, as their BM25 weight is the floor). The chunks that have every word come first, by BM25; only
/// when they are fewer than asked do the best chunks with any of the words follow (BM25 over the OR of the words).
/// Plain BM25 over the OR of the words, tried when the index came, scored a little lower on the evaluation set
/// (keyword MRR@5 0.699 against 0.706; docs/benchmarks.md, "Keyword search with top-k pruning").
/// With a filter, the matching chunk ids are read once and checked in the scoring loop, so top k is filled with
/// matching chunks.
/// <para>Until a tenant's index is built at start-up (<see cref="KeywordIndexes"/>) its searches take the FTS5 path
/// described below, over the tenant's FTS5 table (<see cref="KeywordTables"/>), which stays written for that.</para>
/// <para>The FTS5 path: FTS5 scores every row its expression matches (about 1 µs each), so it runs in two steps:
/// the chunks that contain every word, by BM25 over all the words; then, only if that finds fewer than asked, chunks
/// that contain any of the rarest words, as many of them as match at most <see cref="FallbackMaxScoredRows"/> chunks
/// together. Either step ranks at most that many chunks: the most recently added of those matching.
/// How many chunks contain a word is counted once and kept for <see cref="WordCountLifetime"/>; that no chunk
/// contains a word is kept until the tenant's chunks change (<see cref="ChunksChanged"/>).</para>
/// </remarks>
public sealed class KeywordSearch(ChunkIndex index, KeywordTables tables, KeywordIndexes indexes, ChunkStore rows, IOptions<StorageOptions> storage)
{
    /// <summary>Distinct words of a query that are searched for; the rest are ignored.</summary>
    public const int MaxQueryWords = 32;

    /// <summary>Most chunks one step of the FTS5 path ranks.</summary>
    internal const int FallbackMaxScoredRows = 2_000;

    private const int WordCountCapacity = 10_000;
    private static readonly TimeSpan WordCountLifetime = TimeSpan.FromSeconds(30);

    private readonly string _connectionString = InfrastructureRegistration.ConnectionString(storage.Value);
    private readonly ConcurrentDictionary<long, ConcurrentDictionary<string, (long Chunks, long CountedAt)>> _chunksWithWord = new();

    /// <summary>
    /// Forgets the tenant's word counts; call it after a transaction that added chunks commits. A search still running
    /// keeps writing into the counts it started with, which are dropped here, so no count from before the commit survives it.
    /// </summary>
    public void ChunksChanged(long tenantId) => _chunksWithWord.TryRemove(tenantId, out _);

    /// <summary>
    /// Up to <paramref name="limit"/> chunks for <paramref name="query"/> by BM25. With a <paramref name="filter"/>,
    /// only chunks whose document meets it are considered, so the limit is filled with matching chunks. On the FTS5
    /// path, the second step (chunks with some of the words) runs only when the first finds fewer than <paramref name="fillTo"/>.
    /// </summary>
    public async Task<IReadOnlyList<VectorMatch>> SearchAsync(long tenantId, string query, int limit, int fillTo, SqlDocumentFilter? filter,
        CancellationToken cancellationToken)
    {
        if (indexes.TryGetReady(tenantId, out var keywordIndex))
        {
            var terms = QueryTerms(query);
            if (terms.Count == 0)
            {
                return [];
            }

            IReadOnlySet<long>? allowed = null;
            if (filter is not null)
            {
                var matching = await rows.ChunkIdsMatchingAsync(tenantId, filter, cancellationToken);
                if (matching.Count == 0)
                {
                    return [];
                }

                allowed = matching;
            }

            return keywordIndex.SearchEveryTermFirst(terms, limit, fillTo, allowed);
        }

        return await SearchFts5Async(tenantId, query, limit, fillTo, filter, cancellationToken);
    }

    /// <summary>
    /// The index terms of the query's first <see cref="MaxQueryWords"/> distinct content words (all words when it has
    /// no content words); words of one stem each give their term, which then weighs as many times, as on the FTS5 path.
    /// </summary>
    internal static List<string> QueryTerms(string query)
    {
        // Split as the chunks were (KeywordTokenizer keeps combining marks inside a word, as FTS5 does), not by a regex.
        var allWords = KeywordTokenizer.Words(query).Select(word => word.ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        var contentWords = allWords.Where(word => !ContentWords.IsStopWord(word)).ToList();
        return [.. (contentWords.Count > 0 ? contentWords : allWords).Take(MaxQueryWords)
            .Select(KeywordTokenizer.TermOf).OfType<string>()];
    }

    private async Task<IReadOnlyList<VectorMatch>> SearchFts5Async(long tenantId, string query, int limit, int fillTo, SqlDocumentFilter? filter,
        CancellationToken cancellationToken)
    {
        var allWords = KeywordTokenizer.Words(query).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var contentWords = allWords.Where(word => !ContentWords.IsStopWord(word)).ToList();
        // Each word costs a count the first time it is seen: a long text is searched by its first words only.
        var candidates = (contentWords.Count > 0 ? contentWords : allWords).Take(MaxQueryWords).ToList();
        if (candidates.Count == 0)
        {
            return [];
        }

        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        if (!await tables.ExistsAsync(connection, tenantId, cancellationToken))
        {
            return [];
        }

        var counts = WordCounts(tenantId);
        var words = new List<(string Word, long Chunks)>(candidates.Count);
        foreach (var word in candidates)
        {
            var chunks = await ChunksWithWordAsync(connection, tenantId, counts, word, cancellationToken);
            if (chunks > 0)
            {
                words.Add((word, chunks));
            }
        }

        if (words.Count == 0)
        {
            return [];
        }

        // FTS5's BM25 gives a word found in more than half of the chunks no weight (its idf is clamped to ~0), yet
        // still walks the word's whole list of chunks on every query: leave such words out while others remain.
        var chunkCount = await index.CountAsync(tenantId, cancellationToken);
        if (words.Exists(word => word.Chunks * 2 <= chunkCount))
        {
            words.RemoveAll(word => word.Chunks * 2 > chunkCount);
        }

        words.Sort((a, b) => a.Chunks.CompareTo(b.Chunks));
        const int maxScored = FallbackMaxScoredRows;
        var found = await RankAsync(connection, tenantId, string.Join(" AND ", words.Select(w => Quote(w.Word))), limit,
            mayMatchMoreThanMax: words[0].Chunks > maxScored, filter, cancellationToken);
        if (found.Count >= Math.Min(fillTo, limit) || words.Count == 1)
        {
            return found;
        }

        var rarest = new List<string> { words[0].Word };
        var rows = words[0].Chunks;
        for (var i = 1; i < words.Count && rows + words[i].Chunks <= maxScored; i++)
        {
            rows += words[i].Chunks;
            rarest.Add(words[i].Word);
        }

        var some = await RankAsync(connection, tenantId, string.Join(" OR ", rarest.Select(Quote)), limit,
            mayMatchMoreThanMax: rows > maxScored, filter, cancellationToken);
        var seen = found.Select(match => match.ChunkId).ToHashSet();
        foreach (var match in some)
        {
            if (found.Count == limit)
            {
                break;
            }

            if (seen.Add(match.ChunkId))
            {
                found.Add(match);
            }
        }

        return found;
    }

    /// <summary>
    /// The inverse document frequency of each word, ln(1 + (N - n + 0.5) / (n + 0.5)) for n of the N chunks containing
    /// it (BM25's, kept positive): a word in every chunk weighs almost nothing, a word in none weighs most.
    /// </summary>
    public async Task<IReadOnlyList<double>> WordWeightsAsync(long tenantId, IReadOnlyList<string> words, CancellationToken cancellationToken)
    {
        if (indexes.TryGetReady(tenantId, out var keywordIndex))
        {
            var chunks = (double)keywordIndex.Count;
            return [.. words.Select(word => Idf(chunks, KeywordTokenizer.TermOf(word) is { } term ? keywordIndex.DocumentFrequency(term) : 0))];
        }

        var counts = WordCounts(tenantId);
        var chunkCount = (double)await index.CountAsync(tenantId, cancellationToken);
        var weights = new double[words.Count];
        SqliteConnection? connection = null;
        try
        {
            for (var i = 0; i < words.Count; i++)
            {
                // Usually every count is known from the keyword search that just ran: no connection is opened then.
                if (!TryGetKnownCount(counts, words[i], out var containing))
                {
                    if (connection is null)
                    {
                        connection = new SqliteConnection(_connectionString);
                        await connection.OpenAsync(cancellationToken);
                    }

                    containing = await tables.ExistsAsync(connection, tenantId, cancellationToken)
                        ? await ChunksWithWordAsync(connection, tenantId, counts, words[i], cancellationToken)
                        : 0;
                }

                weights[i] = Idf(chunkCount, containing);
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }

        return weights;
    }

    private static double Idf(double chunks, long containing) => Math.Log(1 + (chunks - containing + 0.5) / (containing + 0.5));

    /// <summary>
    /// The best <paramref name="limit"/> chunks by BM25 among those matching <paramref name="expression"/> (and the
    /// filter), or, when more than <see cref="FallbackMaxScoredRows"/> match, among the most recently added that many.
    /// </summary>
    private async Task<List<VectorMatch>> RankAsync(SqliteConnection connection, long tenantId, string expression, int limit,
        bool mayMatchMoreThanMax, SqlDocumentFilter? filter, CancellationToken cancellationToken)
    {
        var fts = KeywordTables.Name(tenantId);
        // The table's rows are the chunks' keyword rows (KeywordTables); their ids are looked up for the best only.
        var from = filter is null
            ? $"FROM {fts} WHERE {fts} MATCH $query"
            : $"FROM {fts} JOIN chunks c ON c.KeywordRow = {fts}.rowid JOIN documents d ON d.Id = c.DocumentId " +
              $"WHERE {fts} MATCH $query AND d.TenantId = $tenant AND ({filter.Condition})";
        long? oldest = null;
        if (mayMatchMoreThanMax)
        {
            // Walking the matches newest first without scoring them is cheap; the last of the window bounds the ranking.
            await using var window = connection.CreateCommand();
            window.CommandText = $"SELECT {fts}.rowid {from} ORDER BY {fts}.rowid DESC LIMIT 1 OFFSET $last";
            Bind(window);
            window.Parameters.AddWithValue("$last", FallbackMaxScoredRows - 1);
            oldest = await window.ExecuteScalarAsync(cancellationToken) as long?;
        }

        await using var command = connection.CreateCommand();
        var best = $"SELECT {fts}.rowid AS Row, bm25({fts}) AS Score {from}" +
                   (oldest is null ? "" : $" AND {fts}.rowid >= $oldest") +
                   " ORDER BY Score LIMIT $limit";
        command.CommandText = $"SELECT c.Id, best.Score FROM ({best}) AS best JOIN chunks c ON c.KeywordRow = best.Row ORDER BY best.Score";
        Bind(command);
        if (oldest is not null)
        {
            command.Parameters.AddWithValue("$oldest", oldest.Value);
        }

        command.Parameters.AddWithValue("$limit", limit);
        var matches = new List<VectorMatch>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // bm25() is lower for better matches; negate it so that, as for vectors, higher is better.
            matches.Add(new VectorMatch(reader.GetInt64(0), (float)-reader.GetDouble(1)));
        }

        return matches;

        void Bind(SqliteCommand target)
        {
            target.Parameters.AddWithValue("$query", expression);
            if (filter is not null)
            {
                target.Parameters.AddWithValue("$tenant", tenantId);
                filter.AddParametersTo(target);
            }
        }
    }

    private ConcurrentDictionary<string, (long Chunks, long CountedAt)> WordCounts(long tenantId) =>
        _chunksWithWord.GetOrAdd(tenantId, _ => new ConcurrentDictionary<string, (long, long)>(StringComparer.OrdinalIgnoreCase));

    private static bool TryGetKnownCount(ConcurrentDictionary<string, (long Chunks, long CountedAt)> counts, string word, out long chunks)
    {
        var found = counts.TryGetValue(word, out var known)
                    && (known.Chunks == 0 || Environment.TickCount64 - known.CountedAt < WordCountLifetime.TotalMilliseconds);
        chunks = found ? known.Chunks : 0;
        return found;
    }

    /// <summary>How many of the tenant's chunks contain the word, from <paramref name="counts"/> or counted and kept there.</summary>
    private static async Task<long> ChunksWithWordAsync(SqliteConnection connection, long tenantId,
        ConcurrentDictionary<string, (long Chunks, long CountedAt)> counts, string word, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        if (TryGetKnownCount(counts, word, out var knownChunks))
        {
            return knownChunks;
        }

        await using var command = connection.CreateCommand();
        // Counting walks the word's list of chunks without scoring: about 0.1 ms per 2,000 chunks.
        var fts = KeywordTables.Name(tenantId);
        command.CommandText = $"SELECT count(*) FROM {fts} WHERE {fts} MATCH $word";
        command.Parameters.AddWithValue("$word", Quote(word));
        var chunks = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (counts.Count >= WordCountCapacity)
        {
            counts.Clear();
        }

        counts[word] = (chunks, now);
        return chunks;
    }

    private static string Quote(string word) => "\"" + word + "\"";
}
