using System.Text.Json;

namespace Groundwork.FakeUpstream.Wire;

/// <summary>Reads the messages of a chat request, which OpenAI and Anthropic shape alike.</summary>
internal static class ChatMessages
{
    /// <summary>The text of the last user message (what is echoed) and a word count of every message.</summary>
    public static (string? LastUserText, int Tokens) ReadPrompt(JsonElement messages)
    {
        string? lastUserText = null;
        var tokens = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("content"u8, out var content))
            {
                continue;
            }

            var text = ContentText(content);
            tokens += Words.Count(text);
            if (message.TryGetProperty("role"u8, out var role) && role.ValueEquals("user"u8))
            {
                lastUserText = text;
            }
        }

        return (lastUserText, tokens);
    }

    /// <summary>Content is a string or an array of parts (blocks); text parts are joined with newlines.</summary>
    public static string ContentText(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString()!;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return "";
        }

        var texts = new List<string>();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object
                && part.TryGetProperty("type"u8, out var type) && type.ValueEquals("text"u8)
                && part.TryGetProperty("text"u8, out var text) && text.ValueKind == JsonValueKind.String)
            {
                texts.Add(text.GetString()!);
            }
        }

        return string.Join('\n', texts);
    }
}
