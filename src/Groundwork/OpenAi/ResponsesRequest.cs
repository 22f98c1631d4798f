using System.Text.Json;
using Groundwork.Generation;
using Groundwork.Usage;
using Microsoft.Extensions.AI;
using static Groundwork.OpenAi.OpenAiRequestReader;

namespace Groundwork.OpenAi;

/// <summary>A <c>POST /v1/responses</c> body, text only, read by <see cref="Read"/>: every field accepted, or rejected by name.</summary>
public sealed record ResponsesRequest(
    GroundedConversation Conversation, string? Instructions, bool Stream, string? User, IReadOnlyDictionary<string, string> Metadata)
{
    public static readonly string[] Accepted =
        ["model", "input", "instructions", "temperature", "top_p", "max_output_tokens", "stream", "user", "metadata", "store", "groundwork"];

    /// <exception cref="OpenAiRequestException">A field is missing, invalid or not supported.</exception>
    public static ResponsesRequest Read(JsonElement body)
    {
        RequireObject(body);
        string? model = null;
        List<ChatMessage>? input = null;
        string? instructions = null;
        var options = new ChatOptions();
        var stream = false;
        string? user = null;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonElement? groundwork = null;
        foreach (var field in body.EnumerateObject())
        {
            var value = field.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            switch (field.Name)
            {
                case "model":
                    model = String(value, "model");
                    break;
                case "input":
                    input = Input(value);
                    break;
                case "instructions":
                    instructions = String(value, "instructions");
                    break;
                case "temperature":
                    options.Temperature = (float)Number(value, "temperature", 0, 2);
                    break;
                case "top_p":
                    options.TopP = (float)Number(value, "top_p", 0, 1);
                    break;
                case "max_output_tokens":
                    options.MaxOutputTokens = (int)Integer(value, "max_output_tokens", 1, MeteredChat.MaxTokensWhenUnset);
                    break;
                case "stream":
                    stream = Boolean(value, "stream");
                    break;
                case "user":
                    user = String(value, "user");
                    break;
                case "metadata":
                    metadata = ReadMetadata(value);
                    break;
                case "store":
                    if (Boolean(value, "store"))
                    {
                        throw new OpenAiRequestException("store", "Groundwork does not store responses: 'store' must be false.");
                    }

                    break;
                case "groundwork":
                    groundwork = value;
                    break;
                default:
                    throw Unsupported(field.Name);
            }
        }

        if (model is null)
        {
            throw new OpenAiRequestException("model", "Missing required parameter: 'model'.");
        }

        if (input is null)
        {
            throw new OpenAiRequestException("input", "Missing required parameter: 'input'.");
        }

        List<ChatMessage> messages = instructions is null ? input : [new ChatMessage(ChatRole.System, instructions), .. input];
        return new ResponsesRequest(new GroundedConversation(model, messages, options, Grounding(groundwork)), instructions, stream, user, metadata);
    }

    private static List<ChatMessage> Input(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return [new ChatMessage(ChatRole.User, value.GetString())];
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            throw new OpenAiRequestException("input", "Invalid 'input': expected a string or a non-empty array of messages.");
        }

        var messages = new List<ChatMessage>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var path = $"input[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new OpenAiRequestException(path, $"Invalid '{path}': expected a message object.");
            }

            string? roleName = null;
            JsonElement? content = null;
            foreach (var field in item.EnumerateObject())
            {
                switch (field.Name)
                {
                    case "type":
                        var type = String(field.Value, $"{path}.type");
                        if (type != "message")
                        {
                            throw new OpenAiRequestException($"{path}.type",
                                $"Unsupported input item type '{type}' in '{path}.type': Groundwork accepts only messages.");
                        }

                        break;
                    case "role":
                        roleName = String(field.Value, $"{path}.role");
                        break;
                    case "content":
                        content = field.Value;
                        break;
                    case "id" or "status" when field.Value.ValueKind is JsonValueKind.String or JsonValueKind.Null:
                        // An earlier response's output message sent back as input carries these; they change nothing.
                        break;
                    default:
                        if (field.Value.ValueKind != JsonValueKind.Null)
                        {
                            throw Unsupported($"{path}.{field.Name}");
                        }

                        break;
                }
            }

            var role = roleName switch
            {
                "system" or "developer" => ChatRole.System,
                "user" => ChatRole.User,
                "assistant" => ChatRole.Assistant,
                null => throw new OpenAiRequestException($"{path}.role", $"Missing required parameter: '{path}.role'."),
                _ => throw new OpenAiRequestException($"{path}.role",
                    $"Unsupported role '{roleName}' in '{path}.role': Groundwork accepts system, developer, user and assistant messages."),
            };
            var text = content is { } given
                ? Text(given, $"{path}.content", role == ChatRole.Assistant ? "output_text" : "input_text")
                : throw new OpenAiRequestException($"{path}.content", $"Missing required parameter: '{path}.content'.");
            messages.Add(new ChatMessage(role, text));
        }

        return messages;
    }

    private static Dictionary<string, string> ReadMetadata(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new OpenAiRequestException("metadata", "Invalid type for 'metadata': expected an object of strings.");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in value.EnumerateObject())
        {
            var text = String(field.Value, $"metadata.{field.Name}");
            if (field.Name.Length > 64 || text.Length > 512)
            {
                throw new OpenAiRequestException($"metadata.{field.Name}", "Invalid 'metadata': keys are at most 64 characters and values at most 512.");
            }

            metadata[field.Name] = text;
        }

        if (metadata.Count > 16)
        {
            throw new OpenAiRequestException("metadata", "Invalid 'metadata': at most 16 pairs.");
        }

        return metadata;
    }
}
