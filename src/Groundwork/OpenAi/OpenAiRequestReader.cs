using System.Text.Json;
using Groundwork.Generation;
using Groundwork.Retrieval;

namespace Groundwork.OpenAi;

/// <summary>A request field Groundwork does not accept: answered 400 <c>invalid_request_error</c> with the field as <c>param</c>.</summary>
public sealed class OpenAiRequestException(string param, string message) : Exception(message)
{
    public string Param { get; } = param;
}

/// <summary>
/// Reads the fields of an OpenAI request body by hand, so that every field is accepted, rejected by name or refused as
/// unknown — never ignored — and each problem is reported the way OpenAI does (<c>param</c> and a message).
/// </summary>
internal static class OpenAiRequestReader
{
    public static void RequireObject(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new OpenAiRequestException("body", "The request body must be a JSON object.");
        }
    }

    public static OpenAiRequestException Unsupported(string param) =>
        new(param, $"Unsupported parameter: '{param}' is not supported by Groundwork's OpenAI-compatible API.");

    public static OpenAiRequestException Unknown(string param) => new(param, $"Unrecognized request argument supplied: {param}");

    public static string String(JsonElement value, string param)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new OpenAiRequestException(param, $"Invalid type for '{param}': expected a string.");
        }

        return value.GetString()!;
    }

    public static bool Boolean(JsonElement value, string param) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new OpenAiRequestException(param, $"Invalid type for '{param}': expected a boolean."),
    };

    public static double Number(JsonElement value, string param, double min, double max)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
        {
            throw new OpenAiRequestException(param, $"Invalid type for '{param}': expected a number.");
        }

        if (number < min || number > max)
        {
            throw new OpenAiRequestException(param, $"Invalid '{param}': {number} is not between {min} and {max}.");
        }

        return number;
    }

    public static long Integer(JsonElement value, string param, long min, long max)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            throw new OpenAiRequestException(param, $"Invalid type for '{param}': expected an integer.");
        }

        if (number < min || number > max)
        {
            throw new OpenAiRequestException(param, $"Invalid '{param}': {number} is not between {min} and {max}.");
        }

        return number;
    }

    /// <summary>A message's content: a string, or an array of parts of one of <paramref name="textTypes"/>, concatenated.</summary>
    public static string Text(JsonElement content, string param, params string[] textTypes)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            throw new OpenAiRequestException(param, $"Invalid type for '{param}': expected a string or an array of {string.Join(" or ", textTypes)} parts.");
        }

        var parts = new List<string>();
        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            var path = $"{param}[{index++}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                throw new OpenAiRequestException(path, $"Invalid '{path}': a content part must be an object with a 'type'.");
            }

            var typeName = type.GetString()!;
            if (!textTypes.Contains(typeName, StringComparer.Ordinal))
            {
                throw new OpenAiRequestException($"{path}.type",
                    $"Unsupported content part type '{typeName}' in '{path}': Groundwork accepts only {string.Join(" or ", textTypes)} parts.");
            }

            string? text = null;
            foreach (var field in part.EnumerateObject())
            {
                switch (field.Name)
                {
                    case "type":
                        break;
                    case "text":
                        text = String(field.Value, $"{path}.text");
                        break;
                    case "annotations" when typeName == "output_text":
                        break;
                    default:
                        throw Unknown($"{path}.{field.Name}");
                }
            }

            parts.Add(text ?? throw new OpenAiRequestException($"{path}.text", $"Missing required parameter: '{path}.text'."));
        }

        return string.Concat(parts);
    }

    /// <summary>
    /// The <c>groundwork</c> extension: <c>{"retrieval": false}</c> turns retrieval off; <c>top_k</c>, <c>mode</c>,
    /// <c>filter</c> and <c>min_relevance</c> mean what they mean for POST /search, within the same limits.
    /// </summary>
    public static PassageQuery? Grounding(JsonElement? extension)
    {
        const string Param = "groundwork";
        if (extension is not { ValueKind: not JsonValueKind.Null } value)
        {
            return new PassageQuery();
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new OpenAiRequestException(Param, "Invalid type for 'groundwork': expected an object.");
        }

        var retrieval = true;
        var query = new PassageQuery();
        string? tuned = null;
        foreach (var field in value.EnumerateObject())
        {
            var param = $"{Param}.{field.Name}";
            if (field.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            switch (field.Name)
            {
                case "retrieval":
                    retrieval = Boolean(field.Value, param);
                    continue;
                case "top_k":
                    query = query with { TopK = (int)Integer(field.Value, param, 1, 50) };
                    break;
                case "mode":
                    var mode = String(field.Value, param);
                    query = query with
                    {
                        Mode = mode switch
                        {
                            "vector" => SearchMode.Vector,
                            "keyword" => SearchMode.Keyword,
                            "hybrid" => SearchMode.Hybrid,
                            _ => throw new OpenAiRequestException(param, $"Invalid '{param}': '{mode}' is not one of vector, keyword, hybrid."),
                        },
                    };
                    break;
                case "filter":
                    if (!SearchFilterParser.TryParse(field.Value, param, out var filter, out var errors))
                    {
                        var (path, messages) = errors.First();
                        throw new OpenAiRequestException(path, $"Invalid '{path}': {messages[0]}");
                    }

                    query = query with { Filter = filter };
                    break;
                case "min_relevance":
                    query = query with { MinRelevance = Number(field.Value, param, 0, 1) };
                    break;
                default:
                    throw Unknown(param);
            }

            tuned ??= param;
        }

        if (!retrieval && tuned is not null)
        {
            throw new OpenAiRequestException(tuned, $"'{tuned}' has no effect with 'groundwork.retrieval' false.");
        }

        return retrieval ? query : null;
    }
}
