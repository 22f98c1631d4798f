using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Models;

/// <summary>GET /models: the chat models that can answer (local described as the extractive model), and the default.</summary>
public sealed class ModelsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ModelsWithoutCredentialsAreLeftOutAndAnUnavailableDefaultIsReportedAsSuch()
    {
        await using var app = new GroundworkApp();
        using var reader = await app.CreateTenantClientAsync("reader");

        var response = await reader.Http.GetAsync("/models", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var local = Assert.Single(body.GetProperty("models").EnumerateArray());
        Assert.Equal("local", local.GetProperty("name").GetString());
        Assert.Equal("local", local.GetProperty("provider").GetString());
        Assert.Equal("groundwork-local-extractive", local.GetProperty("upstream_model").GetString());
        Assert.Contains("extractive", local.GetProperty("description").GetString());
        Assert.Contains("not an LLM", local.GetProperty("description").GetString());
        Assert.False(local.GetProperty("is_default").GetBoolean());
        Assert.Equal("gpt-4", body.GetProperty("default").GetString());
        Assert.False(body.GetProperty("default_available").GetBoolean());
    }

    [Fact]
    public async Task AModelWhoseProviderHasAKeyIsListedAndTheDefaultIsMarked()
    {
        await using var app = new GroundworkApp(new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "test-openai-key" });

        var list = await app.CreateClient().GetFromJsonAsync<Groundwork.Client.ModelList>("/models", GroundworkApp.Json, Ct);

        Assert.NotNull(list);
        Assert.Equal(["gpt-4", "local"], list.Models.Select(m => m.Name).Order(StringComparer.Ordinal));
        var gpt4 = list.Models.Single(m => m.Name == "gpt-4");
        Assert.Equal("openai", gpt4.Provider);
        Assert.Equal("gpt-4o", gpt4.UpstreamModel);
        Assert.True(gpt4.IsDefault);
        Assert.Contains("gpt-4o", gpt4.Description);
        Assert.Equal("gpt-4", list.Default);
        Assert.True(list.DefaultAvailable);
    }

    [Fact]
    public async Task ModelsNeedAKey()
    {
        await using var app = new GroundworkApp();
        using var anonymous = app.CreateClient();
        anonymous.DefaultRequestHeaders.Authorization = null;

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/models", Ct)).StatusCode);
    }
}
