namespace Groundwork.Client;

public sealed partial class GroundworkClient
{
    /// <summary>Chunks ranked for a query (<c>POST /search</c>).</summary>
    public Task<SearchResponse> SearchAsync(SearchRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync<SearchResponse>(HttpMethod.Post, "search", request, cancellationToken);
}
