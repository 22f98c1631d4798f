namespace Groundwork.FakeUpstream.Wire;

/// <summary>Whitespace-separated words stand in for tokens: usage numbers and stream chunks are counted in them.</summary>
internal static class Words
{
    public static int Count(ReadOnlySpan<char> text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var isSpace = char.IsWhiteSpace(c);
            if (!isSpace && !inWord)
            {
                count++;
            }

            inWord = !isSpace;
        }

        return count;
    }

    /// <summary>
    /// The next stream chunk from <paramref name="position"/>: one word with the whitespace around it,
    /// so that the chunks of a text concatenate back to exactly that text.
    /// </summary>
    public static bool NextChunk(string text, ref int position, out Range chunk)
    {
        var start = position;
        if (start >= text.Length)
        {
            chunk = default;
            return false;
        }

        var i = start;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        while (i < text.Length && !char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        chunk = start..i;
        position = i;
        return true;
    }
}

/// <summary>The assistant's answer: deterministic, so tests can assert on it.</summary>
internal readonly record struct ChatReply(string Text, int Tokens, bool HitMaxTokens)
{
    public static ChatReply Create(FakeUpstreamOptions options, string? lastUserText, long? maxTokens)
    {
        var text = options.Reply ?? Echo(options.ReplyPrefix, lastUserText ?? "", options.EchoMaxChars);
        var tokens = Words.Count(text);
        if (maxTokens is not { } max || tokens <= max)
        {
            return new ChatReply(text, tokens, HitMaxTokens: false);
        }

        var position = 0;
        for (var i = 0; i < max && Words.NextChunk(text, ref position, out _); i++)
        {
        }

        return new ChatReply(text[..position].TrimEnd(), (int)max, HitMaxTokens: true);
    }

    private static string Echo(string prefix, string userText, int maxChars) =>
        userText.Length <= maxChars ? prefix + userText : string.Concat(prefix, userText.AsSpan(0, maxChars));
}
