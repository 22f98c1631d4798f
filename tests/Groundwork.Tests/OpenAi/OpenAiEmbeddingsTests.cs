using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.FakeUpstream;
using static Groundwork.Tests.OpenAi.OpenAiErrorAssertions;

namespace Groundwork.Tests.OpenAi;

/// <summary>POST /v1/embeddings: the same answers as POST /embeddings, as floats or OpenAI's base64 little-endian float32.</summary>
public sealed class OpenAiEmbeddingsTests(OpenAiEmbeddingsTests.App app) : IClassFixture<OpenAiEmbeddingsTests.App>
{
    public sealed class App() : IAsyncLifetime
    {
        public GroundworkApp Service { get; } = new();
        public ValueTask InitializeAsync() => ValueTask.CompletedTask;
        public ValueTask DisposeAsync() => Service.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonElement> EmbedAsync(string path, object request)
    {
        using var client = app.Service.CreateClient();
        var response = await client.PostAsJsonAsync(path, request, GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private static float[] Floats(JsonElement item) => [.. item.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle())];

    [Fact]
    public async Task FloatEmbeddingsAreThoseOfTheEmbeddingsEndpoint()
    {
        var request = new { input = new[] { "The reactor is cooled by liquid helium.", "Laptops are handed out on day one." }, encoding_format = "float" };

        var v1 = await EmbedAsync("/v1/embeddings", request);
        var own = await EmbedAsync("/embeddings", request);

        Assert.Equal("list", v1.GetProperty("object").GetString());
        Assert.Equal("all-MiniLM-L6-v2", v1.GetProperty("model").GetString());
        var items = v1.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([0, 1], items.Select(i => i.GetProperty("index").GetInt32()));
        Assert.All(items, i => Assert.Equal("embedding", i.GetProperty("object").GetString()));
        Assert.Equal(384, Floats(items[0]).Length);
        Assert.Equal(Floats(own.GetProperty("data")[1]), Floats(items[1]));
        Assert.True(v1.GetProperty("usage").GetProperty("prompt_tokens").GetInt64() > 0);
    }

    [Fact]
    public async Task Base64EmbeddingsDecodeToTheFloatOnes()
    {
        const string text = "The reactor is cooled by liquid helium.";

        var floats = Floats((await EmbedAsync("/v1/embeddings", new { input = text }))
            .GetProperty("data")[0]);
        var base64 = (await EmbedAsync("/v1/embeddings", new { input = text, encoding_format = "base64" }))
            .GetProperty("data")[0].GetProperty("embedding").GetString()!;

        var bytes = Convert.FromBase64String(base64);
        var decoded = Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))).ToArray();
        Assert.Equal(floats, decoded);
    }
}

/// <summary>An upstream embedding model that fails is an OpenAI <c>api_error</c> with the gateway status, not problem details.</summary>
public sealed class OpenAiUpstreamErrorTests : IAsyncLifetime
{
    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        settings["Embeddings:Provider"] = "openai";
        settings["Resilience:MaxRetries"] = "0";
        _app = new GroundworkApp(settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task FailingEmbeddingProviderIs502ApiError()
    {
        _upstream.Options.Fault = FakeFault.Status(500).OnlyOn("/v1/embeddings");
        using var client = _app.CreateClient();

        var response = await client.PostAsJsonAsync("/v1/embeddings", new { input = "hello" }, TestContext.Current.CancellationToken);

        var error = await ErrorAsync(response, HttpStatusCode.BadGateway, "api_error");
        Assert.Contains("text-embedding-3-small", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task WorkingEmbeddingProviderAnswersWithItsModel()
    {
        using var client = _app.CreateClient();

        var response = await client.PostAsJsonAsync("/v1/embeddings", new { input = "hello" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("text-embedding-3-small", body.GetProperty("model").GetString());
        var models = await client.GetFromJsonAsync<JsonElement>("/v1/models", TestContext.Current.CancellationToken);
        Assert.Contains(models.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == "text-embedding-3-small");
    }
}
