using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace Groundwork.Embeddings;

/// <summary>Texts to embed — OpenAI's <c>POST /v1/embeddings</c> request, answered by the service's own embedding model.</summary>
public sealed record EmbeddingsRequest
{
    /// <summary>A non-empty string, or an array of 1 to 2048 non-empty strings. Token arrays are not accepted.</summary>
    [Required]
    [EmbeddingsInput]
    public JsonElement Input { get; init; }

    /// <summary>The embedding model this service runs (all-MiniLM-L6-v2 with the local provider); that model if omitted.</summary>
    [ServedEmbeddingModel]
    public string? Model { get; init; }

    /// <summary><c>float</c> (a JSON array) or <c>base64</c> (little-endian float32 bytes).</summary>
    [DefaultValue("float")]
    [AllowedValues("float", "base64")]
    public string EncodingFormat { get; init; } = "float";

    /// <summary>Vector length; only the model's own (384 for all-MiniLM-L6-v2) unless the provider can shorten vectors.</summary>
    [Range(1, 16384)]
    [ServedEmbeddingDimensions]
    public int? Dimensions { get; init; }

    /// <summary>The texts of a valid <see cref="Input"/>, in order.</summary>
    public IReadOnlyList<string> Texts() =>
        Input.ValueKind == JsonValueKind.String
            ? [Input.GetString()!]
            : [.. Input.EnumerateArray().Select(item => item.GetString()!)];
}

/// <summary>OpenAI's embeddings list: one item per input text, in input order.</summary>
public sealed record EmbeddingsResponse(string Object, IReadOnlyList<EmbeddingItem> Data, string Model, EmbeddingsUsage Usage);

/// <summary>One text's embedding: an array of floats, or a base64 string when <c>encoding_format</c> was <c>base64</c>.</summary>
public sealed record EmbeddingItem(string Object, int Index, object Embedding);

/// <summary>Tokens the model read; embeddings have no completion, so both counts are the same.</summary>
public sealed record EmbeddingsUsage(long PromptTokens, long TotalTokens);
