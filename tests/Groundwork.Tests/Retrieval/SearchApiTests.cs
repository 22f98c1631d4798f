using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Retrieval;

/// <summary>POST /search by meaning, by words and both, over real HTTP, the real model and SQLite FTS5.</summary>
public sealed class SearchApiTests : AppTest
{
    private long _partCode;
    private long _cooling;

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _partCode = await App.AddDocumentAsync("Spare parts", "Replacement valve kits are ordered under part number QX4471 from the Oslo depot.");
        _cooling = await App.AddDocumentAsync("Cooling", "The reactor is kept cold by circulating liquid helium through its jacket.");
        await App.AddDocumentAsync("Canteen", "The canteen serves lentil soup and fresh bread on Thursdays.");
    }

    private async Task<long[]> SearchAsync(string query, string mode, int topK = 3)
    {
        var response = await Client.PostAsJsonAsync("/search", new { query, mode, top_k = topK }, GroundworkApp.Json,
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return [.. body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("document_id").GetInt64())];
    }

    [Fact]
    public async Task KeywordSearchFindsAnExactPartNumber()
    {
        var found = await SearchAsync("QX4471", "keyword");
        Assert.Equal([_partCode], found);
    }

    [Fact]
    public async Task VectorSearchFindsAParaphraseThatSharesNoKeyword()
    {
        Assert.Empty(await SearchAsync("chilled", "keyword"));
        Assert.Equal(_cooling, (await SearchAsync("How is the reactor chilled?", "vector"))[0]);
    }

    [Fact]
    public async Task HybridSearchRanksFirstWhatEitherSideRanksFirst()
    {
        Assert.Equal(_partCode, (await SearchAsync("where do I order QX4471", "hybrid"))[0]);
        Assert.Equal(_cooling, (await SearchAsync("How is the reactor chilled?", "hybrid"))[0]);
    }

    [Fact]
    public async Task DeletedDocumentLeavesTheKeywordIndex()
    {
        await Client.DeleteAsync($"/documents/{_partCode}", TestContext.Current.CancellationToken);
        Assert.Empty(await SearchAsync("QX4471", "keyword"));
    }

    [Fact]
    public async Task QueryTextIsNeverReadAsFtsSyntax()
    {
        Assert.Equal([_partCode], await SearchAsync("\"QX4471\" ^ (* - : NEAR(", "keyword"));
    }

    [Fact]
    public async Task UnknownModeAndOutOfRangeTopKAreNamed()
    {
        var response = await Client.PostAsJsonAsync("/search", new { query = "x", mode = "fuzzy", top_k = 0 }, GroundworkApp.Json,
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(["mode", "top_k"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray());
    }
}
