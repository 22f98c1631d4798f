using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Groundwork.Models;

public enum ModelProvider
{
    Local,
    OpenAI,
    Anthropic,
}

/// <summary>One public model name: which provider answers it and which upstream model that provider uses.</summary>
public sealed class ModelDefinition
{
    public ModelProvider Provider { get; set; }

    /// <summary>The provider's own model id (e.g. <c>gpt-4o</c>); not used by the local model.</summary>
    public string? UpstreamModel { get; set; }
}

/// <summary>The <c>Models</c> section: public model name → definition. The names are what <c>/generate</c> accepts.</summary>
public sealed class ModelsOptions
{
    public const string Section = "Models";

    public Dictionary<string, ModelDefinition> Models { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>Connection settings shared by the hosted providers (<c>Providers</c> section).</summary>
public sealed class ProvidersOptions
{
    public const string Section = "Providers";

    /// <summary>Longest one attempt of a model call may take (a stream: each wait for its next part) before a 504.</summary>
    [Range(1, 3600)]
    public int TimeoutSeconds { get; set; } = 120;

    /// <summary>Retries the provider SDKs make on 429, 5xx and connection failures, with their own back-off.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;
}

public sealed class ModelsOptionsValidator : IValidateOptions<ModelsOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelsOptions options)
    {
        var failures = new List<string>();
        if (options.Models.Count == 0)
        {
            failures.Add("No model is configured: add at least one entry under Models (e.g. Models__local__Provider=local).");
        }

        foreach (var (modelName, definition) in options.Models)
        {
            if (string.IsNullOrWhiteSpace(modelName) || modelName.Length > 100)
            {
                failures.Add($"Model name '{modelName}' must be 1 to 100 characters.");
            }

            if (!Enum.IsDefined(definition.Provider))
            {
                failures.Add($"Models__{modelName}__Provider must be one of: local, openai, anthropic.");
            }

            if (definition.Provider is not ModelProvider.Local && string.IsNullOrWhiteSpace(definition.UpstreamModel))
            {
                failures.Add($"Models__{modelName}__UpstreamModel must name the {definition.Provider} model to use.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
