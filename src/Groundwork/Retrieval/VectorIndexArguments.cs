namespace Groundwork.Retrieval;

/// <summary>Argument checks shared by the <see cref="IVectorIndex"/> implementations, done before anything changes.</summary>
internal static class VectorIndexArguments
{
    public static void ValidateUpsert(IReadOnlyList<long> chunkIds, IReadOnlyList<ReadOnlyMemory<float>> vectors, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        ArgumentNullException.ThrowIfNull(vectors);
        if (chunkIds.Count != vectors.Count)
        {
            throw new ArgumentException($"Got {chunkIds.Count} chunk ids but {vectors.Count} vectors.", nameof(vectors));
        }

        for (var i = 0; i < chunkIds.Count; i++)
        {
            if (chunkIds[i] < 0)
            {
                throw new ArgumentException($"Chunk id {chunkIds[i]} is negative.", nameof(chunkIds));
            }

            if (vectors[i].Length != dimensions)
            {
                throw new ArgumentException(
                    $"The vector of chunk {chunkIds[i]} has {vectors[i].Length} dimensions; the index has {dimensions}.", nameof(vectors));
            }
        }
    }

    public static void ValidateSearch(ReadOnlySpan<float> query, int topK, int dimensions)
    {
        if (query.Length != dimensions)
        {
            throw new ArgumentException($"The query has {query.Length} dimensions; the index has {dimensions}.", nameof(query));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(topK);
    }
}
