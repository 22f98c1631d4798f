using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.FakeUpstream;
using Groundwork.Generation;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.Retrieval;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.Caching;

/// <summary>The opt-in answer cache through /generate, counted by the chat requests the fake upstream receives.</summary>
public sealed class AnswerCacheTests : IAsyncLifetime
{
    private const string Question = "Where do new employees get their laptop?";
    private const string Handbook = "New employees receive their laptop from the Orion help desk on the first morning.";

    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: Cancel);
        _app = new GroundworkApp(Settings(enabled: true));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private Dictionary<string, string?> Settings(bool enabled)
    {
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        settings["Embeddings:Provider"] = "openai";
        settings["Generation:AnswerCache:Enabled"] = enabled ? "true" : "false";
        return settings;
    }

    private int ChatCalls => _upstream.Requests.Count(r => r.Path == "/v1/chat/completions");

    private static async Task<(JsonElement Body, string? Cache)> GenerateAsync(HttpClient client, double temperature = 0)
    {
        var response = await client.PostAsJsonAsync("/generate", new { text = Question, model = "gpt-4", temperature }, GroundworkApp.Json, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cache = response.Headers.TryGetValues(GenerationApi.AnswerCacheHeader, out var values) ? values.Single() : null;
        return (await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Cancel), cache);
    }

    private static async Task<long> AddDocumentAsync(HttpClient client, string text, string? externalId = null)
    {
        var response = await client.PostAsJsonAsync("/documents?wait=true", new { title = "Handbook", text, external_id = externalId }, GroundworkApp.Json, Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Cancel)).GetProperty("id").GetInt64();
    }

    /// <summary>Whether the answer given for these sources is still cached for the tenant (the key /generate would use).</summary>
    private async Task<bool> IsCachedAsync(GroundworkApp app, long tenantId, JsonElement answer)
    {
        var chunks = answer.GetProperty("sources").EnumerateArray()
            .Select(s => new RetrievedChunk(s.GetProperty("chunk_id").GetInt64(), s.GetProperty("document_id").GetInt64(), "", "", 0, 0, null, null, 0))
            .ToList();
        var answers = app.Services.GetRequiredService<AnswerCache>();
        var request = new GenerateRequest { Text = Question, Model = "gpt-4", Temperature = 0 };
        var key = answers.KeyFor(tenantId, request, SearchMode.Hybrid, chunks, documentsVersion: 0)!;
        return await answers.TryGetAsync(key, Cancel) is not null;
    }

    [Fact]
    public async Task AnswerAtTemperatureZeroIsServedFromTheCacheWithoutAModelCall()
    {
        using var client = await _app.CreateTenantClientAsync("editor");
        await AddDocumentAsync(client.Http, Handbook);
        using var counter = new CacheCounter(_app);

        var (first, firstCache) = await GenerateAsync(client.Http);
        var (second, secondCache) = await GenerateAsync(client.Http);

        Assert.Equal(1, ChatCalls);
        Assert.Equal("miss", firstCache);
        Assert.Equal("hit", secondCache);
        Assert.Equal(first.GetProperty("text").GetString(), second.GetProperty("text").GetString());
        Assert.Equal(first.GetProperty("sources").ToString(), second.GetProperty("sources").ToString());
        Assert.True(first.GetProperty("usage").GetProperty("total_tokens").GetInt64() > 0);
        Assert.Equal(0, second.GetProperty("usage").GetProperty("total_tokens").GetInt64());
        Assert.Equal(1, counter.Of(CacheMetrics.Answer, "miss"));
        Assert.Equal(1, counter.Of(CacheMetrics.Answer, "hit"));

        await _app.Services.GetRequiredService<Groundwork.Usage.UsageRecorder>().FlushAsync(Cancel);
        using var scope = _app.Services.CreateScope();
        var statuses = await scope.ServiceProvider.GetRequiredService<GroundworkDbContext>().UsageRecords
            .Where(r => r.TenantId == client.TenantId).OrderBy(r => r.Id).Select(r => new { r.Status, r.TotalTokens }).ToListAsync(Cancel);
        Assert.Equal(["ok", "cached"], statuses.Select(s => s.Status));
        Assert.Equal(0, statuses[1].TotalTokens);
    }

    [Fact]
    public async Task AnswerAtTemperatureAboveZeroIsNotCached()
    {
        using var client = await _app.CreateTenantClientAsync("editor");
        await AddDocumentAsync(client.Http, Handbook);

        var (_, cache) = await GenerateAsync(client.Http, temperature: 0.7);
        await GenerateAsync(client.Http, temperature: 0.7);

        Assert.Equal(2, ChatCalls);
        Assert.Null(cache);
    }

    [Fact]
    public async Task AnswersAreNotCachedUnlessEnabled()
    {
        await using var app = new GroundworkApp(Settings(enabled: false));
        using var client = await app.CreateTenantClientAsync("editor");
        await AddDocumentAsync(client.Http, Handbook);

        var (_, cache) = await GenerateAsync(client.Http);
        await GenerateAsync(client.Http);

        Assert.Equal(2, ChatCalls);
        Assert.Null(cache);
    }

    [Fact]
    public async Task DeletingTheCitedDocumentDropsTheCachedAnswer()
    {
        using var client = await _app.CreateTenantClientAsync("editor");
        var document = await AddDocumentAsync(client.Http, Handbook);
        var (answer, _) = await GenerateAsync(client.Http);
        Assert.True(await IsCachedAsync(_app, client.TenantId, answer));

        Assert.Equal(HttpStatusCode.NoContent, (await client.Http.DeleteAsync($"/documents/{document}", Cancel)).StatusCode);

        Assert.False(await IsCachedAsync(_app, client.TenantId, answer));
    }

    [Fact]
    public async Task ReplacingTheCitedDocumentDropsTheCachedAnswer()
    {
        using var client = await _app.CreateTenantClientAsync("editor");
        await AddDocumentAsync(client.Http, Handbook, externalId: "handbook");
        var (answer, _) = await GenerateAsync(client.Http);
        Assert.True(await IsCachedAsync(_app, client.TenantId, answer));

        await AddDocumentAsync(client.Http, Handbook + " The help desk moved to the fourth floor.", externalId: "handbook");

        Assert.False(await IsCachedAsync(_app, client.TenantId, answer));
        var (_, cache) = await GenerateAsync(client.Http);
        Assert.Equal("miss", cache);
        Assert.Equal(2, ChatCalls);
    }

    [Fact]
    public async Task OneTenantsCachedAnswerIsNeverServedToAnotherAndItsDocumentsDoNotTouchIt()
    {
        using var first = await _app.CreateTenantClientAsync("editor");
        using var second = await _app.CreateTenantClientAsync("editor");
        await AddDocumentAsync(first.Http, Handbook);
        var secondDocument = await AddDocumentAsync(second.Http, Handbook);

        var (firstAnswer, firstCache) = await GenerateAsync(first.Http);
        var (secondAnswer, secondCache) = await GenerateAsync(second.Http);
        Assert.Equal("miss", firstCache);
        Assert.Equal("miss", secondCache);
        Assert.Equal(2, ChatCalls);

        // The second tenant deleting its copy drops its own answer only.
        Assert.Equal(HttpStatusCode.NoContent, (await second.Http.DeleteAsync($"/documents/{secondDocument}", Cancel)).StatusCode);
        Assert.False(await IsCachedAsync(_app, second.TenantId, secondAnswer));
        Assert.True(await IsCachedAsync(_app, first.TenantId, firstAnswer));
        var (_, again) = await GenerateAsync(first.Http);
        Assert.Equal("hit", again);
        Assert.Equal(2, ChatCalls);
    }

    [Fact]
    public async Task DeletingADocumentOfOneTenantLeavesAnotherTenantsAnswerWithTheSameIds()
    {
        using var first = await _app.CreateTenantClientAsync("editor");
        using var second = await _app.CreateTenantClientAsync("editor");
        var firstDocument = await AddDocumentAsync(first.Http, Handbook);
        await AddDocumentAsync(second.Http, Handbook);
        var (secondAnswer, _) = await GenerateAsync(second.Http);

        Assert.Equal(HttpStatusCode.NoContent, (await first.Http.DeleteAsync($"/documents/{firstDocument}", Cancel)).StatusCode);

        Assert.True(await IsCachedAsync(_app, second.TenantId, secondAnswer));
    }
}
