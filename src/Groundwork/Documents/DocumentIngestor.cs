using System.Text.Json;
using Groundwork.Infrastructure;
using Groundwork.Retrieval;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;

namespace Groundwork.Documents;

/// <summary>Chunks, embeds and stores a document, then adds its chunks to the vector index.</summary>
public sealed class DocumentIngestor(
    Chunker chunker,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    ChunkIndex index,
    ChunkStore chunks,
    GroundworkDbContext db,
    TimeProvider clock)
{
    private const int EmbeddingBatchSize = 32;

    public async Task<DocumentEntity> IngestAsync(CreateDocumentRequest request, CancellationToken cancellationToken)
    {
        var pieces = chunker.Split(request.Text);
        var vectors = new List<ReadOnlyMemory<float>>(pieces.Count);
        foreach (var batch in pieces.Chunk(EmbeddingBatchSize))
        {
            var embeddings = await embedder.GenerateAsync(batch.Select(p => p.Text), cancellationToken: cancellationToken);
            vectors.AddRange(embeddings.Select(e => e.Vector));
        }

        var document = new DocumentEntity
        {
            Title = request.Title,
            Text = request.Text,
            MetadataJson = JsonSerializer.Serialize(request.Metadata ?? []),
            TagsJson = JsonSerializer.Serialize(request.Tags?.Distinct(StringComparer.Ordinal) ?? []),
            Source = request.Source,
            ExternalId = request.ExternalId,
            CreatedAt = request.CreatedAt?.UtcDateTime ?? clock.GetUtcNow().UtcDateTime,
            UploadedAt = clock.GetUtcNow().UtcDateTime,
            UpdatedAt = clock.GetUtcNow().UtcDateTime,
            ContentHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(request.Text))),
            Status = DocumentStatus.Ready,
            Chunks = [.. pieces.Select((piece, i) => new ChunkEntity
            {
                Ordinal = piece.Ordinal,
                StartOffset = piece.Start,
                EndOffset = piece.End,
                Text = piece.Text,
                Embedding = EmbeddingCodec.ToBytes(vectors[i].Span),
            })],
        };
        db.Documents.Add(document);
        await db.SaveChangesAsync(cancellationToken);

        // Committed: the index must follow even if the client has gone (it would otherwise be fixed only by a rebuild).
        await index.AddAsync([.. document.Chunks.Select(c => c.Id)], vectors, CancellationToken.None);
        return document;
    }

    public async Task<bool> DeleteAsync(long documentId, CancellationToken cancellationToken)
    {
        List<long> chunkIds;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            chunkIds = await db.Chunks.Where(c => c.DocumentId == documentId).Select(c => c.Id).ToListAsync(cancellationToken);
            await db.Chunks.Where(c => c.DocumentId == documentId).ExecuteDeleteAsync(cancellationToken);
            if (await db.Documents.Where(d => d.Id == documentId).ExecuteDeleteAsync(cancellationToken) == 0)
            {
                return false;
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await index.RemoveAsync(chunkIds, CancellationToken.None);
        chunks.Evict(chunkIds);
        return true;
    }
}
