using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.FakeUpstream;

namespace Groundwork.Tests.Usage;

/// <summary>GET /usage over real HTTP: every model call is counted, grouped by day, model or user, and only in its own tenant.</summary>
public sealed class UsageApiTests : IAsyncLifetime
{
    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        settings["Generation:WhenNothingRelevant"] = "ask_model";
        _app = new GroundworkApp(settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static async Task<JsonElement> GenerateAsync(HttpClient client, string model, string text = "What is in the handbook?")
    {
        var response = await client.PostAsJsonAsync("/generate", new { text, model, max_tokens = 40 }, GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("usage");
    }

    private static async Task<JsonElement> UsageAsync(HttpClient client, string query = "")
    {
        var response = await client.GetAsync("/usage" + query, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct);
    }

    private static long Total(JsonElement usage, string field) => usage.GetProperty(field).GetInt64();

    [Fact]
    public async Task EmbeddingCallsAreCountedAndSpendTheTenantsBudget()
    {
        using var admin = await _app.CreateTenantClientAsync("admin");
        var response = await admin.Http.PostAsJsonAsync("/embeddings", new { input = new[] { "The reactor is cooled by liquid helium.", "Pumps." } },
            GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tokens = (await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("usage").GetProperty("prompt_tokens").GetInt64();
        Assert.True(tokens > 0);

        var total = (await UsageAsync(admin.Http)).GetProperty("total");
        Assert.Equal(1, Total(total, "requests"));
        Assert.Equal(tokens, Total(total, "prompt_tokens"));
        Assert.Equal(0, Total(total, "completion_tokens"));
        Assert.Equal(tokens, Total(total, "total_tokens"));

        // Its worst case (the texts' bytes) no longer fits in what is left of the budget: refused before the model is asked.
        using var operatorClient = _app.CreateClient();
        var patched = await operatorClient.PatchAsJsonAsync($"/tenants/{admin.TenantId}", new { budget = new { tokens = tokens + 10, period = "day" } },
            GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var refused = await admin.Http.PostAsJsonAsync("/embeddings", new { input = "The reactor is cooled by liquid helium." }, GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("tenant", (await refused.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("limit").GetString());
        var small = await admin.Http.PostAsJsonAsync("/embeddings", new { input = "Pumps." }, GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Contains(small.Headers.GetValues("RateLimit"), v => v.StartsWith("\"tenant-tokens\";r=", StringComparison.Ordinal));
        Assert.Equal(2, Total((await UsageAsync(admin.Http)).GetProperty("total"), "requests"));
    }

    [Fact]
    public async Task EveryCallIsCountedAndGroupedByModelUserAndDay()
    {
        using var admin = await _app.CreateTenantClientAsync("admin");
        using var reader = await _app.CreateTenantClientAsync("reader", admin.TenantId);
        var a = await GenerateAsync(admin.Http, "gpt-4");
        var b = await GenerateAsync(reader.Http, "claude-3");
        var c = await GenerateAsync(reader.Http, "gpt-4", "Another question about the handbook and its chapters?");

        var report = await UsageAsync(admin.Http, "?group_by=model");
        var total = report.GetProperty("total");
        Assert.Equal(3, Total(total, "requests"));
        Assert.Equal(Total(a, "prompt_tokens") + Total(b, "prompt_tokens") + Total(c, "prompt_tokens"), Total(total, "prompt_tokens"));
        Assert.Equal(Total(a, "completion_tokens") + Total(b, "completion_tokens") + Total(c, "completion_tokens"), Total(total, "completion_tokens"));
        Assert.Equal(Total(a, "total_tokens") + Total(b, "total_tokens") + Total(c, "total_tokens"), Total(total, "total_tokens"));
        Assert.Equal(admin.TenantId, report.GetProperty("tenant_id").GetInt64());
        Assert.Equal("model", report.GetProperty("group_by").GetString());

        var byModel = report.GetProperty("groups").EnumerateArray().ToDictionary(g => g.GetProperty("key").GetString()!);
        Assert.Equal(["claude-3", "gpt-4"], byModel.Keys);
        Assert.Equal(2, Total(byModel["gpt-4"], "requests"));
        Assert.Equal(Total(a, "total_tokens") + Total(c, "total_tokens"), Total(byModel["gpt-4"], "total_tokens"));
        Assert.Equal(Total(b, "total_tokens"), Total(byModel["claude-3"], "total_tokens"));

        var byUser = (await UsageAsync(admin.Http, "?group_by=user")).GetProperty("groups").EnumerateArray()
            .ToDictionary(g => long.Parse(g.GetProperty("key").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(1, Total(byUser[admin.UserId], "requests"));
        Assert.Equal(2, Total(byUser[reader.UserId], "requests"));
        Assert.Equal(Total(b, "total_tokens") + Total(c, "total_tokens"), Total(byUser[reader.UserId], "total_tokens"));

        var byDay = (await UsageAsync(admin.Http, "?group_by=day")).GetProperty("groups");
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), Assert.Single(byDay.EnumerateArray()).GetProperty("key").GetString());

        // A range that ends before the calls holds none of them.
        var before = await UsageAsync(admin.Http, "?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z&group_by=day");
        Assert.Equal(0, Total(before.GetProperty("total"), "requests"));
        Assert.Empty(before.GetProperty("groups").EnumerateArray());
    }

    [Fact]
    public async Task OneTenantsUsageNeverAppearsInAnothers()
    {
        using var mine = await _app.CreateTenantClientAsync("admin");
        using var theirs = await _app.CreateTenantClientAsync("admin");
        await GenerateAsync(mine.Http, "gpt-4");

        var theirReport = await UsageAsync(theirs.Http, "?group_by=user");
        Assert.Equal(0, Total(theirReport.GetProperty("total"), "requests"));
        Assert.Empty(theirReport.GetProperty("groups").EnumerateArray());

        // Another tenant's usage is the operator's to read, not another tenant admin's.
        var asking = await theirs.Http.GetAsync($"/usage?tenant_id={mine.TenantId}", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, asking.StatusCode);
        using var operatorClient = _app.CreateClient();
        var operatorView = await UsageAsync(operatorClient, $"?tenant_id={mine.TenantId}");
        Assert.Equal(1, Total(operatorView.GetProperty("total"), "requests"));
        Assert.Equal(0, Total((await UsageAsync(operatorClient)).GetProperty("total"), "requests"));
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.GetAsync("/usage?tenant_id=1", Ct)).StatusCode);
    }

    [Fact]
    public async Task ReadersAndEditorsDoNotReadUsage()
    {
        using var reader = await _app.CreateTenantClientAsync("reader");
        using var editor = await _app.CreateTenantClientAsync("editor", reader.TenantId);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.Http.GetAsync("/usage", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await editor.Http.GetAsync("/usage", Ct)).StatusCode);
    }

    [Theory]
    [InlineData("?group_by=week", "group_by")]
    [InlineData("?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    public async Task InvalidParametersAre422NamingThem(string query, string parameter)
    {
        using var admin = await _app.CreateTenantClientAsync("admin");
        var response = await admin.Http.GetAsync("/usage" + query, Ct);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _));
    }
}
