using Groundwork.Infrastructure;

namespace Groundwork.Retrieval;

/// <summary>
/// The chunk store and its indexes, scoped by tenant at every call: vector search, keyword search and chunk lookup
/// take the tenant (and the filter) and answer from that tenant's chunks alone, with the condition applied inside each
/// search rather than to a global top k; nothing can search without a tenant. It owns chunk writes too, so the rows,
/// the keyword index, the vector index and the caches change together. SQLite today
/// (<see cref="SqliteRetrievalStore"/>); this is the seam another storage (PostgreSQL) plugs into.
/// </summary>
/// <remarks>
/// Writes take the caller's <see cref="GroundworkDbContext"/>, whose transaction also holds the document's status: a
/// document's chunks and its <c>ready</c> commit together. After that transaction commits (or rolls back, to undo
/// <see cref="AddChunksAsync"/>), the caller calls <see cref="ForgetAsync"/> for the chunks that are gone, and after a
/// commit that added chunks, <see cref="ChunksAdded"/>.
/// </remarks>
public interface IRetrievalStore
{
    /// <summary>The tenant's <paramref name="topK"/> chunks nearest <paramref name="query"/> by cosine, among those whose document meets <paramref name="filter"/>.</summary>
    Task<IReadOnlyList<VectorMatch>> SearchByMeaningAsync(long tenantId, ReadOnlyMemory<float> query, int topK, SqlDocumentFilter? filter,
        CancellationToken cancellationToken);

    /// <summary>The cosine of each of the tenant's <paramref name="chunkIds"/> to <paramref name="query"/>; others' ids are skipped.</summary>
    Task<IReadOnlyList<VectorMatch>> ScoreAsync(long tenantId, ReadOnlyMemory<float> query, IReadOnlyCollection<long> chunkIds,
        CancellationToken cancellationToken);

    /// <summary>The tenant's best chunks for <paramref name="query"/>'s words by BM25 over the tenant's own statistics (<see cref="KeywordSearch"/>).</summary>
    Task<IReadOnlyList<VectorMatch>> SearchByWordsAsync(long tenantId, string query, int limit, int fillTo, SqlDocumentFilter? filter,
        CancellationToken cancellationToken);

    /// <inheritdoc cref="KeywordSearch.WordWeightsAsync"/>
    Task<IReadOnlyList<double>> WordWeightsAsync(long tenantId, IReadOnlyList<string> words, CancellationToken cancellationToken);

    /// <summary>The tenant's chunks among <paramref name="matches"/>, by id; ids of deleted or other tenants' chunks are absent.</summary>
    Task<Dictionary<long, RetrievedChunk>> GetChunksAsync(long tenantId, IReadOnlyList<VectorMatch> matches, CancellationToken cancellationToken);

    /// <summary>How many of the tenant's chunks are in its vector index.</summary>
    Task<long> IndexedCountAsync(long tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// Stores new chunks of the tenant (their embeddings among them) in <paramref name="db"/>'s transaction and puts them
    /// in the tenant's keyword and vector indexes; they are searchable by meaning at once, and their rows appear at commit.
    /// </summary>
    Task AddChunksAsync(GroundworkDbContext db, long tenantId, IReadOnlyList<ChunkEntity> chunks, IReadOnlyList<ReadOnlyMemory<float>> vectors,
        CancellationToken cancellationToken);

    /// <summary>Deletes the chunks of the tenant's <paramref name="documentIds"/> in <paramref name="db"/>'s transaction; their ids, for <see cref="ForgetAsync"/>.</summary>
    Task<IReadOnlyList<long>> DeleteChunksOfAsync(GroundworkDbContext db, long tenantId, IReadOnlyCollection<long> documentIds,
        CancellationToken cancellationToken);

    /// <summary>Takes chunks that no longer exist out of the tenant's vector index and caches.</summary>
    Task ForgetAsync(long tenantId, IReadOnlyCollection<long> chunkIds);

    /// <summary>After a transaction that added chunks of the tenant commits: drops what was remembered about the words it lacked.</summary>
    void ChunksAdded(long tenantId);
}
