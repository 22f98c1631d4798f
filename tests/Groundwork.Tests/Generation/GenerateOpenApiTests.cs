using System.Net;
using System.Text.Json;

namespace Groundwork.Tests.Generation;

/// <summary>The OpenAPI document is generated from the same GenerateRequest type that validates requests.</summary>
public sealed class GenerateOpenApiTests : OpenApiDocumentTest
{
    private JsonElement Operation() => Document.GetProperty("paths").GetProperty("/generate").GetProperty("post");

    private JsonElement RequestSchema() =>
        Resolve(Operation().GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));

    private JsonElement ResponseSchema() =>
        Resolve(Operation().GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema"));

    private JsonElement Resolve(JsonElement schema)
    {
        var reference = (schema.TryGetProperty("items", out var items) ? items : schema).GetProperty("$ref").GetString()!;
        return Document.GetProperty("components").GetProperty("schemas").GetProperty(reference.Split('/')[^1]);
    }

    private static string[] Names(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

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
        var responses = Document.GetProperty("paths").GetProperty("/generate").GetProperty("post").GetProperty("responses");
        foreach (var status in new[] { "200", "400", "413", "415", "422", "502", "503", "504" })
        {
            Assert.True(responses.TryGetProperty(status, out _), $"response {status} is not documented");
        }
    }

    [Fact]
    public void OpenApiDocumentsTheSourcesOfTheAnswerWithTheirPlaceInTheDocument()
    {
        var response = ResponseSchema();
        Assert.Equal(["text", "model", "provider", "upstream_model", "grounded", "sources", "citations", "unmatched_citations", "usage"], Names(response.GetProperty("required")));

        var source = Resolve(response.GetProperty("properties").GetProperty("sources"));
        string[] fields = ["number", "document_id", "chunk_id", "title", "start_offset", "end_offset", "page_start", "page_end", "score", "relevance", "snippet", "cited", "heading_path"];
        Assert.Equal(fields, Names(source.GetProperty("required")));
        Assert.All(fields, field => Assert.False(
            string.IsNullOrWhiteSpace(source.GetProperty("properties").GetProperty(field).GetProperty("description").GetString()), field));
        Assert.Contains("null", Names(source.GetProperty("properties").GetProperty("page_start").GetProperty("type")));
        Assert.Equal("integer", source.GetProperty("properties").GetProperty("start_offset").GetProperty("type").GetString());
    }

    [Fact]
    public void OpenApiDocumentsCitationsAndWhatHappensToMarkersThatCiteNoSource()
    {
        var properties = ResponseSchema().GetProperty("properties");
        var citation = Resolve(properties.GetProperty("citations"));
        Assert.Equal(["number", "start", "end", "document_id", "chunk_id"], Names(citation.GetProperty("required")));
        var unmatched = Resolve(properties.GetProperty("unmatched_citations"));
        Assert.Equal(["number", "start", "end"], Names(unmatched.GetProperty("required")));

        Assert.Contains("not a source", properties.GetProperty("unmatched_citations").GetProperty("description").GetString());
        var description = Operation().GetProperty("description").GetString();
        Assert.Contains("hybrid", description);
        Assert.Contains("`unmatched_citations`", description);
    }

    [Fact]
    public async Task DocsPageServesTheInteractiveReference()
    {
        using var client = App.CreateClient();
        var response = await client.GetAsync("/docs", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi/v1.json", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }
}
