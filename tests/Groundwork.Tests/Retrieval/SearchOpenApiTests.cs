using System.Text.Json;

namespace Groundwork.Tests.Retrieval;

/// <summary>The OpenAPI document describes the search filter's grammar, not just "any JSON".</summary>
public sealed class SearchOpenApiTests : OpenApiDocumentTest
{
    private JsonElement Filter()
    {
        var body = Document.GetProperty("paths").GetProperty("/search").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var reference = body.GetProperty("$ref").GetString()!;
        return Document.GetProperty("components").GetProperty("schemas").GetProperty(reference.Split('/')[^1])
            .GetProperty("properties").GetProperty("filter");
    }

    [Fact]
    public void OpenApiDescribesTheFilterGrammar()
    {
        var filter = Filter();

        Assert.Contains("metadata.<key>", filter.GetProperty("description").GetString());
        Assert.Equal(["created_at", "document_id", "external_id", "source", "tags", "title"],
            filter.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.StartsWith("^metadata", Assert.Single(filter.GetProperty("patternProperties").EnumerateObject()).Name);
        Assert.False(filter.GetProperty("additionalProperties").GetBoolean());
        Assert.True(filter.TryGetProperty("examples", out _));
    }

    [Fact]
    public void OpenApiListsEachFieldsOperators()
    {
        var fields = Filter().GetProperty("properties");

        string[] Operators(string field) =>
            [.. fields.GetProperty(field).GetProperty("oneOf")[1].GetProperty("properties").EnumerateObject().Select(p => p.Name)];

        Assert.Equal(["eq", "ne", "in", "nin", "gt", "gte", "lt", "lte"], Operators("created_at"));
        Assert.Equal(["eq", "ne", "in", "nin"], Operators("source"));
        Assert.Equal(["any", "all"], Operators("tags"));
        Assert.Equal("array", fields.GetProperty("document_id").GetProperty("oneOf")[1].GetProperty("properties")
            .GetProperty("in").GetProperty("type").GetString());
    }

    [Fact]
    public void OpenApiDocumentsTheValidationAnswerOfSearch()
    {
        var responses = Document.GetProperty("paths").GetProperty("/search").GetProperty("post").GetProperty("responses");

        Assert.True(responses.TryGetProperty("422", out _));
    }
}
