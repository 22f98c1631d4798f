using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.FakeUpstream;

namespace Groundwork.Tests.Embeddings;

/// <summary>Embeddings from a named provider (Ollama's native API here), behind the same retry policy as the chat targets.</summary>
public sealed class ProviderEmbeddingsTests : IAsyncLifetime
{
    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        _app = new GroundworkApp(new Dictionary<string, string?>
        {
            ["Providers:vectors:Type"] = "ollama",
            ["Providers:vectors:BaseUrl"] = _upstream.OllamaEndpoint.ToString(),
            ["Embeddings:Provider"] = "vectors",
            ["Embeddings:Model"] = "nomic-embed-text",
            ["Resilience:MaxRetries"] = "1",
            ["Resilience:RetryDelayMs"] = "1",
            ["Caching:QueryEmbeddings:Enabled"] = "false",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private int EmbedCalls => _upstream.Requests.Count(r => r.Path == "/api/embed");

    [Fact]
    public async Task DocumentsAndQueriesAreEmbeddedByTheOllamaProviderAndAFailedCallIsRetriedOnce()
    {
        var id = await _app.AddDocumentAsync("Handbook", "The help desk on the third floor hands out laptops on the first morning.");
        Assert.True(EmbedCalls >= 1);
        Assert.Equal("nomic-embed-text", _upstream.Requests.First(r => r.Path == "/api/embed").Body!.Value.GetProperty("model").GetString());

        _upstream.ClearRequests();
        _upstream.Options.Fault = FakeFault.Status(500).OnlyOn("/api/embed").ForNext(1);
        using var client = _app.CreateClient();
        var response = await client.PostAsJsonAsync("/search", new { query = "laptops help desk", mode = "vector" }, GroundworkApp.Json,
            TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("results");
        Assert.Equal(id, results[0].GetProperty("document_id").GetInt64());
        Assert.Equal(2, EmbedCalls);
    }

    [Fact]
    public async Task AnEmbeddingModelThatKeepsFailingAnswers502NamingIt()
    {
        _upstream.Options.Fault = FakeFault.Status(500).OnlyOn("/api/embed");
        using var client = _app.CreateClient();

        var response = await client.PostAsJsonAsync("/search", new { query = "laptops", mode = "vector" }, GroundworkApp.Json,
            TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Contains("vectors/nomic-embed-text", problem.GetProperty("detail").GetString());
        Assert.Equal(2, EmbedCalls);
    }
}
