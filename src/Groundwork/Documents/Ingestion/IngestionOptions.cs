using System.ComponentModel.DataAnnotations;

namespace Groundwork.Documents.Ingestion;

public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>Queued documents taken up together; their chunks share embedding batches, so small documents go fast.</summary>
    [Range(1, 1_000)]
    public int DocumentsPerRound { get; set; } = 32;

    /// <summary>Chunks per call to the embedding model.</summary>
    [Range(1, 2_048)]
    public int EmbeddingBatchSize { get; set; } = 64;

    /// <summary>Tries per document before it is marked failed; between tries the pipeline backs off (1 s, 2 s, 4 s …, at most 30 s).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The longest a <c>?wait=true</c> upload holds its request; after that it answers 202 and ingestion goes on.</summary>
    [Range(1, 3_600)]
    public int MaxWaitSeconds { get; set; } = 300;
}
