namespace Groundwork.Models;

/// <summary>A provider with its settings read and checked: the address to call, the key (or why there is none) and extra headers.</summary>
public sealed record ResolvedProvider(
    string Name, ModelProvider Type, Uri? BaseUrl, string? ApiKey, string? MissingKeyReason, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// The providers a target may name: those of the <c>Providers</c> section, and the built-in <c>openai</c>,
/// <c>anthropic</c>, <c>ollama</c> and <c>local</c> that read the simple settings (<c>OPENAI_API_KEY</c>,
/// <c>OPENAI_BASE_URL</c>, …) unless the section defines a provider of that name itself.
/// </summary>
public static class ProviderCatalog
{
    public const string OpenAiKeySetting = "OPENAI_API_KEY";
    public const string OpenAiBaseUrlSetting = "OPENAI_BASE_URL";
    public const string AnthropicKeySetting = "ANTHROPIC_API_KEY";
    public const string AnthropicBaseUrlSetting = "ANTHROPIC_BASE_URL";
    public const string OllamaBaseUrlSetting = "OLLAMA_BASE_URL";
    public static readonly Uri DefaultOllamaUrl = new("http://localhost:11434/");

    /// <summary>Every provider by name (case-insensitive, like configuration keys); what is wrong with their settings goes to <paramref name="failures"/>.</summary>
    public static Dictionary<string, ResolvedProvider> Resolve(ProvidersOptions options, IConfiguration configuration, ICollection<string> failures)
    {
        var providers = new Dictionary<string, ResolvedProvider>(StringComparer.OrdinalIgnoreCase)
        {
            ["local"] = new("local", ModelProvider.Local, null, null, null, NoHeaders),
            ["openai"] = BuiltIn("openai", ModelProvider.OpenAI, OpenAiKeySetting, OpenAiBaseUrlSetting, configuration, failures,
                $"set {OpenAiKeySetting} (and {OpenAiBaseUrlSetting} for any OpenAI-compatible server)"),
            ["anthropic"] = BuiltIn("anthropic", ModelProvider.Anthropic, AnthropicKeySetting, AnthropicBaseUrlSetting, configuration, failures,
                $"set {AnthropicKeySetting} (and {AnthropicBaseUrlSetting} to use another endpoint)"),
            ["ollama"] = BuiltIn("ollama", ModelProvider.Ollama, null, OllamaBaseUrlSetting, configuration, failures, null),
        };

        foreach (var (name, definition) in options.Providers)
        {
            var prefix = $"{ProvidersOptions.Section}__{name}__";
            if (definition.Type is not { } type || !Enum.IsDefined(type))
            {
                failures.Add($"{prefix}Type must be one of: openai, anthropic, ollama, local.");
                continue;
            }

            var baseUrl = ParseUrl(definition.BaseUrl, $"{prefix}BaseUrl", failures);
            if (type == ModelProvider.Local && (definition.BaseUrl is not null || definition.ApiKey is not null || definition.ApiKeyVariable is not null))
            {
                failures.Add($"Provider '{name}' is local: it has no BaseUrl, ApiKey or ApiKeyVariable.");
            }

            if (definition.ApiKey is not null && definition.ApiKeyVariable is not null)
            {
                failures.Add($"Provider '{name}' sets both {prefix}ApiKey and {prefix}ApiKeyVariable; keep one.");
            }

            foreach (var (header, value) in definition.Headers)
            {
                if (header.Length == 0 || header.Any(c => c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c)) || value.Any(c => c is '\r' or '\n' or '\0'))
                {
                    failures.Add($"{prefix}Headers__{header} is not a valid HTTP header name and value.");
                }
            }

            var (key, missing) = type switch
            {
                ModelProvider.Local or ModelProvider.Ollama => (definition.ApiKey ?? (definition.ApiKeyVariable is { } v ? configuration[v] : null), null),
                _ when !string.IsNullOrWhiteSpace(definition.ApiKey) => (definition.ApiKey, null),
                _ when definition.ApiKeyVariable is { } variable => string.IsNullOrWhiteSpace(configuration[variable])
                    ? (null, $"set {variable} ({prefix}ApiKeyVariable names it)")
                    : (configuration[variable], (string?)null),
                _ => (null, $"set {prefix}ApiKey, or {prefix}ApiKeyVariable to the variable that holds the key"),
            };
            providers[name] = new(name, type, baseUrl ?? (type == ModelProvider.Ollama ? DefaultOllamaUrl : null), key, missing,
                new Dictionary<string, string>(definition.Headers, StringComparer.OrdinalIgnoreCase));
        }

        return providers;
    }

    public static bool TryParseUrl(string value, out Uri url) =>
        Uri.TryCreate(value, UriKind.Absolute, out url!) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);

    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    private static ResolvedProvider BuiltIn(
        string name, ModelProvider type, string? keySetting, string baseUrlSetting, IConfiguration configuration, ICollection<string> failures, string? missingKeyHint)
    {
        var baseUrl = ParseUrl(configuration[baseUrlSetting], baseUrlSetting, failures);
        var key = keySetting is null ? null : configuration[keySetting];
        var missing = keySetting is not null && string.IsNullOrWhiteSpace(key) ? missingKeyHint : null;
        return new(name, type, baseUrl ?? (type == ModelProvider.Ollama ? DefaultOllamaUrl : null), key, missing, NoHeaders);
    }

    private static Uri? ParseUrl(string? value, string setting, ICollection<string> failures)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (TryParseUrl(value, out var url))
        {
            return url;
        }

        failures.Add($"{setting} must be an absolute http or https URL, not '{value}'.");
        return null;
    }
}
