using System.ComponentModel.DataAnnotations;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>
/// A chunk found for a query, with its document's title, where it sits in the document's text (character offsets,
/// pages when the document has them), its score (cosine, BM25 or fused, by mode: it orders the results) and its
/// calibrated <see cref="Relevance"/> (0-1, comparable across queries: <see cref="RelevanceModel"/>).
/// </summary>
public sealed record RetrievedChunk(
    long ChunkId, long DocumentId, string Title, string Text, int StartOffset, int EndOffset, int? PageStart, int? PageEnd, double Score,
    string HeadingPath = "")
{
    public double Relevance { get; init; }
}

public enum SearchMode
{
    Vector,
    Keyword,
    Hybrid,
}

public sealed class SearchOptions
{
    public const string Section = "Search";

    /// <summary>Weight of the vector ranking in hybrid reciprocal-rank fusion.</summary>
    [Range(0.0, 10.0)]
    public double VectorWeight { get; set; } = 1.0;

    /// <summary>Weight of the keyword (BM25) ranking in hybrid reciprocal-rank fusion.</summary>
    [Range(0.0, 10.0)]
    public double KeywordWeight { get; set; } = 1.0;

    /// <summary>The k of reciprocal-rank fusion: 1 / (k + rank); larger flattens the difference between ranks.</summary>
    [Range(1, 1000)]
    public int FusionK { get; set; } = 60;

    /// <summary>
    /// A filtered vector search whose filter matches at most this many chunks scores every one of them exactly;
    /// above it, the index's filtered graph search runs, falling back to exact scoring when it finds too few.
    /// Exact scoring costs about 0.3-1 µs per matching chunk; the graph search gets slower as the matching share of
    /// the index shrinks. They cross near 3,000 chunks in a 20k index and 7,000 in a 100k one
    /// (docs/vector-index-notes.md). 0 sends every filtered search to the graph first.
    /// </summary>
    [Range(0, 10_000_000)]
    public int ExactSearchMaxChunks { get; set; } = 10_000;

    /// <summary>
    /// How <c>/generate</c> finds its passages. Hybrid costs a keyword search on top of the vector one on every request
    /// (about 0.3 ms at 100k chunks, 4 ms at 1M: docs/benchmarks.md); vector alone is the cheaper choice
    /// where a corpus has no exact terms (codes, names, numbers) worth matching.
    /// </summary>
    [EnumDataType(typeof(SearchMode))]
    public SearchMode GenerateMode { get; set; } = SearchMode.Hybrid;

    /// <summary>
    /// Chunks whose relevance is below this are dropped from search results and never reach a model; a request's
    /// <c>min_relevance</c> replaces it for that search. Chosen from the evaluation set (docs/benchmarks.md).
    /// </summary>
    [Range(0.0, 1.0)]
    public double MinRelevance { get; set; } = DefaultMinRelevance;

    public const double DefaultMinRelevance = 0.3;
}

