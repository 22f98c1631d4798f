using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.OpenAi;

/// <summary>GET /v1/models and /v1/models/{id}: the configured public chat model names and the embedding model, as OpenAI's model objects.</summary>
public sealed class OpenAiModelsTests(OpenAiModelsTests.App app) : IClassFixture<OpenAiModelsTests.App>
{
    public sealed class App() : IAsyncLifetime
    {
        public GroundworkApp Service { get; } = new(new Dictionary<string, string?>
        {
            ["Models:team/assistant:Provider"] = "local",
        });

        public ValueTask InitializeAsync() => ValueTask.CompletedTask;
        public ValueTask DisposeAsync() => Service.DisposeAsync();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListHasEveryChatModelAndTheEmbeddingModel()
    {
        using var reader = await app.Service.CreateTenantClientAsync("reader");

        var list = await reader.Http.GetFromJsonAsync<JsonElement>("/v1/models", Ct);

        Assert.Equal("list", list.GetProperty("object").GetString());
        var models = list.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["all-MiniLM-L6-v2", "claude-3", "gpt-4", "local", "team/assistant"], models.Select(m => m.GetProperty("id").GetString()).Order());
        Assert.All(models, model =>
        {
            Assert.Equal("model", model.GetProperty("object").GetString());
            Assert.Equal("groundwork", model.GetProperty("owned_by").GetString());
            Assert.InRange(model.GetProperty("created").GetInt64(), 1_700_000_000, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        });
    }

    [Theory]
    [InlineData("local")]
    [InlineData("all-MiniLM-L6-v2")]
    [InlineData("team/assistant")]
    public async Task EachListedModelCanBeRetrieved(string id)
    {
        using var reader = await app.Service.CreateTenantClientAsync("reader");

        var response = await reader.Http.GetAsync($"/v1/models/{id}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var model = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(id, model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal("groundwork", model.GetProperty("owned_by").GetString());
    }

    [Fact]
    public async Task ModelIdsAreCaseSensitiveAsTheirNames()
    {
        using var reader = await app.Service.CreateTenantClientAsync("reader");

        var error = await OpenAiErrorAssertions.ErrorAsync(await reader.Http.GetAsync("/v1/models/LOCAL", Ct), HttpStatusCode.NotFound, "not_found_error");

        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
    }
}
