namespace Groundwork.Infrastructure;

/// <summary>Where a document is in the ingestion pipeline; only <see cref="Ready"/> documents have chunks.</summary>
public enum DocumentStatus
{
    Queued,
    Processing,
    Ready,
    Failed,
}

public sealed class DocumentEntity
{
    /// <summary>Random (<see cref="PublicIdGenerator"/>): an id tells nothing about other tenants' documents.</summary>
    public long Id { get; set; }

    /// <summary>
    /// Intake order, never shown to clients: what "newest" means (listing, the current version of an external id, the
    /// queue's order) now that ids are random. Rows taken in before it existed keep their old, growing, ids as theirs.
    /// </summary>
    public long Sequence { get; set; }

    /// <summary>The tenant the document belongs to: the isolation boundary of every read, write and count.</summary>
    public long TenantId { get; set; }
    public required string Title { get; set; }

    /// <summary>The document's text (extracted from the upload): what its chunks' offsets point into.</summary>
    public required string Text { get; set; }

    /// <summary>A JSON object of string, number and boolean values.</summary>
    public string MetadataJson { get; set; } = "{}";

    /// <summary>A JSON array of strings.</summary>
    public string TagsJson { get; set; } = "[]";

    public string? Source { get; set; }

    /// <summary>An uploaded file's type as the extractor read it (application/pdf, text/markdown, …); null for JSON text.</summary>
    public string? ContentType { get; set; }

    /// <summary>The content type the client declared for the file, kept only when it differs from <see cref="ContentType"/>.</summary>
    public string? DeclaredContentType { get; set; }

    /// <summary>The caller's id for the document; a new upload with the same one replaces this document when it is ready.</summary>
    public string? ExternalId { get; set; }

    /// <summary>SHA-256 (hex) of the text: an upload whose hash and external id match a kept document is not indexed again.</summary>
    public required string ContentHash { get; set; }

    /// <summary>SHA-256 (lower-case hex) of the uploaded file's bytes; null for documents sent as JSON text.</summary>
    public string? FileHash { get; set; }

    /// <summary>Page spans of the text as JSON (<c>[[page, start, end], …]</c>), for documents that have pages.</summary>
    public string? PagesJson { get; set; }

    public DocumentStatus Status { get; set; }
    public string? Error { get; set; }

    /// <summary>Chunks the document is split into (known once processing starts) and how many are embedded so far.</summary>
    public int ChunksTotal { get; set; }
    public int ChunksEmbedded { get; set; }

    /// <summary>The document this one replaces (same external id) once it is ready.</summary>
    public long? ReplacesId { get; set; }

    /// <summary>When the document was written, as the caller says; the upload time otherwise.</summary>
    public DateTime CreatedAt { get; set; }
    public DateTime UploadedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// The W3C trace context (<c>traceparent</c>) of the request that queued the document, so that the ingestion span
    /// that processes it links back to that request's trace; null when the request had none.
    /// </summary>
    public string? TraceParent { get; set; }

    public List<ChunkEntity> Chunks { get; set; } = [];
}

public sealed class ChunkEntity
{
    /// <summary>Random, like a document's: search results show it.</summary>
    public long Id { get; set; }

    /// <summary>The document's tenant, kept on the chunk so that searches scope by it without a join.</summary>
    public long TenantId { get; set; }

    /// <summary>
    /// The chunk's row in its tenant's keyword table, numbered in intake order. FTS5 stores each word's rows as
    /// differences between row numbers: with the random <see cref="Id"/>s a keyword table was 2.4 times as large and
    /// its queries correspondingly slower.
    /// </summary>
    public long KeywordRow { get; set; }
    public long DocumentId { get; set; }
    public DocumentEntity? Document { get; set; }
    public int Ordinal { get; set; }
    public int StartOffset { get; set; }
    public int EndOffset { get; set; }

    /// <summary>The pages the chunk starts and ends on, for documents that have pages (PDF).</summary>
    public int? PageStart { get; set; }
    public int? PageEnd { get; set; }
    public required string Text { get; set; }

    /// <summary>The headings the chunk sits under, outermost first, joined by " › "; empty before any heading.</summary>
    public string HeadingPath { get; set; } = "";

