using System.ComponentModel.DataAnnotations;
using Groundwork.Models;
using Microsoft.Extensions.Options;

namespace Groundwork.Embeddings;

/// <summary>Which model turns text into vectors; section <c>Embeddings</c>.</summary>
public sealed class EmbeddingOptions
{
    public const string Section = "Embeddings";
    public const string LocalProvider = "local";
    public const string OpenAiProvider = "openai";
    public const string DefaultOpenAiModel = "text-embedding-3-small";

    /// <summary>
    /// <c>local</c> (all-MiniLM-L6-v2 in process, the default), <c>openai</c> (the built-in provider: <c>OPENAI_API_KEY</c>),
    /// <c>ollama</c>, or the name of an <c>openai</c> or <c>ollama</c> provider of the <c>Providers</c> section.
    /// </summary>
    public string Provider { get; set; } = LocalProvider;

    /// <summary>The OpenAI embedding model, <see cref="DefaultOpenAiModel"/> if unset; with <c>local</c> it can only be all-MiniLM-L6-v2.</summary>
    public string? Model { get; set; }

    /// <summary>Vector length to ask OpenAI for; the model's own if unset. The local model only has 384.</summary>
    [Range(1, 16384, ErrorMessage = "Embeddings__Dimensions must be between 1 and 16384.")]
    public int? Dimensions { get; set; }

    /// <summary>ONNX Runtime threads per local inference; one per core (up to 8) if unset.</summary>
    [Range(1, 64, ErrorMessage = "Embeddings__IntraOpThreads must be between 1 and 64.")]
    public int? IntraOpThreads { get; set; }

    /// <summary>
    /// Most tokens one <c>POST /embeddings</c> request may ask to embed, all inputs together (each text counted from 8 up to
    /// what the model reads: 256 for the local model); larger requests get 422. Bounds the work one request can demand.
    /// </summary>
    [Range(256, 10_000_000, ErrorMessage = "Embeddings__MaxRequestTokens must be between 256 and 10000000.")]
    public int MaxRequestTokens { get; set; } = 8_192;

    public bool IsLocal => string.Equals(Provider, LocalProvider, StringComparison.OrdinalIgnoreCase);

    /// <summary>The upstream model: <see cref="Model"/>, or <see cref="DefaultOpenAiModel"/> for an OpenAI provider.</summary>
    public string UpstreamModel => string.IsNullOrWhiteSpace(Model) ? DefaultOpenAiModel : Model;
}

/// <summary>The rules that span settings, and the provider the embeddings use (from the <c>Providers</c> section or a built-in one).</summary>
internal sealed class EmbeddingOptionsValidator(IConfiguration configuration, IOptions<ProvidersOptions> providers) : IValidateOptions<EmbeddingOptions>
{
    public ValidateOptionsResult Validate(string? name, EmbeddingOptions options)
    {
        var failures = new List<string>();
        if (options.IsLocal)
        {
            if (options.Model is { } model && !string.Equals(model, LocalMiniLmEmbeddingGenerator.ModelId, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"Embeddings__Model is '{model}', but the local provider only runs {LocalMiniLmEmbeddingGenerator.ModelId}; unset it or set Embeddings__Provider to openai.");
            }

            if (options.Dimensions is { } dimensions && dimensions != LocalMiniLmEmbeddingGenerator.Dimensions)
            {
                failures.Add($"Embeddings__Dimensions is {dimensions}, but the local model has {LocalMiniLmEmbeddingGenerator.Dimensions}; unset it.");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }

        // The providers' own settings are checked by their validator; here only the one the embeddings name.
        var catalog = ProviderCatalog.Resolve(providers.Value, configuration, []);
        if (!catalog.TryGetValue(options.Provider, out var provider) || provider.Type is not (ModelProvider.OpenAI or ModelProvider.Ollama))
        {
            var usable = catalog.Values.Where(p => p.Type is ModelProvider.OpenAI or ModelProvider.Ollama).Select(p => p.Name).Order(StringComparer.Ordinal);
            failures.Add($"Embeddings__Provider must be local or an openai or ollama provider ({string.Join(", ", usable)}), not '{options.Provider}'.");
        }
        else
        {
            if (provider.MissingKeyReason is { } missing)
            {
                failures.Add($"Embeddings__Provider is '{provider.Name}', which is not configured: {missing}.");
            }

            if (provider.Type == ModelProvider.Ollama && string.IsNullOrWhiteSpace(options.Model))
            {
                failures.Add($"Embeddings__Model must name the Ollama embedding model to use (e.g. nomic-embed-text).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
