using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Groundwork.Auth;
using Groundwork.Hosting;
using Groundwork.RateLimits;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>A search over the indexed chunks.</summary>
public sealed record SearchRequest
{
    [Required]
    [StringLength(2_000, MinimumLength = 1)]
    public string Query { get; init; } = string.Empty;

    [DefaultValue(5)]
    [Range(1, 50)]
    public int TopK { get; init; } = 5;

    /// <summary><c>vector</c> (by meaning), <c>keyword</c> (BM25 over the words; chunks with every word first) or <c>hybrid</c> (both, fused by rank).</summary>
    [DefaultValue(SearchMode.Hybrid)]
    [EnumDataType(typeof(SearchMode))]
    public SearchMode Mode { get; init; } = SearchMode.Hybrid;

    /// <summary>
    /// Conditions on each chunk's document, all of which must hold; top_k is filled with chunks that meet them.
    /// The grammar (<see cref="SearchFilterParser"/>) is the OpenAPI description of this field.
    /// </summary>
    [SearchFilter]
    public JsonElement? Filter { get; init; }

    /// <summary>Results whose <c>relevance</c> is below this are left out; when absent, the server's Search:MinRelevance.</summary>
    [Range(0.0, 1.0)]
    public double? MinRelevance { get; init; }
}

/// <summary>The value, when present, is a valid search filter; each problem is reported under its own JSON path.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SearchFilterAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is JsonElement { ValueKind: not JsonValueKind.Null } json
        && !SearchFilterParser.TryParse(json, validationContext.MemberName ?? "filter", out _, out var errors)
            ? new NestedValidationResult(errors)
            : ValidationResult.Success;
}

/// <summary>A chunk found for the query.</summary>
/// <param name="ChunkId">The chunk.</param>
/// <param name="DocumentId">The document it belongs to.</param>
/// <param name="Title">The document's title.</param>
/// <param name="Score">What orders the results: cosine (vector), BM25 (keyword) or reciprocal-rank fusion (hybrid); comparable within one response only.</param>
/// <param name="Relevance">How well the chunk matches the query, 0-1, comparable across queries and corpora: threshold on this.</param>
/// <param name="Text">The chunk: the document's text from <c>start_offset</c> to <c>end_offset</c>.</param>
/// <param name="StartOffset">Where the chunk starts in the document's text, in UTF-16 code units.</param>
/// <param name="EndOffset">Where it ends, exclusive.</param>
/// <param name="PageStart">The page it starts on, from 1; null when the document has no pages (only PDFs have them).</param>
/// <param name="PageEnd">The page it ends on; null when the document has no pages.</param>
/// <param name="HeadingPath">The headings the chunk sits under, outermost first, joined by " › "; empty when none.</param>
public sealed record SearchHit(long ChunkId, long DocumentId, string Title, double Score, double Relevance, string Text, int StartOffset, int EndOffset,
    int? PageStart, int? PageEnd, string HeadingPath);

public sealed record SearchResponse(IReadOnlyList<SearchHit> Results);

public static class SearchApi
{
    public static RouteGroupBuilder MapSearchApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/search").WithTags("Retrieval").RequireAuthorization(Policies.Reader).RequirePerKeyRateLimit();
        group.MapPost("", SearchAsync)
            .WithName("Search")
            .WithSummary("Find chunks by meaning, by words, or both (reciprocal-rank fusion)")
            .WithDescription("An optional filter on the chunks' documents is applied inside the search, so top_k is filled " +
                             "with matching chunks. A filter that is not valid is answered with 422, naming each offending " +
                             "path (filter.created_at.gte). Each result has a `score` that orders the results (cosine, BM25 or " +
                             "reciprocal-rank fusion, by mode; comparable within one response) and a `relevance` from 0 to 1 " +
                             "that means the same for every query (calibrated from the embedding similarity and the share of " +
                             "the query's rarer words the chunk contains). Results below `min_relevance` (default: the server's " +
                             "Search:MinRelevance) are left out, so fewer than top_k, or none, can come back.")
            .WithRequestExample(new SearchRequest
            {
                Query = "What is the reactor cooled by?",
                Filter = JsonSerializer.SerializeToElement(new { tags = new { any = new[] { "ops" } } }),
            });
        return group;
    }

    public static async Task<Ok<SearchResponse>> SearchAsync(
        ValidatedJson<SearchRequest> request, Caller caller, ChunkSearch search, IOptions<SearchOptions> options, CancellationToken cancellationToken)
    {
        var query = request.Value;
        var filter = query.Filter is { ValueKind: not JsonValueKind.Null } json ? SearchFilter.Parse(json) : null;
        var chunks = await search.SearchAsync(caller.TenantId, query.Query, query.TopK, query.Mode, filter, query.MinRelevance ?? options.Value.MinRelevance,
            cancellationToken);
        return TypedResults.Ok(new SearchResponse(
            [.. chunks.Select(c => new SearchHit(c.ChunkId, c.DocumentId, c.Title, Math.Round(c.Score, 6), c.Relevance, c.Text,
                c.StartOffset, c.EndOffset, c.PageStart, c.PageEnd, c.HeadingPath))]));
    }
}
