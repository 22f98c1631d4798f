using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Retrieval;

/// <summary>POST /search with a filter, over real HTTP, the real model and SQLite.</summary>
public sealed class SearchFilterTests : AppTest
{
    private long _leave;
    private long _laptops;
    private long _sales;
    private long _oldLeave;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _leave = await App.AddDocumentAsync(new
        {
            title = "Leave policy",
            text = "Employees take annual leave after asking their manager.",
            source = "handbook.pdf",
            tags = new[] { "hr", "legal" },
            created_at = "2024-03-01T00:00:00Z",
            metadata = new { year = 2021, department = "hr" },
        });
        _laptops = await App.AddDocumentAsync(new
        {
            title = "Laptop policy",
            text = "Laptops are replaced every three years by the IT desk.",
            source = "wiki",
            tags = new[] { "it" },
            created_at = "2024-11-15T12:00:00Z",
            metadata = new { year = "2021", department = "it" },
        });
        _sales = await App.AddDocumentAsync(new
        {
            title = "Sales report",
            text = "Sales grew in the northern region last quarter.",
            source = "crm",
            tags = new[] { "sales", "legal" },
            created_at = "2025-02-01T00:00:00Z",
            metadata = new { year = 2019, department = "sales" },
        });
        _oldLeave = await App.AddDocumentAsync(new
        {
            title = "Old leave policy",
            text = "Employees took annual leave after asking the HR office.",
            source = "handbook.pdf",
            tags = new[] { "hr" },
            created_at = "2022-05-01T00:00:00Z",
            metadata = new { year = 2018, department = "hr" },
        });
    }

    private async Task<long[]> FoundAsync(object? filter, string mode = "vector", string query = "company policy")
    {
        var response = await Client.PostAsJsonAsync("/search", new { query, mode, top_k = 50, filter }, GroundworkApp.Json,
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return [.. body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("document_id").GetInt64()).Distinct().Order()];
    }

    private static JsonElement Filter(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public async Task WithoutAFilterEveryDocumentIsSearched()
    {
        long[] all = [_leave, _laptops, _sales, _oldLeave];
        Assert.Equal(all.Order(), await FoundAsync(filter: null));
        Assert.Equal(all.Order(), await FoundAsync(Filter("{}")));
    }

    [Fact]
    public async Task EqualityOnSourceKeepsOnlyThatSource()
    {
        Assert.Equal(new long[] { _leave, _oldLeave }.Order(), await FoundAsync(Filter("""{"source": "handbook.pdf"}""")));
    }

    [Fact]
    public async Task InOnAMetadataValueMatchesAnyOfTheListedValues()
    {
        Assert.Equal(new long[] { _leave, _laptops, _oldLeave }.Order(), await FoundAsync(Filter("""{"metadata.department": {"in": ["hr", "it"]}}""")));
    }

    [Fact]
    public async Task ANumericRangeOnMetadataNeverMatchesAStringValue()
    {
        // The laptop policy's year is the string "2021".
        Assert.Equal(new long[] { _leave }.Order(), await FoundAsync(Filter("""{"metadata.year": {"gte": 2020}}""")));
        Assert.Equal(new long[] { _sales, _oldLeave }.Order(), await FoundAsync(Filter("""{"metadata.year": {"lt": 2020}}""")));
    }

    [Fact]
    public async Task ADateRangeOnCreatedAtIncludesItsLowerBoundAndExcludesItsUpperBound()
    {
        Assert.Equal(new long[] { _leave, _laptops }.Order(), await FoundAsync(Filter("""{"created_at": {"gte": "2024-03-01T00:00:00Z", "lt": "2025-02-01"}}""")));
    }

    [Fact]
    public async Task TagsMatchOneTagAnyOfSeveralOrAllOfThem()
    {
        Assert.Equal(new long[] { _leave, _oldLeave }.Order(), await FoundAsync(Filter("""{"tags": "hr"}""")));
        Assert.Equal(new long[] { _leave, _laptops, _sales }.Order(), await FoundAsync(Filter("""{"tags": {"any": ["legal", "it"]}}""")));
        Assert.Equal(new long[] { _leave }.Order(), await FoundAsync(Filter("""{"tags": {"all": ["hr", "legal"]}}""")));
    }

    [Fact]
    public async Task CombinedConditionsMustAllHold()
    {
        var filter = Filter("""{"source": "handbook.pdf", "created_at": {"gte": "2023-01-01"}, "tags": "legal", "metadata.department": "hr"}""");

        Assert.Equal(new long[] { _leave }.Order(), await FoundAsync(filter));
        Assert.Equal(new long[] { _laptops }.Order(), await FoundAsync(Filter($$$"""{"document_id": {"in": [{{{_laptops}}}, {{{_sales}}}]}, "source": {"ne": "crm"}}""")));
    }

    [Fact]
    public async Task KeywordAndHybridSearchesApplyTheFilterToo()
    {
        var older = Filter("""{"created_at": {"lt": "2023-01-01"}}""");

        Assert.Equal(new long[] { _leave, _oldLeave }.Order(), await FoundAsync(filter: null, "keyword", "annual leave"));
        Assert.Equal(new long[] { _oldLeave }.Order(), await FoundAsync(older, "keyword", "annual leave"));
        Assert.Equal(new long[] { _oldLeave }.Order(), await FoundAsync(older, "hybrid", "annual leave"));
    }

    [Fact]
    public async Task AFilterThatMatchesNothingFindsNothing()
    {
        Assert.Empty(await FoundAsync(Filter("""{"source": "nowhere"}"""), "hybrid", "annual leave"));
    }

    [Fact]
    public async Task InvalidFiltersAreRejectedNamingEveryOffendingPath()
    {
        var response = await Client.PostAsJsonAsync("/search", new
        {
            query = "leave",
            top_k = 0,
            filter = Filter("""
                {"colour": "red", "created_at": {"gte": "yesterday"}, "metadata.year": {"in": []}, "source": {"like": "hand%"},
                 "tags": {"all": ["hr", 1]}}
                """),
        }, GroundworkApp.Json, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(
            ["filter.colour", "filter.created_at.gte", "filter.metadata.year.in", "filter.source.like", "filter.tags.all[1]", "top_k"],
            problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task AFilterThatIsNotAnObjectIsRejected()
    {
        var response = await Client.PostAsJsonAsync("/search", new { query = "leave", filter = new[] { "source" } }, GroundworkApp.Json,
            TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(["filter"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray());
    }
}