/// <summary>
/// Finds a tenant's chunks by meaning (vector), by words (BM25 over its keyword index) or both, fused by reciprocal rank:
/// score = Σ weight / (k + rank) over the rankings a chunk appears in.
/// The tenant and the filter are applied inside each search (<see cref="IRetrievalStore"/>), never to its results, so
/// top-k is filled with the tenant's matching chunks.
/// Every result then gets its relevance, and those below the bar are dropped (ordering stays by score).
/// </summary>
public sealed class ChunkSearch(
    QueryEmbeddingCache queryEmbeddings,
    IRetrievalStore store,
    IOptions<SearchOptions> options,
    IOptions<TelemetryOptions> telemetry)
{
    public async Task<IReadOnlyList<RetrievedChunk>> SearchAsync(long tenantId, string query, int topK, SearchMode mode, SearchFilter? filter,
        double minRelevance, CancellationToken cancellationToken)
    {
        var condition = filter is { Conditions.Count: > 0 } ? SqlDocumentFilter.From(filter) : null;
        // Fusion needs more than topK candidates from each side, or a chunk ranked well by both could be missed.
        var candidates = mode == SearchMode.Hybrid ? Math.Max(topK * 4, 20) : topK;
        var words = ContentWords.Of(query).Take(KeywordSearch.MaxQueryWords).ToList();
        // The keyword side runs while the query is being embedded.
        var byWords = mode == SearchMode.Vector
            ? null
            : Task.Run(async () =>
            {
                using var span = RetrievalTelemetry.StartSearch("keyword_search", mode, candidates, query, telemetry.Value.RecordContent);
                return RetrievalTelemetry.Found(span, await store.SearchByWordsAsync(tenantId, query, candidates,
                    fillTo: mode == SearchMode.Hybrid ? topK : candidates, condition, cancellationToken));
            }, cancellationToken);
        var embedding = await queryEmbeddings.EmbedAsync(tenantId, query, cancellationToken);
        var byMeaning = mode == SearchMode.Keyword ? [] : await SearchByMeaningAsync(tenantId, query, embedding, candidates, mode, condition, cancellationToken);
        var ranked = mode switch
        {
            SearchMode.Vector => byMeaning,
            SearchMode.Keyword => await byWords!,
            // For fusion the keyword side only needs to fill topK: the vector side supplies the rest of the candidates.
            _ => Fuse(byMeaning, await byWords!, topK, options.Value),
        };

        if (ranked.Count == 0)
        {
            return [];
        }

        var rows = await store.GetChunksAsync(tenantId, ranked, cancellationToken);
        // The vector ranking has the cosine of most results already; only chunks found by their words alone are scored.
        var similarities = new Dictionary<long, double>(byMeaning.Count + ranked.Count);
        foreach (var match in byMeaning)
        {
            similarities[match.ChunkId] = match.Score;
        }

        var unscored = ranked.Where(match => !similarities.ContainsKey(match.ChunkId)).Select(match => match.ChunkId).ToList();
        if (unscored.Count > 0)
        {
            foreach (var match in await store.ScoreAsync(tenantId, embedding, unscored, cancellationToken))
            {
                similarities[match.ChunkId] = match.Score;
            }
        }

        // After the keyword search, which counted the same words: their weights come from its cache.
        var weights = await store.WordWeightsAsync(tenantId, words, cancellationToken);

        // A chunk deleted between search and lookup is skipped rather than cited.
        var results = new List<RetrievedChunk>(ranked.Count);
        foreach (var match in ranked)
        {
            if (rows.TryGetValue(match.ChunkId, out var row))
            {
                var relevance = RelevanceModel.Of(similarities.GetValueOrDefault(match.ChunkId), ContentWords.ShareFoundIn(words, row.Text, weights));
                if (relevance >= minRelevance)
                {
                    results.Add(row with { Score = match.Score, Relevance = relevance });
                }
            }
        }

        return results;
    }

    private async Task<IReadOnlyList<VectorMatch>> SearchByMeaningAsync(long tenantId, string query, ReadOnlyMemory<float> embedding, int candidates,
        SearchMode mode, SqlDocumentFilter? condition, CancellationToken cancellationToken)
    {
        using var span = RetrievalTelemetry.StartSearch("vector_search", mode, candidates, query, telemetry.Value.RecordContent);
        return RetrievalTelemetry.Found(span, await store.SearchByMeaningAsync(tenantId, embedding, candidates, condition, cancellationToken));
    }

    /// <summary>Reciprocal-rank fusion of the two rankings, best first, at most <paramref name="topK"/>.</summary>
    internal static List<VectorMatch> Fuse(IReadOnlyList<VectorMatch> vector, IReadOnlyList<VectorMatch> keyword, int topK, SearchOptions settings)
    {
        var scores = new Dictionary<long, double>();
        Add(vector, settings.VectorWeight);
        Add(keyword, settings.KeywordWeight);
        // Equal fused scores are common (rank r on one side only, or ranks swapped between the sides). They are broken
        // by the keyword ranking, then the vector ranking: chunk ids are random, so ordering ties by id made the top
        // result of such a query a coin toss per ingestion. Keyword first because on the evaluation set it is the
        // better ranking alone (MRR@5 0.706 against 0.621), and hybrid MRR@5 came out 0.722 that way, 0.714 vector
        // first (docs/benchmarks.md, issue 16).
        var vectorRanks = Ranks(vector);
        var keywordRanks = Ranks(keyword);
        return [.. scores.OrderByDescending(s => s.Value)
            .ThenBy(s => keywordRanks.GetValueOrDefault(s.Key, int.MaxValue))
            .ThenBy(s => vectorRanks.GetValueOrDefault(s.Key, int.MaxValue))
            .ThenBy(s => s.Key)
            .Take(topK)
            .Select(s => new VectorMatch(s.Key, (float)s.Value))];

        void Add(IReadOnlyList<VectorMatch> ranking, double weight)
        {
            for (var rank = 0; rank < ranking.Count; rank++)
            {
                scores[ranking[rank].ChunkId] = scores.GetValueOrDefault(ranking[rank].ChunkId) + weight / (settings.FusionK + rank + 1);
            }
        }

        static Dictionary<long, int> Ranks(IReadOnlyList<VectorMatch> ranking)
        {
            var ranks = new Dictionary<long, int>(ranking.Count);
            for (var rank = 0; rank < ranking.Count; rank++)
            {
                ranks.TryAdd(ranking[rank].ChunkId, rank);
            }

            return ranks;
        }
    }
}
