using Groundwork.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;

namespace Groundwork.Models;

/// <summary>
/// Maps the public model names of the <c>Models</c> section to their routed chains of targets. A name none of whose
/// targets has its provider's credentials stays a known name but answers with <see cref="ModelUnavailableException"/>:
/// nothing is substituted.
/// </summary>
public sealed class ModelRegistry
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public ModelRegistry(
        IOptions<ModelsOptions> models, IOptions<ProvidersOptions> providers, IOptions<ResilienceOptions> resilience, IConfiguration configuration,
        IOptions<TelemetryOptions> telemetry, ProviderClients clients, ResiliencePipelineRegistry<string> pipelines, RoutingMetrics metrics,
        TimeProvider clock)
    {
        // The settings were checked at start-up (ProvidersOptionsValidator, ModelsOptionsValidator).
        var catalog = ProviderCatalog.Resolve(providers.Value, configuration, []);
        var recordContent = telemetry.Value.RecordContent;
        var breakers = new Dictionary<AnsweredBy, (ResiliencePipeline Pipeline, CircuitBreakerStateProvider Circuit)>();
        foreach (var (name, definition) in models.Value.Models.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var chain = definition.Chain;
            var targets = new List<RouteTarget>(chain.Count);
            for (var index = 0; index < chain.Count; index++)
            {
                var target = chain[index];
                var provider = catalog[target.Provider!];
                var upstreamModel = provider.Type == ModelProvider.Local ? LocalExtractiveChatClient.ModelId : target.UpstreamModel!;
                var connect = TimeSpan.FromSeconds(target.Timeouts.ConnectSeconds ?? resilience.Value.ConnectSeconds);
                var client = provider.MissingKeyReason is null
                    ? new ChatClientBuilder(clients.CreateChatClient(provider, upstreamModel, connect))
                        .UseOpenTelemetry(sourceName: RoutingMetrics.MeterName, configure: telemetry => telemetry.EnableSensitiveData = recordContent)
                        .Build()
                    : null;
                var reason = provider.MissingKeyReason is { } missing
                    ? $"Model '{name}' uses the provider '{provider.Name}', which is not configured: {missing}."
                    : null;
                // One circuit per provider and upstream model, whichever public names share it: it is the upstream's health.
                var answeredBy = new AnsweredBy(provider.Name, upstreamModel);
                if (!breakers.TryGetValue(answeredBy, out var breaker))
                {
                    var circuit = new CircuitBreakerStateProvider();
                    var pipeline = pipelines.GetOrAddPipeline($"{provider.Name}/{upstreamModel}", builder =>
                        TargetPipeline.Configure(builder, resilience.Value, providers.Value, circuit, clock, kind => metrics.Retry(answeredBy, kind)));
                    breakers[answeredBy] = breaker = (pipeline, circuit);
                }

                var routeTarget = new RouteTarget(name, answeredBy, client, reason, target.Weight,
                    Limits(name, index, definition, target, resilience.Value, providers.Value), breaker.Pipeline, breaker.Circuit);
                metrics.Track(routeTarget);
                targets.Add(routeTarget);
            }

            _entries[name] = new Entry(new RoutedChatClient(name, targets, metrics), [.. targets.Select(t => catalog[t.AnsweredBy.Provider].Type).Distinct()]);
        }

        Names = [.. _entries.Keys];
    }

    /// <summary>Every configured public model name, including those whose providers are not usable yet.</summary>
    public IReadOnlyList<string> Names { get; }

    public bool IsKnown(string name) => _entries.ContainsKey(name);

    /// <summary>The kinds of provider that may answer <paramref name="name"/> (its budgets reserve for the costliest).</summary>
    public IReadOnlyList<ModelProvider> ProviderTypesOf(string name) => _entries[name].Types;

    /// <exception cref="ModelUnavailableException">No target of <paramref name="name"/> has its provider configured.</exception>
    public IChatClient GetChatClient(string name)
    {
        var entry = _entries.GetValueOrDefault(name)
            ?? throw new ModelUnavailableException(name, $"Model '{name}' is not configured; configured models: {string.Join(", ", Names)}.");
        if (entry.Client.Targets.All(target => target.Client is null))
        {
            throw new ModelUnavailableException(name, string.Join(" ", entry.Client.Targets.Select(target => target.UnavailableReason).Distinct()));
        }

        return entry.Client;
    }

    /// <summary>The routed client of <paramref name="name"/>, usable or not (for tests and diagnostics).</summary>
    public RoutedChatClient RouteOf(string name) => _entries[name].Client;

    private static TargetLimits Limits(
        string model, int index, ModelDefinition definition, TargetDefinition target, ResilienceOptions defaults, ProvidersOptions legacy)
    {
        (TimeSpan, string) Pick(double? own, string key, double fallback) =>
            own is { } seconds && definition.Targets.Count > 0 ? (TimeSpan.FromSeconds(seconds), $"{ModelsOptions.Section}__{model}__Targets__{index}__Timeouts__{key}")
            : legacy.TimeoutSeconds is { } old ? (TimeSpan.FromSeconds(old), $"{ProvidersOptions.Section}__TimeoutSeconds")
            : (TimeSpan.FromSeconds(fallback), $"{ResilienceOptions.Section}__{key}");

        var (firstToken, firstTokenSetting) = Pick(target.Timeouts.FirstTokenSeconds, nameof(TargetTimeouts.FirstTokenSeconds), defaults.FirstTokenSeconds);
        var (between, betweenSetting) = Pick(target.Timeouts.BetweenChunksSeconds, nameof(TargetTimeouts.BetweenChunksSeconds), defaults.BetweenChunksSeconds);
        var (total, totalSetting) = Pick(target.Timeouts.TotalSeconds, nameof(TargetTimeouts.TotalSeconds), defaults.TotalSeconds);
        return new TargetLimits(firstToken, firstTokenSetting, between, betweenSetting, total, totalSetting);
    }

    private sealed record Entry(RoutedChatClient Client, IReadOnlyList<ModelProvider> Types);
}
