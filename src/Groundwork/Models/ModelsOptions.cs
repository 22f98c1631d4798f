using System.ComponentModel.DataAnnotations;

namespace Groundwork.Models;

/// <summary>The wire protocol a provider speaks.</summary>
public enum ModelProvider
{
    /// <summary>The built-in extractive answerer: no upstream, no key.</summary>
    Local,

    /// <summary>OpenAI, or any OpenAI-compatible server (vLLM, llama.cpp server, LM Studio) at its <c>BaseUrl</c>.</summary>
    OpenAI,

    Anthropic,

    /// <summary>Ollama's native API (NDJSON), through OllamaSharp.</summary>
    Ollama,
}

/// <summary>A named provider instance of the <c>Providers</c> section.</summary>
public sealed class ProviderDefinition
{
    public ModelProvider? Type { get; set; }

    /// <summary>The provider's address; its SDK's default (OpenAI's, Anthropic's, Ollama's localhost:11434) when unset.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The key itself. Prefer <see cref="ApiKeyVariable"/>, which keeps it out of configuration files.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The name of the setting or environment variable that holds the key (e.g. <c>OPENAI_API_KEY</c>).</summary>
    public string? ApiKeyVariable { get; set; }

    /// <summary>Extra headers sent with every request to this provider (e.g. an organisation or a gateway's own key).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Time-outs of one target; unset ones come from the <c>Resilience</c> section's defaults.</summary>
public sealed class TargetTimeouts
{
    /// <summary>Longest wait for the TCP (and TLS) connection to the provider.</summary>
    public double? ConnectSeconds { get; set; }

    /// <summary>Longest wait from the request to a stream's first text.</summary>
    public double? FirstTokenSeconds { get; set; }

    /// <summary>Longest wait between two parts of a stream once it has started.</summary>
    public double? BetweenChunksSeconds { get; set; }

    /// <summary>Longest a whole call may take: a single answer, or a stream from request to its end.</summary>
    public double? TotalSeconds { get; set; }
}

/// <summary>One step of a model's chain: which provider answers, with which of its models.</summary>
public sealed class TargetDefinition
{
    /// <summary>A name from the <c>Providers</c> section, or one of the built-in <c>openai</c>, <c>anthropic</c>, <c>ollama</c>, <c>local</c>.</summary>
    public string? Provider { get; set; }

    /// <summary>The provider's own model id (e.g. <c>gpt-4o</c>, <c>llama3.2</c>); not used by <c>local</c>.</summary>
    public string? UpstreamModel { get; set; }

    /// <summary>
    /// Share of first attempts: when any target of the chain has a weight, each call starts with one of the weighted
    /// targets, drawn in proportion to the weights, and falls back through the others in the listed order. Unset (0):
    /// this target is only a fallback.
    /// </summary>
    public int Weight { get; set; }

    public TargetTimeouts Timeouts { get; set; } = new();
}

/// <summary>One public model name: a chain of targets tried in order, or (the short form) a single provider and model.</summary>
public sealed class ModelDefinition
{
    /// <summary>Short form of a one-target chain: the provider name.</summary>
    public string? Provider { get; set; }

    /// <summary>Short form of a one-target chain: the provider's model id.</summary>
    public string? UpstreamModel { get; set; }

    public List<TargetDefinition> Targets { get; set; } = [];

    /// <summary>The chain, with the short form read as its only target.</summary>
    public IReadOnlyList<TargetDefinition> Chain =>
        Targets.Count > 0 || Provider is null ? Targets : [new TargetDefinition { Provider = Provider, UpstreamModel = UpstreamModel }];
}

/// <summary>The <c>Models</c> section: public model name → definition. The names are what <c>/generate</c> accepts.</summary>
public sealed class ModelsOptions
{
    public const string Section = "Models";

    public Dictionary<string, ModelDefinition> Models { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The <c>Providers</c> section: named provider instances, and two settings kept from before chains existed
/// (<c>Providers:TimeoutSeconds</c> and <c>Providers:MaxRetries</c>, which now set the <c>Resilience</c> defaults).
/// </summary>
public sealed class ProvidersOptions
{
    public const string Section = "Providers";

    public Dictionary<string, ProviderDefinition> Providers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Old form of the time-outs: sets the first-token, between-chunks and total defaults at once.</summary>
    [Range(1, 3600)]
    public int? TimeoutSeconds { get; set; }

    /// <summary>Old form of <see cref="ResilienceOptions.MaxRetries"/>.</summary>
    [Range(0, 10)]
    public int? MaxRetries { get; set; }
}

/// <summary>The <c>Resilience</c> section: how every target is retried, broken and timed out unless it says otherwise.</summary>
public sealed class ResilienceOptions
{
    public const string Section = "Resilience";

    /// <summary>Retries of one target before the next is tried (only before anything reached the client).</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>First retry delay; it doubles each time, with jitter.</summary>
    [Range(1, 60_000)]
    public int RetryDelayMs { get; set; } = 200;

    /// <summary>
    /// Longest <c>Retry-After</c> a retry waits for; a provider asking for longer is skipped to the next target at once
    /// (and its wait is passed on to the client when no target is left).
    /// </summary>
    [Range(0, 600)]
    public double MaxRetryAfterSeconds { get; set; } = 5;

    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls within the sampling window before the breaker may open.</summary>
    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; set; } = 5;

    [Range(0.5, 3600)]
    public double BreakerSamplingSeconds { get; set; } = 30;

    /// <summary>How long an open circuit skips its target before one call probes it again.</summary>
    [Range(0.5, 3600)]
    public double BreakerBreakSeconds { get; set; } = 30;

    [Range(0.1, 300)]
    public double ConnectSeconds { get; set; } = 10;

    [Range(0.1, 3600)]
    public double FirstTokenSeconds { get; set; } = 60;

    [Range(0.1, 3600)]
    public double BetweenChunksSeconds { get; set; } = 30;

    [Range(0.1, 7200)]
    public double TotalSeconds { get; set; } = 300;
}
