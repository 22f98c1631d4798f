using System.Text.Json;
using Groundwork.Generation;
using Groundwork.Usage;
using Microsoft.Extensions.AI;
using static Groundwork.OpenAi.OpenAiRequestReader;

namespace Groundwork.OpenAi;

/// <summary>A <c>POST /v1/chat/completions</c> body, read by <see cref="Read"/>: every field accepted, or rejected by name.</summary>
public sealed record ChatCompletionRequest(GroundedConversation Conversation, bool Stream, bool IncludeUsage)
{
    public static readonly string[] Accepted =
    [
        "model", "messages", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "n", "user", "seed", "stream",
        "stream_options", "groundwork",
    ];

    /// <exception cref="OpenAiRequestException">A field is missing, invalid or not supported.</exception>
    public static ChatCompletionRequest Read(JsonElement body)
    {
        RequireObject(body);
        string? model = null;
        List<ChatMessage>? messages = null;
        var options = new ChatOptions();
        var stream = false;
        bool? includeUsage = null;
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
                case "messages":
                    messages = Messages(value);
                    break;
                case "temperature":
                    options.Temperature = (float)Number(value, "temperature", 0, 2);
                    break;
                case "top_p":
                    options.TopP = (float)Number(value, "top_p", 0, 1);
                    break;
                case "max_tokens" or "max_completion_tokens":
                    var max = (int)Integer(value, field.Name, 1, MeteredChat.MaxTokensWhenUnset);
                    if (options.MaxOutputTokens is { } other && other != max)
                    {
                        throw new OpenAiRequestException(field.Name, "Set 'max_tokens' or 'max_completion_tokens', not both with different values.");
                    }

                    options.MaxOutputTokens = max;
                    break;
                case "stop":
                    options.StopSequences = Stop(value);
                    break;
                case "n":
                    if (Integer(value, "n", long.MinValue, long.MaxValue) != 1)
                    {
                        throw new OpenAiRequestException("n", "Groundwork answers with one choice: 'n' must be 1.");
                    }

                    break;
                case "user":
                    String(value, "user");
                    break;
                case "seed":
                    options.Seed = Integer(value, "seed", long.MinValue, long.MaxValue);
                    break;
                case "stream":
                    stream = Boolean(value, "stream");
                    break;
                case "stream_options":
                    includeUsage = StreamOptions(value);
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

        if (messages is null)
        {
            throw new OpenAiRequestException("messages", "Missing required parameter: 'messages'.");
        }

        if (includeUsage is not null && !stream)
        {
            throw new OpenAiRequestException("stream_options", "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
        }

        return new ChatCompletionRequest(new GroundedConversation(model, messages, options, Grounding(groundwork)), stream, includeUsage ?? false);
    }

    private static List<ChatMessage> Messages(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            throw new OpenAiRequestException("messages", "Invalid 'messages': expected a non-empty array of messages.");
        }

        var messages = new List<ChatMessage>(value.GetArrayLength());
        var index = 0;
        foreach (var message in value.EnumerateArray())
        {
            var path = $"messages[{index++}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new OpenAiRequestException(path, $"Invalid '{path}': expected an object.");
            }

            ChatRole? role = null;
            string? text = null;
            foreach (var field in message.EnumerateObject())
            {
                switch (field.Name)
                {
                    case "role":
                        var name = String(field.Value, $"{path}.role");
                        role = name switch
                        {
                            "system" or "developer" => ChatRole.System,
                            "user" => ChatRole.User,
                            "assistant" => ChatRole.Assistant,
                            _ => throw new OpenAiRequestException($"{path}.role",
                                $"Unsupported role '{name}' in '{path}.role': Groundwork accepts system, developer, user and assistant messages."),
                        };
                        break;
                    case "content":
                        text = Text(field.Value, $"{path}.content", "text");
                        break;
                    default:
                        if (field.Value.ValueKind != JsonValueKind.Null)
                        {
                            throw Unsupported($"{path}.{field.Name}");
                        }

                        break;
                }
            }

            messages.Add(new ChatMessage(
                role ?? throw new OpenAiRequestException($"{path}.role", $"Missing required parameter: '{path}.role'."),
                text ?? throw new OpenAiRequestException($"{path}.content", $"Missing required parameter: '{path}.content'.")));
        }

        return messages;
    }

    private static List<string> Stop(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > 4)
        {
            throw new OpenAiRequestException("stop", "Invalid 'stop': expected a string or an array of 1 to 4 strings.");
        }

        return [.. value.EnumerateArray().Select((stop, i) => String(stop, $"stop[{i}]"))];
    }

    private static bool StreamOptions(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new OpenAiRequestException("stream_options", "Invalid type for 'stream_options': expected an object.");
        }

        var includeUsage = false;
        foreach (var field in value.EnumerateObject())
        {
            if (field.Name == "include_usage")
            {
                includeUsage = field.Value.ValueKind != JsonValueKind.Null && Boolean(field.Value, "stream_options.include_usage");
            }
            else if (field.Value.ValueKind != JsonValueKind.Null)
            {
                throw Unsupported($"stream_options.{field.Name}");
            }
        }

        return includeUsage;
    }
}
