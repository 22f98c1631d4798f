using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Groundwork.Generation;
using Microsoft.Extensions.AI;

namespace Groundwork.Models;

/// <summary>
/// The built-in <c>local</c> model: no language model at all. It quotes the sentences of the retrieved passages that
/// share the most words with the question, ends each with the [n] of its passage, and says that this is what it did.
/// It lets Groundwork answer out of the box, offline, without pretending to be an LLM.
/// </summary>
public sealed partial class LocalExtractiveChatClient : IChatClient
{
    public const string ModelId = "groundwork-local-extractive";
    public const string Disclosure =
        "(Answered by Groundwork's built-in local extractive model: these sentences are quoted from the retrieved passages; no language model was used.)";

    private const int MaxSentences = 3;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "did", "for", "from", "has", "have", "how",
        "i", "in", "is", "it", "its", "of", "on", "or", "that", "the", "their", "there", "these", "this", "to", "was",
        "were", "what", "when", "where", "which", "who", "whom", "why", "will", "with", "you", "your", "about", "me", "my",
        "tell", "please", "should", "would", "could", "we", "our", "us", "they", "them", "into", "than", "then", "so",
    };

    private readonly ChatClientMetadata _metadata = new("groundwork-local", defaultModelId: ModelId);

    public Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var messageList = messages as IReadOnlyCollection<ChatMessage> ?? messages.ToList();
        var answer = Answer(messageList, options?.MaxOutputTokens);
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, answer))
        {
            ModelId = ModelId,
            FinishReason = ChatFinishReason.Stop,
            Usage = Usage(messageList, answer),
        };
        return Task.FromResult(response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose() { }

    private static string Answer(IReadOnlyCollection<ChatMessage> messages, int? maxOutputTokens)
    {
        var lastUser = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        var (question, passages) = GroundedPrompt.Parse(lastUser);
        if (passages.Count == 0)
        {
            return "No indexed passages were found to answer from. Add documents with POST /documents, " +
                   "or ask a language model (e.g. \"model\": \"gpt-4\") once its provider is configured. " + Disclosure;
        }

        var questionTerms = Words(question).Where(w => !StopWords.Contains(w)).ToHashSet(StringComparer.Ordinal);
        var candidates = new List<(int Score, int Passage, int Position, string Sentence)>();
        foreach (var passage in passages)
        {
            var position = 0;
            foreach (var sentence in Sentences(passage.Text))
            {
                var score = Words(sentence).Distinct(StringComparer.Ordinal).Count(word => questionTerms.Any(term => Matches(term, word)));
                candidates.Add((score, passage.Number, position++, sentence));
            }
        }

        var chosen = candidates.Where(c => c.Score > 0)
            .OrderByDescending(c => c.Score).ThenBy(c => c.Passage).ThenBy(c => c.Position)
            .Take(MaxSentences)
            .OrderBy(c => c.Passage).ThenBy(c => c.Position)
            .ToList();
        if (chosen.Count == 0)
        {
            chosen = [candidates[0]];
        }

        // Every quoted sentence, even one cut short by max_tokens, ends with the [n] of its passage.
        var answer = new StringBuilder();
        var wordsLeft = maxOutputTokens ?? int.MaxValue;
        foreach (var (_, passageNumber, _, sentence) in chosen)
        {
            var ownText = WithoutReferenceMarkers(sentence);
            if (ownText.Length == 0)
            {
                continue;
            }

            var quoted = Quote(ownText, ref wordsLeft, out var cut);
            answer.Append(quoted).Append(cut ? " … [" : " [").Append(passageNumber).Append("] ");
            if (wordsLeft == 0)
            {
                break;
            }
        }

        return answer.ToString().TrimEnd() + "\n\n" + Disclosure;
    }

    private static bool Matches(string term, string word) =>
        term == word || (term.Length >= 5 && word.Length >= 5 && string.CompareOrdinal(term, 0, word, 0, 5) == 0);

    /// <summary>
    /// The sentence without reference markers of its own (a quoted encyclopedia's "[12]"), which would otherwise read as
    /// citations of passage 12.
    /// </summary>
    private static string WithoutReferenceMarkers(string sentence)
    {
        var markers = CitationMarkers.Find(sentence);
        if (markers.Count == 0)
        {
            return sentence;
        }

        var text = new StringBuilder(sentence.Length);
        var copiedTo = 0;
        foreach (var marker in markers)
        {
            // The numbers of a group such as [1, 2] share its span: it is removed once.
            if (marker.Start < copiedTo)
            {
                continue;
            }

            text.Append(sentence, copiedTo, marker.Start - copiedTo);
            while (text.Length > 0 && text[^1] == ' ')
            {
                text.Length--;
            }

            copiedTo = marker.End;
        }

        return text.Append(sentence, copiedTo, sentence.Length - copiedTo).ToString().Trim();
    }

    /// <summary>The sentence, or as many of its leading words as <paramref name="wordsLeft"/> allows.</summary>
    private static string Quote(string sentence, ref int wordsLeft, out bool cut)
    {
        var words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        cut = words.Length > wordsLeft;
        if (!cut)
        {
            wordsLeft -= words.Length;
            return sentence;
        }

        var quoted = string.Join(' ', words.Take(wordsLeft));
        wordsLeft = 0;
        return quoted;
    }

    private static UsageDetails Usage(IEnumerable<ChatMessage> messages, string answer)
    {
        long input = messages.Sum(m => (long)WordPattern().Count(m.Text));
        long output = WordPattern().Count(answer);
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }

    private static IEnumerable<string> Words(string text) =>
        WordPattern().Matches(text).Select(m => m.Value.ToLowerInvariant());

    /// <summary>The sentences of a passage; Markdown heading lines (how extracted headings reach chunks) are not sentences.</summary>
    private static IEnumerable<string> Sentences(string text) =>
        SentenceBoundary().Split(text).Select(s => s.Trim()).Where(s => s.Length > 0 && !HeadingLine().IsMatch(s));

    [GeneratedRegex(@"^#{1,6}\s")]
    private static partial Regex HeadingLine();

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();

    [GeneratedRegex(@"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*[-*#])|(?<=^\#{1,6}\s[^\n]*)\n", RegexOptions.Multiline)]
    private static partial Regex SentenceBoundary();
}
