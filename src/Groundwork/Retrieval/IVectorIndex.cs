namespace Groundwork.Retrieval;

/// <summary>A chunk found by a vector search; <see cref="Score"/> is the cosine similarity (1 = same direction).</summary>
public readonly record struct VectorMatch(long ChunkId, float Score);

/// <summary>
/// An approximate-nearest-neighbour index over chunk embeddings, keyed by chunk id.
/// SQLite holds the embeddings; an index can always be rebuilt from them.
/// Implementations are safe for concurrent searches while items are added or removed.
/// </summary>
public interface IVectorIndex : IDisposable
{
    int Dimensions { get; }

    long Count { get; }

    /// <summary>Adds or replaces the vectors of the given chunks.</summary>
    /// <exception cref="ArgumentException">
    /// The lists differ in length, a vector does not have <see cref="Dimensions"/> elements, or a chunk id is negative.
    /// Nothing is changed then.
    /// </exception>
    void Upsert(IReadOnlyList<long> chunkIds, IReadOnlyList<ReadOnlyMemory<float>> vectors);

    /// <summary>Removes the given chunks; ids not in the index are ignored.</summary>
    void Remove(IReadOnlyCollection<long> chunkIds);

    /// <summary>
    /// The <paramref name="topK"/> nearest chunks by cosine similarity, best first;
    /// fewer when the index holds fewer, none when it is empty.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="query"/> does not have <see cref="Dimensions"/> elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is not positive.</exception>
    IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int topK);

    /// <summary>
    /// The <paramref name="topK"/> nearest of <paramref name="chunkIds"/> by cosine similarity against each one's
    /// stored vector, best first: exact, and linear in the number of ids. Ids not in the index are skipped.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="query"/> does not have <see cref="Dimensions"/> elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is not positive.</exception>
    IReadOnlyList<VectorMatch> SearchExactly(ReadOnlySpan<float> query, int topK, IReadOnlyCollection<long> chunkIds);

    /// <summary>
    /// As <see cref="Search"/>, returning only chunks in <paramref name="chunkIds"/>. Approximate like
    /// <see cref="Search"/>, and it may return fewer than <paramref name="topK"/> even when more of the chunks are
    /// in the index (when the search gives up before reaching them); callers fall back to <see cref="SearchExactly"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="query"/> does not have <see cref="Dimensions"/> elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is not positive.</exception>
    IReadOnlyList<VectorMatch> SearchFiltered(ReadOnlySpan<float> query, int topK, IReadOnlySet<long> chunkIds);

    /// <summary>Writes the index to <paramref name="path"/> atomically (temp file + rename).</summary>
    void Save(string path);
}
