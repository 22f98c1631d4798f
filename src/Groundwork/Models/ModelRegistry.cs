using System.ClientModel;
using System.ClientModel.Primitives;
using Anthropic;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace Groundwork.Models;

/// <summary>
/// Maps the public model names of the <c>Models</c> section to chat clients. A name whose provider lacks its
/// credentials stays a known name but answers with <see cref="ModelUnavailableException"/>: nothing is substituted.
/// </summary>
public sealed class ModelRegistry : IDisposable
{
    public const string OpenAiKeySetting = "OPENAI_API_KEY";
    public const string OpenAiBaseUrlSetting = "OPENAI_BASE_URL";
    public const string AnthropicKeySetting = "ANTHROPIC_API_KEY";
    public const string AnthropicBaseUrlSetting = "ANTHROPIC_BASE_URL";

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public ModelRegistry(IOptions<ModelsOptions> models, IOptions<ProvidersOptions> providers, IConfiguration configuration,
        IEmbeddingGenerator<string, Embedding<float>> embedder)
    {
        var timeout = TimeSpan.FromSeconds(providers.Value.TimeoutSeconds);
        foreach (var (name, definition) in models.Value.Models.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var (client, unavailableReason) = definition.Provider switch
            {
                ModelProvider.Local => (new LocalExtractiveChatClient(embedder), null),
                ModelProvider.OpenAI => CreateOpenAi(name, definition, providers.Value, configuration),
                ModelProvider.Anthropic => CreateAnthropic(name, definition, providers.Value, configuration),
                _ => throw new InvalidOperationException($"Unknown provider {definition.Provider}."),
            };
            var answeredBy = new AnsweredBy(definition.Provider.ToString().ToLowerInvariant(), definition.UpstreamModel ?? LocalExtractiveChatClient.ModelId);
            var pipeline = client is null ? null : new ChatClientBuilder(client)
                .UseOpenTelemetry(sourceName: "Groundwork.Models", configure: telemetry => telemetry.EnableSensitiveData = false)
                .Use(inner => new UpstreamTimeoutChatClient(inner, name, timeout))
                .Use(
                    async (messages, options, next, token) => answeredBy.StampOn(await next.GetResponseAsync(messages, options, token)),
                    (messages, options, next, token) => StampAll(next.GetStreamingResponseAsync(messages, options, token), answeredBy, token))
                .Build();
            _entries[name] = new Entry(definition, pipeline, unavailableReason);
        }

        Names = [.. _entries.Keys];
    }

    /// <summary>Every configured public model name, including those whose provider is not usable yet.</summary>
    public IReadOnlyList<string> Names { get; }

    public bool IsKnown(string name) => _entries.ContainsKey(name);

    public ModelProvider ProviderOf(string name) => _entries[name].Definition.Provider;

    /// <exception cref="ModelUnavailableException">The provider of <paramref name="name"/> is not configured.</exception>
    public IChatClient GetChatClient(string name)
    {
        var entry = _entries.GetValueOrDefault(name)
            ?? throw new ModelUnavailableException(name, $"Model '{name}' is not configured; configured models: {string.Join(", ", Names)}.");
        return entry.Client ?? throw new ModelUnavailableException(name, entry.UnavailableReason!);
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values)
        {
            entry.Client?.Dispose();
        }
    }

    private static (IChatClient?, string?) CreateOpenAi(string name, ModelDefinition definition, ProvidersOptions providers, IConfiguration configuration)
    {
        var key = configuration[OpenAiKeySetting];
        if (string.IsNullOrWhiteSpace(key))
        {
            return (null, $"Model '{name}' uses the OpenAI provider, which is not configured: set {OpenAiKeySetting} " +
                          $"(and {OpenAiBaseUrlSetting} for any OpenAI-compatible server).");
        }

        var options = new OpenAIClientOptions
        {
            RetryPolicy = new ClientRetryPolicy(providers.MaxRetries),
            NetworkTimeout = TimeSpan.FromSeconds(providers.TimeoutSeconds),
            // The SDK's per-request logging policy costs CPU on every call and would log prompts; our own logs suffice.
            ClientLoggingOptions = new ClientLoggingOptions { EnableLogging = false },
        };
        if (configuration[OpenAiBaseUrlSetting] is { Length: > 0 } baseUrl)
        {
            options.Endpoint = new Uri(baseUrl);
        }

        return (new OpenAIClient(new ApiKeyCredential(key), options).GetChatClient(definition.UpstreamModel).AsIChatClient(), null);
    }

    private static (IChatClient?, string?) CreateAnthropic(string name, ModelDefinition definition, ProvidersOptions providers, IConfiguration configuration)
    {
        var key = configuration[AnthropicKeySetting];
        if (string.IsNullOrWhiteSpace(key))
        {
            return (null, $"Model '{name}' uses the Anthropic provider, which is not configured: set {AnthropicKeySetting} " +
                          $"(and {AnthropicBaseUrlSetting} to use another endpoint).");
        }

        var baseUrl = configuration[AnthropicBaseUrlSetting];
        var client = string.IsNullOrWhiteSpace(baseUrl)
            ? new AnthropicClient { ApiKey = key, MaxRetries = providers.MaxRetries, Timeout = TimeSpan.FromSeconds(providers.TimeoutSeconds) }
            : new AnthropicClient { ApiKey = key, MaxRetries = providers.MaxRetries, Timeout = TimeSpan.FromSeconds(providers.TimeoutSeconds), BaseUrl = baseUrl };

        return (client.AsIChatClient(definition.UpstreamModel!), null);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> StampAll(
        IAsyncEnumerable<ChatResponseUpdate> updates, AnsweredBy answeredBy, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var update in updates.WithCancellation(cancellationToken))
        {
            yield return answeredBy.StampOn(update);
        }
    }

    private sealed record Entry(ModelDefinition Definition, IChatClient? Client, string? UnavailableReason);
}
