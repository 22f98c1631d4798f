using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Groundwork.Embeddings;

/// <summary>Which model turns text into vectors; section <c>Embeddings</c>.</summary>
public sealed class EmbeddingOptions
{
    public const string Section = "Embeddings";
    public const string LocalProvider = "local";
    public const string OpenAiProvider = "openai";
    public const string DefaultOpenAiModel = "text-embedding-3-small";

    /// <summary><c>local</c> (all-MiniLM-L6-v2 in process, the default) or <c>openai</c> (needs <c>OPENAI_API_KEY</c>).</summary>
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

    public bool IsOpenAi => string.Equals(Provider, OpenAiProvider, StringComparison.OrdinalIgnoreCase);

    public string OpenAiModel => string.IsNullOrWhiteSpace(Model) ? DefaultOpenAiModel : Model;
}

/// <summary>The rules that span settings, and the OpenAI key and address that live outside the section.</summary>
internal sealed class EmbeddingOptionsValidator(IConfiguration configuration) : IValidateOptions<EmbeddingOptions>
{
    public const string ApiKeySetting = "OPENAI_API_KEY";
    public const string BaseUrlSetting = "OPENAI_BASE_URL";
    public static readonly Uri DefaultBaseUrl = new("https://api.openai.com/v1");

    public ValidateOptionsResult Validate(string? name, EmbeddingOptions options)
    {
        var failures = new List<string>();
        if (string.Equals(options.Provider, EmbeddingOptions.LocalProvider, StringComparison.OrdinalIgnoreCase))
        {
            if (options.Model is { } model && !string.Equals(model, LocalMiniLmEmbeddingGenerator.ModelId, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"Embeddings__Model is '{model}', but the local provider only runs {LocalMiniLmEmbeddingGenerator.ModelId}; unset it or set Embeddings__Provider to openai.");
            }

            if (options.Dimensions is { } dimensions && dimensions != LocalMiniLmEmbeddingGenerator.Dimensions)
            {
                failures.Add($"Embeddings__Dimensions is {dimensions}, but the local model has {LocalMiniLmEmbeddingGenerator.Dimensions}; unset it.");
            }
        }
        else if (options.IsOpenAi)
        {
            if (string.IsNullOrWhiteSpace(configuration[ApiKeySetting]))
            {
                failures.Add($"{ApiKeySetting} must be set when Embeddings__Provider is openai.");
            }

            if (configuration[BaseUrlSetting] is { Length: > 0 } baseUrl && !TryParseBaseUrl(baseUrl, out _))
            {
                failures.Add($"{BaseUrlSetting} must be an absolute http or https URL, not '{baseUrl}'.");
            }
        }
        else
        {
            failures.Add($"Embeddings__Provider must be local or openai, not '{options.Provider}'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static bool TryParseBaseUrl(string value, out Uri url) =>
        Uri.TryCreate(value, UriKind.Absolute, out url!) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp);
}
