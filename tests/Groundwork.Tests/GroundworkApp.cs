using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

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
    private readonly Action<IServiceCollection>? _configureServices;

    /// <param name="configureServices">Changes to the service's registrations, applied after its own (an in-memory trace exporter, say).</param>
    public GroundworkApp(IDictionary<string, string?>? settings = null, string? dataPath = null, Action<IServiceCollection>? configureServices = null)
    {
        _configureServices = configureServices;
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
            ["Auth:BootstrapKey"] = OperatorKey,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DataPath { get; }

    /// <summary>The key of the operator the service creates on first start (admin of the tenant "default"); every
    /// client from <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/> sends it.</summary>
    public string OperatorKey { get; } = Groundwork.Auth.ApiKeyFormat.New();

    /// <summary>Settings pointing gpt-4 and claude-3 at a fake upstream, with no SDK retries so faults surface at once.</summary>
    public static Dictionary<string, string?> UpstreamSettings(Groundwork.FakeUpstream.FakeUpstreamServer upstream) => new()
    {
        ["OPENAI_API_KEY"] = "test-openai-key",
        ["OPENAI_BASE_URL"] = upstream.OpenAiEndpoint.ToString(),
        ["ANTHROPIC_API_KEY"] = "test-anthropic-key",
        ["ANTHROPIC_BASE_URL"] = upstream.BaseUrl.ToString(),
        ["Providers:MaxRetries"] = "0",
    };

    /// <summary>
    /// A new tenant (or <paramref name="tenantId"/>) with a user of <paramref name="role"/> (reader, editor, admin) and a
    /// client that sends that user's new key. Made directly in the database, so that tests of other features do not
    /// depend on the management API.
    /// </summary>
    public async Task<TenantClient> CreateTenantClientAsync(string role, long? tenantId = null, bool readOnly = false, DateTime? expiresAt = null)
    {
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<Groundwork.Infrastructure.GroundworkDbContext>();
        var now = DateTime.UtcNow;
        var suffix = Guid.NewGuid().ToString("N")[..12];
        if (tenantId is null)
        {
            var tenant = new Groundwork.Infrastructure.TenantEntity { Name = $"tenant-{suffix}", CreatedAt = now };
            db.Tenants.Add(tenant);
            tenantId = tenant.Id;
        }

        var user = new Groundwork.Infrastructure.UserEntity
        {
            TenantId = tenantId.Value, Email = $"{role}-{suffix}@example.com", Name = $"{role} {suffix}",
            Role = Enum.Parse<Groundwork.Infrastructure.Role>(role, ignoreCase: true), CreatedAt = now,
        };
        db.Users.Add(user);
        var key = Groundwork.Auth.ApiKeyFormat.New();
        db.ApiKeys.Add(new Groundwork.Infrastructure.ApiKeyEntity
        {
            UserId = user.Id, Name = "test", Prefix = Groundwork.Auth.ApiKeyFormat.Prefix(key), Hash = Groundwork.Auth.ApiKeyFormat.Hash(key),
            ReadOnly = readOnly, ExpiresAt = expiresAt, CreatedAt = now,
        });
        await db.SaveChangesAsync();

        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return new TenantClient(client, tenantId.Value, user.Id, key);
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OperatorKey);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(_settings));
        if (_configureServices is not null)
        {
            builder.ConfigureServices(_configureServices);
        }
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

/// <summary>A client acting as one user of one tenant, made by <see cref="GroundworkApp.CreateTenantClientAsync"/>.</summary>
public sealed record TenantClient(HttpClient Http, long TenantId, long UserId, string Key) : IDisposable
{
    public void Dispose() => Http.Dispose();
}
