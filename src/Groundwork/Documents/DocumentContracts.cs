using System.ComponentModel.DataAnnotations;

namespace Groundwork.Documents;

/// <summary>A text document to chunk, embed and index.</summary>
public sealed record CreateDocumentRequest
{
    [Required]
    [StringLength(500, MinimumLength = 1)]
    public string Title { get; init; } = string.Empty;

    [Required]
    [StringLength(DocumentsApi.MaxTextCharacters, MinimumLength = 1)]
    public string Text { get; init; } = string.Empty;

    /// <summary>Free-form string key/values kept with the document.</summary>
    public Dictionary<string, string>? Metadata { get; init; }
}

public sealed record DocumentSummary(long Id, string Title, int ChunkCount, IReadOnlyDictionary<string, string> Metadata, DateTime CreatedAt);

public sealed record DocumentDetails(
    long Id, string Title, string Text, int ChunkCount, IReadOnlyDictionary<string, string> Metadata, DateTime CreatedAt);

public sealed record DocumentPage(IReadOnlyList<DocumentSummary> Items, int Total, int Offset, int Limit);

/// <summary>The documents made from an upload, one per file, in the order the files were sent.</summary>
public sealed record UploadedDocuments(IReadOnlyList<DocumentSummary> Documents);
