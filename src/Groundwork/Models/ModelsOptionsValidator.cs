using Microsoft.Extensions.Options;

namespace Groundwork.Models;

/// <summary>Checks every provider's settings (type, address, key source, headers) at start-up, not on the first request.</summary>
public sealed class ProvidersOptionsValidator(IConfiguration configuration) : IValidateOptions<ProvidersOptions>
{
    public ValidateOptionsResult Validate(string? name, ProvidersOptions options)
    {
        var failures = new List<string>();
        ProviderCatalog.Resolve(options, configuration, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Checks every model's chain: each target names a known provider, an upstream model where one is needed, and sane limits.</summary>
public sealed class ModelsOptionsValidator(IOptions<ProvidersOptions> providers, IConfiguration configuration) : IValidateOptions<ModelsOptions>
{
    private const double LongestTimeoutSeconds = 7200;

    public ValidateOptionsResult Validate(string? name, ModelsOptions options)
    {
        var failures = new List<string>();
        if (options.Models.Count == 0)
        {
            failures.Add("No model is configured: add at least one entry under Models (e.g. Models__local__Provider=local).");
        }

        // Provider settings are reported by ProvidersOptionsValidator; here only which names exist matters.
        var catalog = ProviderCatalog.Resolve(providers.Value, configuration, []);
        foreach (var (modelName, definition) in options.Models)
        {
            var prefix = $"{ModelsOptions.Section}__{modelName}__";
            if (string.IsNullOrWhiteSpace(modelName) || modelName.Length > 100)
            {
                failures.Add($"Model name '{modelName}' must be 1 to 100 characters.");
            }

            if (definition.Targets.Count > 0 && (definition.Provider is not null || definition.UpstreamModel is not null))
            {
                failures.Add($"{prefix}Targets and {prefix}Provider/UpstreamModel both define model '{modelName}'; keep the Targets.");
            }

            var chain = definition.Chain;
            if (chain.Count == 0)
            {
                failures.Add($"Model '{modelName}' has no target: set {prefix}Targets__0__Provider and {prefix}Targets__0__UpstreamModel (or {prefix}Provider).");
            }

            for (var index = 0; index < chain.Count; index++)
            {
                var target = chain[index];
                var at = definition.Targets.Count > 0 ? $"{prefix}Targets__{index}__" : prefix;
                if (string.IsNullOrWhiteSpace(target.Provider) || !catalog.TryGetValue(target.Provider, out var provider))
                {
                    failures.Add($"{at}Provider must name a provider of the Providers section or a built-in one " +
                                 $"({string.Join(", ", catalog.Keys.Order(StringComparer.Ordinal))}), not '{target.Provider}'.");
                    continue;
                }

                if (provider.Type != ModelProvider.Local && string.IsNullOrWhiteSpace(target.UpstreamModel))
                {
                    failures.Add($"{at}UpstreamModel must name the {provider.Name} model to use.");
                }

                if (target.Weight is < 0 or > 1_000_000)
                {
                    failures.Add($"{at}Weight must be between 0 and 1000000.");
                }

                foreach (var (setting, seconds) in new[]
                {
                    ("ConnectSeconds", target.Timeouts.ConnectSeconds), ("FirstTokenSeconds", target.Timeouts.FirstTokenSeconds),
                    ("BetweenChunksSeconds", target.Timeouts.BetweenChunksSeconds), ("TotalSeconds", target.Timeouts.TotalSeconds),
                })
                {
                    if (seconds is { } value && (value <= 0 || value > LongestTimeoutSeconds || double.IsNaN(value)))
                    {
                        failures.Add($"{at}Timeouts__{setting} must be more than 0 and at most {LongestTimeoutSeconds}.");
                    }
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
