using Microsoft.Extensions.AI;

namespace Groundwork.Retrieval;

/// <summary>A chunk chosen for a query, with its document's title and its similarity to the query.</summary>
public sealed record RetrievedChunk(long ChunkId, long DocumentId, string Title, string Text, double Score);

/// <summary>Embeds a query and returns the most similar chunks, best first.</summary>
public sealed class ChunkRetriever(
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    ChunkIndex index,
    ChunkStore store)
{
    public async Task<IReadOnlyList<RetrievedChunk>> RetrieveAsync(string query, int topK, CancellationToken cancellationToken)
    {
        var embedding = await embedder.GenerateVectorAsync(query, cancellationToken: cancellationToken);
        var matches = await index.SearchAsync(embedding, topK, cancellationToken);
        if (matches.Count == 0)
        {
            return [];
        }

        var rows = await store.GetAsync(matches, cancellationToken);

        // A chunk deleted between search and lookup is skipped rather than cited.
        var results = new List<RetrievedChunk>(matches.Count);
        foreach (var match in matches)
        {
            if (rows.TryGetValue(match.ChunkId, out var row))
            {
                results.Add(row with { Score = match.Score });
            }
        }

        return results;
    }
}
