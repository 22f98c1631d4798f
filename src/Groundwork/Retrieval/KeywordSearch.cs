using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Groundwork.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>
/// Finds chunks by their words: BM25 over the SQLite FTS5 index of chunk text, best first.
/// Each word is quoted, so query text is never read as FTS syntax.
/// </summary>
/// <remarks>
/// FTS5 scores every row its expression matches (about 1 µs each), and a question's words joined by OR match most
/// of a large index. So a search runs in two steps, like Lucene's common-terms query:
/// <list type="number">
/// <item>the chunks that contain every word, by BM25 over all the words; cheap, because FTS5 intersects the word
/// lists before scoring;</item>
/// <item>only if that finds fewer than asked: chunks that contain any of the rarest words, as many of them as match
/// at most <see cref="SearchOptions.KeywordMaxScoredRows"/> chunks together (the rarest one at least), by BM25 over
/// those words. Frequent words weigh little in BM25 anyway.</item>
/// </list>
/// Either step ranks at most <see cref="SearchOptions.KeywordMaxScoredRows"/> chunks: when more contain its words, the
/// most recently added of them (the highest keyword rows). Words that common carry little BM25 weight, and the cost of a
/// query would otherwise grow with the corpus (65 ms for four words in 58 % of 100,000 chunks).
/// Only the first <see cref="MaxQueryWords"/> distinct words count.
/// English function words are left out (unless the query has nothing else), and so are words no chunk contains and,
/// while rarer ones remain, words in more than half of the chunks (BM25 weighs them at zero).
/// How many chunks contain a word is counted once and kept for <see cref="WordCountLifetime"/>: it only steers the
/// plan, so a slightly old count costs at most some speed. That no chunk contains a word is kept until the tenant's
/// chunks change (<see cref="ChunksChanged"/>, after the commit), since such a word is left out of the search: questions
/// often have words the documents lack, and counting them again on every request cost more than the search.
/// Everything is per tenant: each has its own FTS5 table (<see cref="KeywordTables"/>: its own BM25 statistics), its
/// own chunk count for the half-of-the-chunks rule and its own cache of word counts.
/// </remarks>
public sealed partial class KeywordSearch(ChunkIndex index, KeywordTables tables, IOptions<StorageOptions> storage, IOptions<SearchOptions> options)
{
    /// <summary>Distinct words of a query that are searched for; the rest are ignored.</summary>
    public const int MaxQueryWords = 32;

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
    /// Up to <paramref name="limit"/> chunks for <paramref name="query"/>, chunks with every word first. The second
    /// step (chunks with some of the words) runs only when the first finds fewer than <paramref name="fillTo"/>.
    /// With a <paramref name="filter"/>, only chunks whose document meets it are considered: the condition is part of
    /// each query, so the limit is filled with matching chunks.
    /// </summary>
    public async Task<IReadOnlyList<VectorMatch>> SearchAsync(long tenantId, string query, int limit, int fillTo, SqlDocumentFilter? filter,
        CancellationToken cancellationToken)
    {
        var allWords = WordPattern().Matches(query).Select(m => m.Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
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
        var maxScored = options.Value.KeywordMaxScoredRows;
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

                weights[i] = Math.Log(1 + (chunkCount - containing + 0.5) / (containing + 0.5));
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

    /// <summary>
    /// The best <paramref name="limit"/> chunks by BM25 among those matching <paramref name="expression"/> (and the
    /// filter), or, when more than <see cref="SearchOptions.KeywordMaxScoredRows"/> match, among the most recently added that many.
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
            window.Parameters.AddWithValue("$last", options.Value.KeywordMaxScoredRows - 1);
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

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();
}
