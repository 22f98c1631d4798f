using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.FakeUpstream;

namespace Groundwork.Tests.Models;

/// <summary>
/// Two fake upstreams behind one Groundwork: model <c>chain</c> asks <c>primary</c> (OpenAI wire, upstream A) and falls
/// back to <c>backup</c> (Anthropic wire, upstream B). Faults are set on A or B per test and cleared by <see cref="ResetAsync"/>.
/// </summary>
public class RoutingFixture : IAsyncLifetime
{
    public const string ChatPath = "/v1/chat/completions";
    public const string MessagesPath = "/v1/messages";
    public const string OllamaChatPath = "/api/chat";

    public FakeUpstreamServer Primary { get; private set; } = null!;

    public FakeUpstreamServer Backup { get; private set; } = null!;

    public GroundworkApp App { get; private set; } = null!;

    /// <summary>A loopback port nothing listens on: connecting to it is refused.</summary>
    public int ClosedPort { get; private set; }

    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public async ValueTask InitializeAsync()
    {
        Primary = await FakeUpstreamServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        Backup = await FakeUpstreamServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        ClosedPort = LoopbackPort.Free();

        var settings = new Dictionary<string, string?>
        {
            ["Providers:primary:Type"] = "openai",
            ["Providers:primary:BaseUrl"] = Primary.OpenAiEndpoint.ToString(),
            ["Providers:primary:ApiKey"] = "primary-key",
            ["Providers:primary:Headers:X-Team"] = "search-team",
            ["Providers:backup:Type"] = "anthropic",
            ["Providers:backup:BaseUrl"] = Backup.BaseUrl.ToString(),
            ["Providers:backup:ApiKeyVariable"] = "BACKUP_KEY",
            ["BACKUP_KEY"] = "backup-key",
            ["Providers:nowhere:Type"] = "openai",
            ["Providers:nowhere:BaseUrl"] = $"http://127.0.0.1:{ClosedPort}/v1",
            ["Providers:nowhere:ApiKey"] = "k",
            ["Models:chain:Targets:0:Provider"] = "primary",
            ["Models:chain:Targets:0:UpstreamModel"] = "gpt-4o",
            ["Models:chain:Targets:0:Timeouts:FirstTokenSeconds"] = "1",
            ["Models:chain:Targets:0:Timeouts:TotalSeconds"] = "3",
            ["Models:chain:Targets:1:Provider"] = "backup",
            ["Models:chain:Targets:1:UpstreamModel"] = "claude-backup",
            ["Models:chain:Targets:1:Timeouts:FirstTokenSeconds"] = "1",
            ["Models:chain:Targets:1:Timeouts:TotalSeconds"] = "3",
            ["Models:refused:Targets:0:Provider"] = "nowhere",
            ["Models:refused:Targets:0:UpstreamModel"] = "gpt-4o",
            ["Models:refused:Targets:1:Provider"] = "backup",
            ["Models:refused:Targets:1:UpstreamModel"] = "claude-backup",
            ["Models:shared:Targets:0:Provider"] = "primary",
            ["Models:shared:Targets:0:UpstreamModel"] = "gpt-4o",
            ["Models:shared:Targets:0:Weight"] = "1",
            ["Models:shared:Targets:1:Provider"] = "backup",
            ["Models:shared:Targets:1:UpstreamModel"] = "claude-backup",
            ["Models:shared:Targets:1:Weight"] = "1",
            ["Providers:ollama-a:Type"] = "ollama",
            ["Providers:ollama-a:BaseUrl"] = Primary.OllamaEndpoint.ToString(),
            ["Models:llama:Targets:0:Provider"] = "ollama-a",
            ["Models:llama:Targets:0:UpstreamModel"] = "llama3.2",
            ["Models:llama:Targets:0:Timeouts:FirstTokenSeconds"] = "1",
            ["Models:llama:Targets:0:Timeouts:TotalSeconds"] = "3",
            ["Models:llama:Targets:1:Provider"] = "backup",
            ["Models:llama:Targets:1:UpstreamModel"] = "claude-backup",
            ["Models:claude:Provider"] = "backup",
            ["Models:claude:UpstreamModel"] = "claude-backup",
            ["Models:local:Provider"] = "local",
            ["Resilience:MaxRetries"] = "0",
            // Failures across the tests of one class must not open a circuit; CircuitBreakerTests opens one on purpose.
            ["Resilience:BreakerMinimumThroughput"] = "10000",
            ["Generation:WhenNothingRelevant"] = "ask_model",
        };
        Configure(settings);
        App = CreateApp(settings);
        await ResetAsync();
    }

    protected virtual GroundworkApp CreateApp(Dictionary<string, string?> settings) => new(settings);

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Primary.DisposeAsync();
        await Backup.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    public Task ResetAsync()
    {
        foreach (var upstream in new[] { Primary, Backup })
        {
            upstream.Options.Fault = null;
            upstream.Options.FirstByteDelayMs = 0;
            upstream.ClearRequests();
        }

        return Task.CompletedTask;
    }

    public int Calls(FakeUpstreamServer upstream, string path) => upstream.Requests.Count(r => r.Path == path);

    public async Task<HttpResponseMessage> GenerateAsync(string model, CancellationToken cancellationToken)
    {
        using var client = App.CreateClient();
        return await client.PostAsJsonAsync("/generate", new { text = "Where is the help desk?", model }, GroundworkApp.Json, cancellationToken);
    }

    public static async Task<JsonElement> BodyAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }
}
