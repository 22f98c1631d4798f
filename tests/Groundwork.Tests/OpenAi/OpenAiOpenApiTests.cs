using System.Text.Json;

namespace Groundwork.Tests.OpenAi;

/// <summary>The /v1 operations in the OpenAPI document, with their errors described as OpenAI's error object.</summary>
public sealed class OpenAiOpenApiTests : OpenApiDocumentTest
{
    private JsonElement Operation(string path, string method) => Document.GetProperty("paths").GetProperty(path).GetProperty(method);

    [Theory]
    [InlineData("/v1/models", "get")]
    [InlineData("/v1/models/{id}", "get")]
    [InlineData("/v1/embeddings", "post")]
    public void OperationIsListedWithOpenAiErrors(string path, string method)
    {
        var responses = Operation(path, method).GetProperty("responses");

        Assert.True(responses.TryGetProperty("200", out _));
        Assert.False(responses.TryGetProperty("422", out _));
        var errors = responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5').ToList();
        Assert.Contains(errors, r => r.Name == "401");
        Assert.Contains(errors, r => r.Name == "429");
        Assert.All(errors, r =>
        {
            var content = r.Value.GetProperty("content");
            Assert.Equal(["application/json"], content.EnumerateObject().Select(c => c.Name));
            Assert.Equal("#/components/schemas/OpenAiErrorResponse", content.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        });
    }

    [Fact]
    public void EmbeddingsDescribeTheirBadRequestsAndGatewayFailures()
    {
        var responses = Operation("/v1/embeddings", "post").GetProperty("responses");

        Assert.Equal(["400", "401", "413", "415", "429", "502", "503", "504"],
            responses.EnumerateObject().Select(r => r.Name).Where(n => n != "200").Order());
        Assert.True(Operation("/v1/models/{id}", "get").GetProperty("responses").TryGetProperty("404", out _));
    }

    [Fact]
    public void ErrorSchemaHasOpenAisFourFields()
    {
        var schemas = Document.GetProperty("components").GetProperty("schemas");
        var error = schemas.GetProperty("OpenAiErrorResponse").GetProperty("properties").GetProperty("error");
        if (error.TryGetProperty("$ref", out var reference))
        {
            error = schemas.GetProperty(reference.GetString()!.Split('/')[^1]);
        }

        error = error.GetProperty("properties");

        Assert.Equal(["code", "message", "param", "type"], error.EnumerateObject().Select(p => p.Name).Order());
    }
}
