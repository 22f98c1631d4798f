using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Generation;

/// <summary>The OpenAPI document is generated from the same GenerateRequest type that validates requests.</summary>
public sealed class GenerateOpenApiTests : IAsyncLifetime
{
    private readonly GroundworkApp _app = new();
    private JsonElement _document;

    public async ValueTask InitializeAsync()
    {
        using var client = _app.CreateClient();
        _document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private JsonElement RequestSchema()
    {
        var body = _document.GetProperty("paths").GetProperty("/generate").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var reference = body.GetProperty("$ref").GetString()!;
        return _document.GetProperty("components").GetProperty("schemas").GetProperty(reference.Split('/')[^1]);
    }

    private JsonElement Property(string name) => RequestSchema().GetProperty("properties").GetProperty(name);

    [Fact]
    public void OpenApiRequiresTextWithItsLengthLimits()
    {
        Assert.Contains("text", RequestSchema().GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(1, Property("text").GetProperty("minLength").GetInt32());
        Assert.Equal(10_000, Property("text").GetProperty("maxLength").GetInt32());
    }

    [Fact]
    public void OpenApiListsTheConfiguredModelsWithGpt4AsDefault()
    {
        var model = Property("model");
        Assert.Equal(["claude-3", "gpt-4", "local"], model.GetProperty("enum").EnumerateArray().Select(e => e.GetString()).Order().ToArray());
        Assert.Equal("gpt-4", model.GetProperty("default").GetString());
    }

    [Fact]
    public void OpenApiCarriesTheTemperatureRangeAndDefault()
    {
        var temperature = Property("temperature");
        Assert.Equal(0, temperature.GetProperty("minimum").GetDouble());
        Assert.Equal(2, temperature.GetProperty("maximum").GetDouble());
        Assert.Equal(0.7, temperature.GetProperty("default").GetDouble());
    }

    [Fact]
    public void OpenApiCarriesTheMaxTokensRangeAndDefault()
    {
        var maxTokens = Property("max_tokens");
        Assert.Equal("integer", maxTokens.GetProperty("type").GetString());
        Assert.Equal(1, maxTokens.GetProperty("minimum").GetInt32());
        Assert.Equal(8192, maxTokens.GetProperty("maximum").GetInt32());
        Assert.Equal(1024, maxTokens.GetProperty("default").GetInt32());
    }

    [Fact]
    public void OpenApiDocumentsTheErrorAnswersOfGenerate()
    {
        var responses = _document.GetProperty("paths").GetProperty("/generate").GetProperty("post").GetProperty("responses");
        foreach (var status in new[] { "200", "400", "413", "415", "422", "502", "503", "504" })
        {
            Assert.True(responses.TryGetProperty(status, out _), $"response {status} is not documented");
        }
    }

    [Fact]
    public async Task DocsPageServesTheInteractiveReference()
    {
        using var client = _app.CreateClient();
        var response = await client.GetAsync("/docs", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi/v1.json", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
