using Groundwork.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>
/// <see cref="IRetrievalStore"/> over SQLite: chunk rows in <c>chunks</c>, a USearch vector index per tenant
/// (<see cref="ChunkIndex"/>), an in-memory keyword index per tenant (<see cref="KeywordIndexes"/>, <see cref="KeywordSearch"/>)
/// with an FTS5 table per tenant for the time it is being built (<see cref="KeywordTables"/>) and a cache of chunk rows
/// per tenant (<see cref="ChunkStore"/>).
/// </summary>
public sealed class SqliteRetrievalStore(
    ChunkIndex index, ChunkStore rows, KeywordSearch keywords, KeywordTables keywordTables, KeywordIndexes keywordIndexes,
    IOptions<SearchOptions> options) : IRetrievalStore
{
    public async Task<IReadOnlyList<VectorMatch>> SearchByMeaningAsync(long tenantId, ReadOnlyMemory<float> query, int topK, SqlDocumentFilter? filter,
        CancellationToken cancellationToken)
    {
        if (filter is null)
        {
            return await index.SearchAsync(tenantId, query, topK, cancellationToken);
        }

        // The filter picks among the tenant's own chunks; its graph holds no one else's.
        var chunkIds = await rows.ChunkIdsMatchingAsync(tenantId, filter, cancellationToken);
        if (chunkIds.Count == 0)
        {
            return [];
        }

        if (chunkIds.Count <= options.Value.ExactSearchMaxChunks)
        {
            return await index.SearchExactlyAsync(tenantId, query, topK, chunkIds, cancellationToken);
        }

        // The graph search can stop before reaching enough matching chunks when they are few or far from the query.
        var found = await index.SearchFilteredAsync(tenantId, query, topK, chunkIds, cancellationToken);
        return found.Count >= Math.Min(topK, chunkIds.Count)
            ? found
            : await index.SearchExactlyAsync(tenantId, query, topK, chunkIds, cancellationToken);
    }

    public Task<IReadOnlyList<VectorMatch>> ScoreAsync(long tenantId, ReadOnlyMemory<float> query, IReadOnlyCollection<long> chunkIds,
        CancellationToken cancellationToken) =>
        index.SearchExactlyAsync(tenantId, query, Math.Max(1, chunkIds.Count), chunkIds, cancellationToken);

    public Task<IReadOnlyList<VectorMatch>> SearchByWordsAsync(long tenantId, string query, int limit, int fillTo, SqlDocumentFilter? filter,
        CancellationToken cancellationToken) =>
        keywords.SearchAsync(tenantId, query, limit, fillTo, filter, cancellationToken);

    public Task<IReadOnlyList<double>> WordWeightsAsync(long tenantId, IReadOnlyList<string> words, CancellationToken cancellationToken) =>
        keywords.WordWeightsAsync(tenantId, words, cancellationToken);

    public Task<Dictionary<long, RetrievedChunk>> GetChunksAsync(long tenantId, IReadOnlyList<VectorMatch> matches, CancellationToken cancellationToken) =>
        rows.GetAsync(tenantId, matches, cancellationToken);

    public Task<long> IndexedCountAsync(long tenantId, CancellationToken cancellationToken) => index.CountAsync(tenantId, cancellationToken);

    public async Task AddChunksAsync(GroundworkDbContext db, long tenantId, IReadOnlyList<ChunkEntity> chunks, IReadOnlyList<ReadOnlyMemory<float>> vectors,
        CancellationToken cancellationToken)
    {
        if (chunks.Count == 0)
        {
            return;
        }

        if (chunks.Any(chunk => chunk.TenantId != tenantId))
        {
            throw new ArgumentException("Every chunk must belong to the tenant it is stored for.", nameof(chunks));
        }

        await keywordTables.EnsureAsync(db, tenantId, cancellationToken);
        await keywordTables.NumberAsync(db, chunks, cancellationToken);
        db.Chunks.AddRange(chunks);
        await db.SaveChangesAsync(cancellationToken);
        await KeywordTables.AddAsync(db, tenantId, chunks, cancellationToken);
        // The vectors and words go into the indexes before the commit, so a document is searchable from the moment it
        // reads ready. Until the commit a search may meet their ids, which have no rows yet and are skipped.
        keywordIndexes.Add(tenantId, [.. chunks.Select(c => (c.Id, c.Text))]);
        await index.AddAsync(tenantId, [.. chunks.Select(c => c.Id)], vectors, CancellationToken.None);
    }

    public async Task<IReadOnlyList<long>> DeleteChunksOfAsync(GroundworkDbContext db, long tenantId, IReadOnlyCollection<long> documentIds,
        CancellationToken cancellationToken)
    {
        var doomed = await db.Chunks.AsNoTracking().Where(c => c.TenantId == tenantId && documentIds.Contains(c.DocumentId))
            .Select(c => new { c.Id, c.KeywordRow, c.Text }).ToListAsync(cancellationToken);
        if (doomed.Count == 0)
        {
            return [];
        }

        await keywordTables.EnsureAsync(db, tenantId, cancellationToken);
        await KeywordTables.RemoveAsync(db, tenantId, doomed.Select(c => (c.KeywordRow, c.Text)), cancellationToken);
        await db.Chunks.Where(c => c.TenantId == tenantId && documentIds.Contains(c.DocumentId)).ExecuteDeleteAsync(cancellationToken);
        return [.. doomed.Select(c => c.Id)];
    }

    public void ChunksAdded(long tenantId) => keywords.ChunksChanged(tenantId);

    public async Task ForgetAsync(long tenantId, IReadOnlyCollection<long> chunkIds)
    {
        await index.RemoveAsync(tenantId, chunkIds, CancellationToken.None);
        keywordIndexes.Remove(tenantId, chunkIds);
        rows.Evict(tenantId, chunkIds);
    }
}