    /// <summary>The chunk's embedding as little-endian float32s; the vector index is rebuilt from these.</summary>
    public required byte[] Embedding { get; set; }
}

/// <summary>What a user may do in their tenant; each role includes the ones before it.</summary>
public enum Role
{
    /// <summary>Searches and generates.</summary>
    Reader,

    /// <summary>Also adds and deletes documents.</summary>
    Editor,

    /// <summary>Also manages the tenant's users, keys and budgets.</summary>
    Admin,
}

/// <summary>The UTC calendar period a token budget counts over.</summary>
public enum BudgetPeriod
{
    Day,
    Month,
}

/// <summary>The isolation boundary: documents, chunks, searches, generations, usage and caches belong to one tenant.</summary>
public sealed class TenantEntity
{
    public long Id { get; set; }
    public required string Name { get; set; }
    public bool Disabled { get; set; }

    /// <summary>Tokens the tenant may spend per <see cref="BudgetPeriod"/>; no budget when null.</summary>
    public long? BudgetTokens { get; set; }
    public BudgetPeriod? BudgetPeriod { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class UserEntity
{
    public long Id { get; set; }
    public long TenantId { get; set; }
    public required string Email { get; set; }
    public required string Name { get; set; }
    public Role Role { get; set; }

    /// <summary>The service's own administrator: manages tenants and reads every tenant's audit log, but still acts
    /// inside its own tenant for documents, search and generation.</summary>
    public bool IsOperator { get; set; }
    public bool Disabled { get; set; }

    /// <summary>Tokens the user may spend per <see cref="BudgetPeriod"/>, within the tenant's; no own budget when null.</summary>
    public long? BudgetTokens { get; set; }
    public BudgetPeriod? BudgetPeriod { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>An API key: acts as its user, optionally read-only. Only the SHA-256 of the key is stored.</summary>
public sealed class ApiKeyEntity
{
    public long Id { get; set; }
    public long UserId { get; set; }
    public UserEntity? User { get; set; }
    public required string Name { get; set; }

    /// <summary>The first characters of the key (<c>gw_</c> and 8 more): how it is listed and found.</summary>
    public required string Prefix { get; set; }

    /// <summary>SHA-256 of the whole key.</summary>
    public required byte[] Hash { get; set; }
    public bool ReadOnly { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ExpiresAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

/// <summary>One administrative request (tenant, user or key created, changed or revoked), allowed or refused.</summary>
public sealed class AuditEntryEntity
{
    public long Id { get; set; }
    public DateTime At { get; set; }

    /// <summary>What was attempted: <c>tenant.create</c>, <c>user.update</c>, <c>key.revoke</c>, …</summary>
    public required string Action { get; set; }
    public required string Method { get; set; }
    public required string Path { get; set; }

    /// <summary>What the request acted on (<c>/users/123</c>), when the service could tell the caller; the path otherwise.</summary>
    public string? Target { get; set; }

    /// <summary>The tenant of the caller's user; null when the request carried no valid key.</summary>
    public long? ActorTenantId { get; set; }
    public long? ActorUserId { get; set; }
    public long? ActorKeyId { get; set; }
    public string? ActorKeyPrefix { get; set; }

    /// <summary>The tenant the target belongs to, set only once the caller was allowed to see it.</summary>
    public long? TargetTenantId { get; set; }

    /// <summary>The HTTP status the request was answered with.</summary>
    public int Status { get; set; }
}

/// <summary>One model call: who made it, on which model, the tokens it used and how it ended.</summary>
public sealed class UsageRecordEntity
{
    public long Id { get; set; }
    public long TenantId { get; set; }
    public long UserId { get; set; }
    public long KeyId { get; set; }
    public required string Model { get; set; }
    public long PromptTokens { get; set; }
    public long CompletionTokens { get; set; }
    public long TotalTokens { get; set; }
    public long LatencyMs { get; set; }

    /// <summary><c>ok</c>, <c>failed</c> (the model or its provider failed) or <c>cancelled</c> (the client went away).</summary>
    public required string Status { get; set; }

    /// <summary>When the call was admitted (its budget reserved): the period its tokens count in.</summary>
    public DateTime At { get; set; }
}
