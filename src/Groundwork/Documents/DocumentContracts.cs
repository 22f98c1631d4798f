using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Groundwork.Documents.Extraction;
using Groundwork.Infrastructure;

namespace Groundwork.Documents;

/// <summary>A text document to chunk, embed and index.</summary>
public sealed record CreateDocumentRequest
{
    [Required]
    [StringLength(500, MinimumLength = 1)]
    public string Title { get; init; } = string.Empty;

    [Required]
    [DocumentTextLength]
    public string Text { get; init; } = string.Empty;

    /// <summary>Key/values kept with the document and usable in search filters: strings, numbers or booleans.</summary>
    [DocumentMetadata]
    public Dictionary<string, JsonElement>? Metadata { get; init; }

    /// <summary>Labels usable in search filters.</summary>
    [DocumentTags]
    public List<string>? Tags { get; init; }

    /// <summary>Where the document comes from (a URL, a path, a system's name); a file upload's file name by default.</summary>
    [StringLength(2_000, MinimumLength = 1)]
    public string? Source { get; init; }

    /// <summary>When the document was written; the upload time when left out.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>
    /// Your id for the document. Uploading again with the same external id and different content replaces the
    /// document (its old chunks stay searchable until the new version is ready); the same content is not indexed twice.
    /// </summary>
    [StringLength(200, MinimumLength = 1)]
    public string? ExternalId { get; init; }
}

/// <summary>Metadata values must be strings, numbers or booleans, under at most 64 keys of 1–100 characters.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DocumentMetadataAttribute : ValidationAttribute
{
    public const int MaxKeys = 64;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not IReadOnlyDictionary<string, JsonElement> metadata)
        {
            return ValidationResult.Success;
        }

        if (metadata.Count > MaxKeys)
        {
            return new ValidationResult($"The {validationContext.DisplayName} field has more than {MaxKeys} keys.");
        }

        var badKeys = metadata.Keys.Where(key => key.Length is 0 or > 100).ToList();
        if (badKeys.Count > 0)
        {
            return new ValidationResult($"The {validationContext.DisplayName} field's keys must be 1–100 characters long.");
        }

        var badValues = metadata
            .Where(entry => entry.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                            || entry.Value.ValueKind == JsonValueKind.String && entry.Value.GetString()!.Length > 2_000)
            .Select(entry => entry.Key).ToList();
        return badValues.Count == 0
            ? ValidationResult.Success
            : new ValidationResult($"The {validationContext.DisplayName} field's values must be strings (up to 2000 characters), " +
                                   $"numbers or booleans; not: {string.Join(", ", badValues)}.");
    }
}

/// <summary>A document's text is 1 to <see cref="ExtractionOptions.MaxCharacters"/> characters, as an uploaded file's is.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DocumentTextLengthAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var options = validationContext.GetService(typeof(Microsoft.Extensions.Options.IOptions<ExtractionOptions>))
            as Microsoft.Extensions.Options.IOptions<ExtractionOptions>
            ?? throw new InvalidOperationException("ExtractionOptions are not registered.");
        var max = options.Value.MaxCharacters;
        return value is not string { Length: > 0 } text || text.Length <= max
            ? ValidationResult.Success
            : new ValidationResult(FormattableString.Invariant(
                $"The {validationContext.DisplayName} field must have at most {max:N0} characters (setting Extraction:MaxCharacters)."),
                [validationContext.MemberName!]);
    }
}

/// <summary>At most 64 tags of 1–100 characters each.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DocumentTagsAttribute : ValidationAttribute
{
    public const int MaxTags = 64;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) => value switch
    {
        IReadOnlyCollection<string> { Count: > MaxTags } => new ValidationResult($"The {validationContext.DisplayName} field has more than {MaxTags} tags."),
        IEnumerable<string?> tags when tags.Any(tag => string.IsNullOrWhiteSpace(tag) || tag.Length > 100) =>
            new ValidationResult($"The {validationContext.DisplayName} field's tags must be 1–100 characters and not blank."),
        _ => ValidationResult.Success,
    };
}

/// <summary>How far a document's ingestion has come: chunks embedded of the chunks it is split into (0 of 0 while queued).</summary>
public sealed record IngestionProgress(int ChunksEmbedded, int ChunksTotal);

/// <summary>
/// A document and where it is in the ingestion pipeline (<c>queued</c>, <c>processing</c>, <c>ready</c>, <c>failed</c>).
/// <c>content_type</c> is an uploaded file's type as it was read (application/pdf, text/markdown, …), null for a document
/// sent as JSON; <c>declared_content_type</c> the type the client sent with the file, only when it differs.
/// </summary>
public sealed record DocumentSummary(
    long Id,
    string Title,
    DocumentStatus Status,
    IngestionProgress Progress,
    string? Error,
    string StatusUrl,
    int ChunkCount,
    string? ExternalId,
    string? Source,
    IReadOnlyList<string> Tags,
    IReadOnlyDictionary<string, JsonElement> Metadata,
    DateTime CreatedAt,
    DateTime UploadedAt,
    DateTime UpdatedAt,
    long? Replaces,
    string? ContentType,
    string? DeclaredContentType)
{
    /// <summary>Only in answers to uploads: true when the content was already kept as this document, so nothing was queued.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Duplicate { get; init; }

    /// <summary>Only from <c>GET /documents/{id}</c>: the document's text, which chunk offsets point into.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Text { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the uploaded file's bytes; null for documents sent as JSON text.</summary>
    public string? FileHash { get; init; }

    /// <summary>
    /// Only from <c>GET /documents/{id}</c>, for documents with pages (PDF): page <c>page</c> (from 1) is
    /// <c>text[start..end]</c>; a page without text has <c>start == end</c>.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<DocumentPageSpan>? Pages { get; init; }

    public static DocumentSummary From(DocumentEntity document) => new(
        document.Id, document.Title, document.Status, new IngestionProgress(document.ChunksEmbedded, document.ChunksTotal),
        document.Error, $"/documents/{document.Id}", document.Status == DocumentStatus.Ready ? document.ChunksTotal : 0,
        document.ExternalId, document.Source,
        JsonSerializer.Deserialize<List<string>>(document.TagsJson) ?? [],
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(document.MetadataJson) ?? [],
        document.CreatedAt, document.UploadedAt, document.UpdatedAt, document.ReplacesId, document.ContentType, document.DeclaredContentType)
    {
        FileHash = document.FileHash,
    };
}

/// <summary>Where one page of a document's text is: <c>text[Start..End]</c>.</summary>
public sealed record DocumentPageSpan(int Page, int Start, int End);

public sealed record DocumentPage(IReadOnlyList<DocumentSummary> Items, int Total, int Offset, int Limit);

/// <summary>The documents made from an upload, one per file, in the order the files were sent.</summary>
public sealed record UploadedDocuments(IReadOnlyList<DocumentSummary> Documents);

/// <summary>Documents per ingestion status, chunks stored and vectors in the index (equal once nothing is in flight).</summary>
public sealed record DocumentStats(IReadOnlyDictionary<DocumentStatus, int> Documents, long Chunks, long IndexedVectors);

/// <summary>A stored chunk of a document: its text, where it is in the document's text and pages, and its length in tokens.</summary>
public sealed record DocumentChunk(
    long Id, int Ordinal, string Text, int StartOffset, int EndOffset, int? PageStart, int? PageEnd, string HeadingPath, int Tokens);

/// <summary>A document's chunks in order (<c>GET /documents/{id}/chunks</c>).</summary>
public sealed record DocumentChunks(IReadOnlyList<DocumentChunk> Chunks);
