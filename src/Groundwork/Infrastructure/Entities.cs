namespace Groundwork.Infrastructure;

public sealed class DocumentEntity
{
    public long Id { get; set; }
    public required string Title { get; set; }
    public required string Text { get; set; }
    public string MetadataJson { get; set; } = "{}";
    public DateTime CreatedAt { get; set; }
    public List<ChunkEntity> Chunks { get; set; } = [];
}

public sealed class ChunkEntity
{
    public long Id { get; set; }
    public long DocumentId { get; set; }
    public DocumentEntity? Document { get; set; }
    public int Ordinal { get; set; }
    public int StartOffset { get; set; }
    public int EndOffset { get; set; }
    public required string Text { get; set; }

    /// <summary>The chunk's embedding as little-endian float32s; the vector index is rebuilt from these.</summary>
    public required byte[] Embedding { get; set; }
}

public sealed class UserEntity
{
    public long Id { get; set; }
    public required string Email { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
}
