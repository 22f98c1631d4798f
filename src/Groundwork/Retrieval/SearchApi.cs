using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Groundwork.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

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

/// <summary>
/// A chunk found: <c>text</c> is the document's text from <c>start_offset</c> to <c>end_offset</c>; pages for documents that
/// have them; <c>heading_path</c> the headings the chunk sits under, outermost first, joined by " › " (empty when none).
/// </summary>
public sealed record SearchHit(long ChunkId, long DocumentId, string Title, double Score, string Text, int StartOffset, int EndOffset, int? PageStart, int? PageEnd,
    string HeadingPath);

public sealed record SearchResponse(IReadOnlyList<SearchHit> Results);

public static class SearchApi
{
    public static RouteGroupBuilder MapSearchApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/search").WithTags("Retrieval");
        group.MapPost("", SearchAsync)
            .WithName("Search")
            .WithSummary("Find chunks by meaning, by words, or both (reciprocal-rank fusion)")
            .WithDescription("An optional filter on the chunks' documents is applied inside the search, so top_k is filled " +
                             "with matching chunks. A filter that is not valid is answered with 422, naming each offending " +
                             "path (filter.created_at.gte).");
        return group;
    }

    public static async Task<Ok<SearchResponse>> SearchAsync(
        ValidatedJson<SearchRequest> request, ChunkSearch search, CancellationToken cancellationToken)
    {
        var query = request.Value;
        var filter = query.Filter is { ValueKind: not JsonValueKind.Null } json ? SearchFilter.Parse(json) : null;
        var chunks = await search.SearchAsync(query.Query, query.TopK, query.Mode, filter, cancellationToken);
        return TypedResults.Ok(new SearchResponse(
            [.. chunks.Select(c => new SearchHit(c.ChunkId, c.DocumentId, c.Title, Math.Round(c.Score, 6), c.Text,
                c.StartOffset, c.EndOffset, c.PageStart, c.PageEnd, c.HeadingPath))]));
    }
}
