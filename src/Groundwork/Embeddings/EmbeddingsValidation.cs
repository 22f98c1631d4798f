using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Groundwork.Embeddings;

/// <summary>The value must be a non-empty JSON string or an array of 1 to <see cref="MaxTexts"/> non-empty strings.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EmbeddingsInputAttribute : ValidationAttribute
{
    /// <summary>OpenAI's limit on texts per request.</summary>
    public const int MaxTexts = 2048;

    /// <summary>What each text counts at least towards Embeddings:MaxRequestTokens.</summary>
    public const int MinTokensPerText = 8;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var name = validationContext.DisplayName;
        var problem = value is JsonElement input
            ? Problem(input, name) ?? CostProblem(input, name, validationContext)
            : $"The {name} field must be a string or an array of strings.";
        return problem is null ? ValidationResult.Success : new ValidationResult(problem, [validationContext.MemberName!]);
    }

    private static string? CostProblem(JsonElement input, string name, IServiceProvider services)
    {
        var limit = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<EmbeddingOptions>>().Value.MaxRequestTokens;
        var local = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GetService<LocalMiniLmEmbeddingGenerator>();
        long tokens = 0;
        foreach (var text in input.ValueKind == JsonValueKind.String ? [input] : (IEnumerable<JsonElement>)input.EnumerateArray())
        {
            var value = text.GetString()!;
            // The local model reads at most MaxTokens of each text; hosted ones are estimated at four characters a token.
            // A text costs at least MinTokensPerText: running a short text through the model costs about that much.
            var count = local is null ? (value.Length + 3) / 4 : Math.Min(local.CountTokens(value), LocalMiniLmEmbeddingGenerator.MaxTokens);
            tokens += Math.Max(count, MinTokensPerText);
            if (tokens > limit)
            {
                return $"The {name} field asks for more than {limit} tokens of embedding in one request (setting Embeddings:MaxRequestTokens); send fewer or shorter texts per request.";
            }
        }

        return null;
    }

    private static string? Problem(JsonElement input, string name)
    {
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                return input.GetString()!.Length > 0 ? null : $"The {name} field must not be an empty string.";
            case JsonValueKind.Array:
                var count = input.GetArrayLength();
                if (count is < 1 or > MaxTexts)
                {
                    return $"The {name} field must hold 1 to {MaxTexts} strings; it holds {count}.";
                }

                var index = 0;
                foreach (var item in input.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        return $"The {name} field must be an array of strings; item {index} is {item.ValueKind.ToString().ToLowerInvariant()} (token arrays are not accepted).";
                    }

                    if (item.GetString()!.Length == 0)
                    {
                        return $"The {name} field must not contain empty strings; item {index} is empty.";
                    }

                    index++;
                }

                return null;
            default:
                return $"The {name} field must be a string or an array of strings.";
        }
    }
}

/// <summary>When present, the value must name the embedding model the service runs; no other model is substituted.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ServedEmbeddingModelAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var served = ServedEmbeddings.Metadata(validationContext).DefaultModelId;
        return value is null || served is null || string.Equals((string)value, served, StringComparison.OrdinalIgnoreCase)
            ? ValidationResult.Success
            : new ValidationResult($"The {validationContext.DisplayName} field must be {served}, the embedding model this service runs.",
                [validationContext.MemberName!]);
    }
}

/// <summary>When present and the model's vector length is known, the value must be that length.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ServedEmbeddingDimensionsAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var served = ServedEmbeddings.Metadata(validationContext).DefaultModelDimensions;
        return value is null || served is null || (int)value == served
            ? ValidationResult.Success
            : new ValidationResult($"The {validationContext.DisplayName} field must be {served}, the vector length of the embedding model this service runs.",
                [validationContext.MemberName!]);
    }
}

internal static class ServedEmbeddings
{
    public static EmbeddingGeneratorMetadata Metadata(IServiceProvider services) =>
        services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GetService<EmbeddingGeneratorMetadata>()
        ?? new EmbeddingGeneratorMetadata();
}
