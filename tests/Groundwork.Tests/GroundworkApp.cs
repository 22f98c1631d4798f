using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;

namespace Groundwork.Tests;

/// <summary>
/// The real service over in-memory HTTP, with its own data folder (deleted on dispose) and settings.
/// Provider keys are blanked unless a test sets them, so the machine's environment cannot change a result.
/// Search:MinRelevance is 0 unless a test sets it: most tests exercise retrieval and citation mechanics on synthetic
/// text (often with the fake upstream's hashed word vectors), which the relevance calibration does not describe;
/// the relevance and abstention tests set the real default (<see cref="Groundwork.Retrieval.SearchOptions.DefaultMinRelevance"/>).
/// </summary>
public sealed class GroundworkApp : WebApplicationFactory<Program>
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _ownsDataPath;

    public GroundworkApp(IDictionary<string, string?>? settings = null, string? dataPath = null)
    {
        _ownsDataPath = dataPath is null;
        DataPath = dataPath ?? Path.Combine(Path.GetTempPath(), "groundwork-tests", Guid.NewGuid().ToString("N"));
        _settings = new Dictionary<string, string?>
        {
            ["Storage:Path"] = DataPath,
            ["OPENAI_API_KEY"] = "",
            ["OPENAI_BASE_URL"] = "",
            ["ANTHROPIC_API_KEY"] = "",
            ["ANTHROPIC_BASE_URL"] = "",
            ["Embeddings:Provider"] = "local",
            ["Search:MinRelevance"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DataPath { get; }

    /// <summary>Settings pointing gpt-4 and claude-3 at a fake upstream, with no SDK retries so faults surface at once.</summary>
    public static Dictionary<string, string?> UpstreamSettings(Groundwork.FakeUpstream.FakeUpstreamServer upstream) => new()
    {
        ["OPENAI_API_KEY"] = "test-openai-key",
        ["OPENAI_BASE_URL"] = upstream.OpenAiEndpoint.ToString(),
        ["ANTHROPIC_API_KEY"] = "test-anthropic-key",
        ["ANTHROPIC_BASE_URL"] = upstream.BaseUrl.ToString(),
        ["Providers:MaxRetries"] = "0",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(_settings));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_ownsDataPath && Directory.Exists(DataPath))
        {
            Directory.Delete(DataPath, recursive: true);
        }
    }

    public Task<long> AddDocumentAsync(string title, string text, Dictionary<string, string>? metadata = null) =>
        AddDocumentAsync(new { title, text, metadata });

    /// <summary>Adds a document from a full POST /documents JSON body (tags, source, created_at, …) and returns its id.</summary>
    public async Task<long> AddDocumentAsync(object document)
    {
        using var client = CreateClient();
        var response = await client.PostAsJsonAsync("/documents?wait=true", document, Json);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Json);
        return body.GetProperty("id").GetInt64();
    }

    public async Task<JsonElement> GenerateAsync(object request)
    {
        using var client = CreateClient();
        var response = await client.PostAsJsonAsync("/generate", request, Json);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json);
    }
}
