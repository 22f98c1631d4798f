using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;

namespace Groundwork.Models;

/// <summary>
/// Makes the SDK clients of a provider: one HTTP connection pool per provider and connect time-out, with its extra
/// headers, and the SDKs' own retries and time-outs off: the router is the one layer that retries and times out.
/// </summary>
public sealed class ProviderClients(IServiceProvider services) : IDisposable
{
    // Longer than any target's total time-out, which the router enforces itself; the SDK's own must never fire first.
    private static readonly TimeSpan SdkTimeout = TimeSpan.FromHours(3);

    private readonly Dictionary<(string Provider, TimeSpan Connect), HttpMessageHandler> _handlers = [];
    private readonly List<IDisposable> _owned = [];

    public IChatClient CreateChatClient(ResolvedProvider provider, string upstreamModel, TimeSpan connectTimeout)
    {
        var handler = HandlerFor(provider, connectTimeout);
        return provider.Type switch
        {
            ModelProvider.Local => new LocalExtractiveChatClient(services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>()),
            ModelProvider.OpenAI => Own(new OpenAIClient(new ApiKeyCredential(provider.ApiKey!), OpenAiOptions(provider, handler)).GetChatClient(upstreamModel).AsIChatClient()),
            ModelProvider.Anthropic => Own(AnthropicFor(provider, handler).AsIChatClient(upstreamModel)),
            ModelProvider.Ollama => Own(new OllamaApiClient(HttpClientFor(handler, provider.BaseUrl!), upstreamModel)),
            _ => throw new InvalidOperationException($"Unknown provider type {provider.Type}."),
        };
    }

    /// <summary>An embedding generator of an <c>openai</c> or <c>ollama</c> provider.</summary>
    public IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(
        ResolvedProvider provider, string model, int? dimensions, TimeSpan connectTimeout)
    {
        var handler = HandlerFor(provider, connectTimeout);
        return provider.Type switch
        {
            ModelProvider.OpenAI => Own(new OpenAIClient(new ApiKeyCredential(provider.ApiKey!), OpenAiOptions(provider, handler))
                .GetEmbeddingClient(model).AsIEmbeddingGenerator(dimensions)),
            ModelProvider.Ollama => Own(new OllamaApiClient(HttpClientFor(handler, provider.BaseUrl!), model)),
            _ => throw new InvalidOperationException($"Provider '{provider.Name}' ({provider.Type}) has no embeddings."),
        };
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        foreach (var handler in _handlers.Values)
        {
            handler.Dispose();
        }
    }

    private T Own<T>(T client)
    {
        if (client is IDisposable disposable)
        {
            _owned.Add(disposable);
        }

        return client;
    }

    private HttpMessageHandler HandlerFor(ResolvedProvider provider, TimeSpan connectTimeout)
    {
        lock (_handlers)
        {
            if (!_handlers.TryGetValue((provider.Name, connectTimeout), out var handler))
            {
                HttpMessageHandler sockets = new SocketsHttpHandler
                {
                    ConnectTimeout = connectTimeout,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    AutomaticDecompression = System.Net.DecompressionMethods.All,
                };
                if (provider.Type == ModelProvider.Ollama)
                {
                    sockets = new AbortReadsOnCancelHandler(sockets);
                }

                handler = new UpstreamResponseHeaders(provider.Headers.Count == 0 ? sockets : new ExtraHeadersHandler(sockets, provider.Headers));
                _handlers[(provider.Name, connectTimeout)] = handler;
            }

            return handler;
        }
    }

    private HttpClient HttpClientFor(HttpMessageHandler handler, Uri? baseUrl)
    {
        var client = new HttpClient(handler, disposeHandler: false) { Timeout = SdkTimeout, BaseAddress = baseUrl };
        _owned.Add(client);
        return client;
    }

    private OpenAIClientOptions OpenAiOptions(ResolvedProvider provider, HttpMessageHandler handler)
    {
        var options = new OpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = SdkTimeout,
            Transport = new HttpClientPipelineTransport(HttpClientFor(handler, null)),
            // The SDK's per-request logging policy costs CPU on every call and would log prompts; our own logs suffice.
            ClientLoggingOptions = new ClientLoggingOptions { EnableLogging = false },
        };
        if (provider.BaseUrl is { } baseUrl)
        {
            options.Endpoint = baseUrl;
        }

        return options;
    }

    private AnthropicClient AnthropicFor(ResolvedProvider provider, HttpMessageHandler handler)
    {
        var http = HttpClientFor(handler, null);
        return provider.BaseUrl is { } baseUrl
            ? new AnthropicClient { ApiKey = provider.ApiKey!, MaxRetries = 0, Timeout = SdkTimeout, HttpClient = http, BaseUrl = baseUrl.ToString() }
            : new AnthropicClient { ApiKey = provider.ApiKey!, MaxRetries = 0, Timeout = SdkTimeout, HttpClient = http };
    }

    private sealed class ExtraHeadersHandler(HttpMessageHandler inner, IReadOnlyDictionary<string, string> headers) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            foreach (var (name, value) in headers)
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>
    /// OllamaSharp reads its NDJSON stream without the call's token, so a cancelled or timed-out stream would wait for
    /// the upstream's next line (forever, if it stalls). This closes the response body when the token fires, which
    /// ends the pending read at once.
    /// </summary>
    private sealed class AbortReadsOnCancelHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            // Not the token given here: HttpClient links it to a source of its own, which it disposes once the headers are in.
            var attempt = UpstreamResponseHeaders.AttemptToken;
            if (attempt.CanBeCanceled)
            {
                var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                // The registration lives as long as the attempt's token source, which the router disposes with the attempt.
                attempt.Register(static stream => ((Stream)stream!).Dispose(), body);
                var content = new StreamContent(body);
                foreach (var (name, values) in response.Content.Headers)
                {
                    content.Headers.TryAddWithoutValidation(name, values);
                }

                response.Content = content;
            }

            return response;
        }
    }
}
