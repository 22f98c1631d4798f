using System.Text.Json;

namespace Groundwork.Client;

// The service's JSON answers as the clients read them. Enums travel as their snake_case strings so that a client
// keeps working when the service adds a value.

public sealed record Me(MeUser User, MeTenant Tenant, MeKey Key, IReadOnlyList<BudgetStatus> Budget)
{
    public bool IsAdmin => User.Role == "admin" || User.Operator;
}

public sealed record MeUser(long Id, string Email, string Name, string Role, bool Operator);

public sealed record MeTenant(long Id, string Name);

public sealed record MeKey(long Id, string Prefix, string Name, bool ReadOnly, DateTime? ExpiresAt);

public sealed record BudgetStatus(string Scope, long BudgetTokens, string Period, long RemainingTokens, DateTime ResetsAt);

// Models

/// <summary><c>DefaultAvailable</c> is false when <c>Default</c> (the model used when a request names none) cannot answer.</summary>
public sealed record ModelList(IReadOnlyList<ModelInfo> Models, string? Default, bool DefaultAvailable = true);

/// <summary>A configured chat model: its public name, who serves it and what it is.</summary>
public sealed record ModelInfo(string Name, string Provider, string? UpstreamModel, string Description, bool IsDefault);

// Generation

public sealed record GenerateRequest(string Text, string? Model, double? Temperature = null, int? MaxTokens = null, bool Stream = false);

public sealed record GenerateResponse(
    string Text, string Model, string? Provider, string? UpstreamModel, bool Grounded, IReadOnlyList<Source> Sources,
    IReadOnlyList<Citation> Citations, IReadOnlyList<UnmatchedCitation> UnmatchedCitations, TokenUsage Usage);

public sealed record Source(
    int Number, long DocumentId, long ChunkId, string Title, int StartOffset, int EndOffset, int? PageStart, int? PageEnd,
    double Score, double Relevance, string Snippet, bool Cited, string HeadingPath);

public sealed record Citation(int Number, int Start, int End, long DocumentId, long ChunkId);

public sealed record UnmatchedCitation(int Number, int Start, int End);

public sealed record TokenUsage(long PromptTokens, long CompletionTokens, long TotalTokens);

/// <summary>One event of a streamed answer (<c>POST /generate</c> with <c>stream: true</c>).</summary>
public abstract record GenerateStreamEvent;

public sealed record StreamSources(bool Grounded, IReadOnlyList<Source> Sources) : GenerateStreamEvent;

public sealed record StreamDelta(string Text) : GenerateStreamEvent;

public sealed record StreamCitations(
    IReadOnlyList<Citation> Citations, IReadOnlyList<UnmatchedCitation> UnmatchedCitations, IReadOnlyList<int> CitedSources) : GenerateStreamEvent;

public sealed record StreamUsage(long PromptTokens, long CompletionTokens, long TotalTokens) : GenerateStreamEvent;

public sealed record StreamDone(string Model, string? Provider, string? UpstreamModel, string? FinishReason) : GenerateStreamEvent;

public sealed record StreamError(int Status, string Title, string? Detail) : GenerateStreamEvent;

// Search

public sealed record SearchRequest(string Query, int TopK = 5, string Mode = "hybrid", JsonElement? Filter = null, double? MinRelevance = null);

public sealed record SearchHit(
    long ChunkId, long DocumentId, string Title, double Score, double Relevance, string Text, int StartOffset, int EndOffset,
    int? PageStart, int? PageEnd, string HeadingPath);

public sealed record SearchResponse(IReadOnlyList<SearchHit> Results);

// Documents

public sealed record IngestionProgress(int ChunksEmbedded, int ChunksTotal);

