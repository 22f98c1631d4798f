using System.Net;
using System.Net.Http.Json;
using Groundwork.FakeUpstream;
using Groundwork.Hosting;

namespace Groundwork.Tests.Caching;

/// <summary>Query vectors of /search come from the cache the second time; embeddings are counted at the fake upstream.</summary>
public sealed class QueryEmbeddingCacheTests : IAsyncLifetime
{
    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: Cancel);
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        settings["Embeddings:Provider"] = "openai";
        _app = new GroundworkApp(settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private int EmbeddingCalls => _upstream.Requests.Count(r => r.Path == "/v1/embeddings");

    private static async Task SearchAsync(HttpClient client, string query)
    {
        var response = await client.PostAsJsonAsync("/search", new { query }, GroundworkApp.Json, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SecondIdenticalSearchDoesNotEmbedTheQueryAgain()
    {
        await _app.AddDocumentAsync("Handbook", "Laptops are handed out by the Orion help desk on the third floor.");
        using var client = _app.CreateClient();
        using var counter = new CacheCounter(_app);
        _upstream.ClearRequests();

        await SearchAsync(client, "Where do I get a laptop?");
        await SearchAsync(client, "Where do I get a laptop?");
        Assert.Equal(1, EmbeddingCalls);

        await SearchAsync(client, "Where is the help desk?");
        Assert.Equal(2, EmbeddingCalls);
        Assert.Equal(2, counter.Of(CacheMetrics.QueryEmbedding, "miss"));
        Assert.Equal(1, counter.Of(CacheMetrics.QueryEmbedding, "hit"));
    }

    [Fact]
    public async Task SameQueryOfAnotherTenantIsEmbeddedAgain()
    {
        using var first = await _app.CreateTenantClientAsync("reader");
        using var second = await _app.CreateTenantClientAsync("reader");
        _upstream.ClearRequests();

        await SearchAsync(first.Http, "Where do I get a laptop?");
        await SearchAsync(second.Http, "Where do I get a laptop?");
        await SearchAsync(second.Http, "Where do I get a laptop?");

        Assert.Equal(2, EmbeddingCalls);
    }

    [Fact]
    public async Task DisabledQueryEmbeddingCacheEmbedsEveryQuery()
    {
        await using var app = new GroundworkApp(new Dictionary<string, string?>(GroundworkApp.UpstreamSettings(_upstream))
        {
            ["Embeddings:Provider"] = "openai",
            ["Caching:QueryEmbeddings:Enabled"] = "false",
        });
        using var client = app.CreateClient();
        _upstream.ClearRequests();

        await SearchAsync(client, "Where do I get a laptop?");
        await SearchAsync(client, "Where do I get a laptop?");

        Assert.Equal(2, EmbeddingCalls);
    }
}
