using System.Net;
using Groundwork.FakeUpstream.Control;
using Groundwork.FakeUpstream.Wire;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Groundwork.FakeUpstream;

/// <summary>
/// The fake upstream running in-process on 127.0.0.1 with a dynamic port, for tests.
/// <code>
/// await using var server = await FakeUpstreamServer.StartAsync();
/// new OpenAIClient(new ApiKeyCredential("test"), new OpenAIClientOptions { Endpoint = server.OpenAiEndpoint });
/// new AnthropicClient { ApiKey = "test", BaseUrl = server.BaseUrl.ToString() };
/// new OllamaApiClient(server.OllamaEndpoint, "llama3.2");
/// </code>
/// </summary>
public sealed class FakeUpstreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RequestLog _log;
    private readonly OptionsBaseline _baseline;

    private FakeUpstreamServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        _log = app.Services.GetRequiredService<RequestLog>();
        _baseline = app.Services.GetRequiredService<OptionsBaseline>();
        Options = app.Services.GetRequiredService<FakeUpstreamOptions>();
        BaseUrl = baseUrl;
        OpenAiEndpoint = new Uri(baseUrl, "v1");
        OllamaEndpoint = baseUrl;
    }

    /// <summary>The server root without <c>/v1</c>, e.g. <c>http://127.0.0.1:5081/</c>: the Anthropic SDK's base URL.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The root with <c>/v1</c>, e.g. <c>http://127.0.0.1:5081/v1</c>: the OpenAI SDK's endpoint.</summary>
    public Uri OpenAiEndpoint { get; }

    /// <summary>The root, e.g. <c>http://127.0.0.1:5081/</c>: OllamaSharp's URI, to which it adds <c>api/chat</c> and the like.</summary>
    public Uri OllamaEndpoint { get; }

    /// <summary>The live options (the instance passed to <see cref="StartAsync"/>, if any); change them at any time.</summary>
    public FakeUpstreamOptions Options { get; }

    /// <summary>The most recent provider requests, oldest first (up to <see cref="FakeUpstreamOptions.RecordedRequestLimit"/>).</summary>
    public IReadOnlyList<RecordedRequest> Requests => _log.Snapshot();

    public static async Task<FakeUpstreamServer> StartAsync(FakeUpstreamOptions? options = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });

        // Only what is set here counts: not the test process's environment, appsettings or logging.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.AddFakeUpstream(options ?? new FakeUpstreamOptions());

        var app = builder.Build();
        app.MapFakeUpstream();
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FakeUpstreamServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public void ClearRequests() => _log.Clear();

    /// <summary>Completes when a request held by a <see cref="FaultKind.Hang"/> or <see cref="FaultKind.Stall"/> fault, or by <see cref="HoldChat"/>, is abandoned by its client.</summary>
    public Task WaitForClientDisconnectAsync(CancellationToken cancellationToken = default) =>
        _app.Services.GetRequiredService<HangObserver>().WaitForClientDisconnectAsync(cancellationToken);

    /// <summary>
    /// Holds every chat request that arrives from now on (embeddings pass) until <see cref="ReleaseChat"/>; one whose
    /// client goes away meanwhile ends, and <see cref="WaitForClientDisconnectAsync"/> sees it.
    /// </summary>
    public void HoldChat() => _app.Services.GetRequiredService<ChatGate>().Close();

    /// <summary>Answers the held chat requests, and lets later ones through.</summary>
    public void ReleaseChat() => _app.Services.GetRequiredService<ChatGate>().Open();

    /// <summary>Completes when <paramref name="count"/> more chat requests have arrived while held.</summary>
    public Task WaitForHeldChatAsync(int count, CancellationToken cancellationToken = default) =>
        _app.Services.GetRequiredService<ChatGate>().WaitForHeldAsync(count, cancellationToken);

    /// <summary>Restores the start-up options (fault included, re-armed) and forgets the recorded requests.</summary>
    public void Reset()
    {
        _baseline.Restore(Options);
        _log.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        // Hanging requests end as soon as stopping begins; the timeout only bounds slow (latency) ones.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
