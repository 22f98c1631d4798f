using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
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

    /// <summary><c>vector</c> (by meaning), <c>keyword</c> (BM25 over the words) or <c>hybrid</c> (both, fused by rank).</summary>
    [DefaultValue(SearchMode.Hybrid)]
    [EnumDataType(typeof(SearchMode))]
    public SearchMode Mode { get; init; } = SearchMode.Hybrid;
}

public sealed record SearchHit(long ChunkId, long DocumentId, string Title, double Score, string Text);

public sealed record SearchResponse(IReadOnlyList<SearchHit> Results);

public static class SearchApi
{
    public static RouteGroupBuilder MapSearchApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/search").WithTags("Retrieval");
        group.MapPost("", SearchAsync)
            .WithName("Search")
            .WithSummary("Find chunks by meaning, by words, or both (reciprocal-rank fusion)");
        return group;
    }

    public static async Task<Ok<SearchResponse>> SearchAsync(
        ValidatedJson<SearchRequest> request, ChunkSearch search, CancellationToken cancellationToken)
    {
        var query = request.Value;
        var chunks = await search.SearchAsync(query.Query, query.TopK, query.Mode, cancellationToken);
        return TypedResults.Ok(new SearchResponse(
            [.. chunks.Select(c => new SearchHit(c.ChunkId, c.DocumentId, c.Title, Math.Round(c.Score, 6), c.Text))]));
    }
}