public sealed record DocumentSummary(
    long Id, string Title, string Status, IngestionProgress Progress, string? Error, string StatusUrl, int ChunkCount,
    string? ExternalId, string? Source, IReadOnlyList<string> Tags, IReadOnlyDictionary<string, JsonElement> Metadata,
    DateTime CreatedAt, DateTime UploadedAt, DateTime UpdatedAt, long? Replaces, string? ContentType, string? DeclaredContentType)
{
    public bool? Duplicate { get; init; }

    /// <summary>Only from <see cref="GroundworkClient.GetDocumentAsync"/>: the text chunk offsets point into.</summary>
    public string? Text { get; init; }

    /// <summary>Only from <see cref="GroundworkClient.GetDocumentAsync"/>, for documents with pages (PDF): where each page's text is.</summary>
    public IReadOnlyList<PageSpan>? Pages { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the uploaded file's bytes; null for documents sent as JSON text.</summary>
    public string? FileHash { get; init; }

    public bool IsFinished => Status is "ready" or "failed";
}

/// <summary>Page <c>Page</c> (from 1) is <c>text[Start..End]</c>.</summary>
public sealed record PageSpan(int Page, int Start, int End);

public sealed record DocumentPage(IReadOnlyList<DocumentSummary> Items, int Total, int Offset, int Limit);

public sealed record UploadedDocuments(IReadOnlyList<DocumentSummary> Documents);

public sealed record DocumentStats(IReadOnlyDictionary<string, int> Documents, long Chunks, long IndexedVectors);

/// <summary>A chunk of a document as stored: its text and where it is in the document's text.</summary>
public sealed record ChunkInfo(long Id, int Ordinal, string Text, int StartOffset, int EndOffset, int? PageStart, int? PageEnd, string HeadingPath, int Tokens);

public sealed record ChunkPage(IReadOnlyList<ChunkInfo> Chunks);

/// <summary>A text document to add (<c>POST /documents</c> as JSON).</summary>
public sealed record CreateDocumentRequest(
    string Title, string Text, string? ExternalId = null, IReadOnlyList<string>? Tags = null, string? Source = null,
    IReadOnlyDictionary<string, JsonElement>? Metadata = null, DateTimeOffset? CreatedAt = null);

/// <summary>Filters of <c>GET /documents</c>; null ones are left out.</summary>
public sealed record DocumentQuery
{
    public int Offset { get; init; }

    public int Limit { get; init; } = 20;

    public string? Status { get; init; }

    public string? ExternalId { get; init; }

    /// <summary>Words of the title.</summary>
    public string? Title { get; init; }

    public string? Tag { get; init; }

    public string? Source { get; init; }

    public DateTimeOffset? CreatedFrom { get; init; }

    public DateTimeOffset? CreatedTo { get; init; }

    /// <summary>Metadata key and value the documents must have.</summary>
    public KeyValuePair<string, string>? Metadata { get; init; }

    public string? FileHash { get; init; }
}

/// <summary>A file to upload: its name and a way to open its bytes.</summary>
public sealed record UploadFile(string FileName, long Length, Func<CancellationToken, Task<Stream>> OpenAsync, string? ContentType = null);

/// <summary>Form fields of an upload: they apply to every file's document (title and external id only with one file).</summary>
public sealed record UploadFields
{
    public string? Title { get; init; }

    public string? ExternalId { get; init; }

    public string? Source { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    public DateTimeOffset? CreatedAt { get; init; }
}

// Administration

public sealed record Budget(long Tokens, string Period);

public sealed record BudgetSetting(long? Tokens, string? Period);

public sealed record UserResponse(long Id, long TenantId, string Email, string Name, string Role, bool Operator, bool Disabled, Budget? Budget, DateTime CreatedAt);

public sealed record UserPage(IReadOnlyList<UserResponse> Users);

public sealed record CreateUserRequest(string Email, string Name, string Role = "reader", long? TenantId = null);

/// <summary>Changes to a user; null fields are left as they are. To remove a budget send <c>{"budget": null}</c> with <see cref="GroundworkClient.RemoveUserBudgetAsync"/>.</summary>
public sealed record UpdateUserRequest(string? Name = null, string? Role = null, bool? Disabled = null, BudgetSetting? Budget = null);

public sealed record CreateKeyRequest(string Name, DateTimeOffset? ExpiresAt = null, bool ReadOnly = false);

public sealed record CreatedKey(long Id, string Key, string Prefix, string Name, long UserId, bool ReadOnly, DateTime CreatedAt, DateTime? ExpiresAt);

public sealed record KeySummary(
    long Id, string Prefix, string Name, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? ExpiresAt, bool ReadOnly, bool Revoked, DateTime? RevokedAt);

public sealed record KeyPage(IReadOnlyList<KeySummary> Keys);

public sealed record UsageReport(long TenantId, DateTime From, DateTime To, string? GroupBy, UsageTotals Total, IReadOnlyList<UsageGroup> Groups);

public sealed record UsageTotals(long PromptTokens, long CompletionTokens, long TotalTokens, long Requests);

public sealed record UsageGroup(string Key, long PromptTokens, long CompletionTokens, long TotalTokens, long Requests);

public sealed record AuditEntry(
    long Id, DateTime At, string Action, string Method, string Path, string? Target, long? TenantId, long? UserId, long? KeyId,
    string? KeyPrefix, long? TargetTenantId, int Status);

public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries);

public sealed record TenantResponse(long Id, string Name, bool Disabled, Budget? Budget, DateTime CreatedAt);

public sealed record TenantPage(IReadOnlyList<TenantResponse> Tenants);

public sealed record UpdateTenantRequest(string? Name = null, bool? Disabled = null, BudgetSetting? Budget = null);
