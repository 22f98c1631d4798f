using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Text;
using Groundwork.Infrastructure;
using Microsoft.Extensions.AI;

namespace Groundwork.Models;

/// <summary>
/// The built-in <c>local</c> model: no language model at all. It quotes the few sentences of the retrieved passages
/// that answer the question best, by meaning (the embedding model scores each sentence against the question) and by
/// words, best first, each followed by the [n] of its passage, and says that this is what it did. It lets Groundwork
/// answer out of the box, offline, without pretending to be an LLM. It reads the question and passages from the
/// <see cref="GroundedQuestion"/> on the prompt, never from the prompt's text.
/// </summary>
public sealed class LocalExtractiveChatClient(IEmbeddingGenerator<string, Embedding<float>> embedder) : IChatClient
{
    public const string ModelId = "groundwork-local-extractive";
    public const string Disclosure =
        "(Answered by Groundwork's built-in local extractive model: these sentences are quoted from the retrieved passages; no language model was used.)";

    /// <summary>What the local model says when no passage cleared the relevance bar.</summary>
    public const string NothingRelevantAnswer =
        "The indexed documents do not answer this question: no passage in them is relevant enough to quote.";

    private const int MaxSentences = 3;

    /// <summary>Sentences to score, at most, so that five long passages cost one embedding batch of bounded size.</summary>
    private const int MaxCandidates = 64;

    /// <summary>
    /// A further sentence is quoted only when it comes from the best sentence's passage, scores at least this share of
    /// the best one and shares a word with the question: sentences from other passages were mostly noise on the
    /// evaluation set (docs/benchmarks.md).
    /// </summary>
    private const double FollowerShareOfBest = 0.75;

    /// <summary>Weight of meaning (cosine of the sentence and the question) against words (share of the question's words).</summary>
    private const double MeaningWeight = 0.7;

    private readonly ChatClientMetadata _metadata = new("groundwork-local", defaultModelId: ModelId);

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var messageList = messages as IReadOnlyCollection<ChatMessage> ?? messages.ToList();
        var answer = await AnswerAsync(GroundedQuestion.Of(messageList), options?.MaxOutputTokens, cancellationToken);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, answer))
        {
            ModelId = ModelId,
            FinishReason = ChatFinishReason.Stop,
            Usage = Usage(messageList, answer),
        };
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

    private async Task<string> AnswerAsync(GroundedQuestion grounded, int? maxOutputTokens, CancellationToken cancellationToken)
    {
        var candidates = new List<(int Passage, string Sentence)>();
        foreach (var passage in grounded.Passages.OrderByDescending(p => p.Relevance))
        {
            foreach (var sentence in ProseSentences.Of(passage.Text))
            {
                if (candidates.Count < MaxCandidates)
                {
                    candidates.Add((passage.Number, sentence));
                }
            }
        }

        if (candidates.Count == 0)
        {
            return NothingRelevantAnswer + "\n\n" + Disclosure;
        }

        var vectors = await embedder.GenerateAsync([grounded.Question, .. candidates.Select(c => c.Sentence)], cancellationToken: cancellationToken);
        var question = vectors[0].Vector.Span;
        var questionWords = ContentWords.Of(grounded.Question);
        var scored = new List<(double Score, double Words, int Passage, string Sentence)>(candidates.Count);
        for (var i = 0; i < candidates.Count; i++)
        {
            var meaning = TensorPrimitives.CosineSimilarity(question, vectors[i + 1].Vector.Span);
            var words = ContentWords.ShareFoundIn(questionWords, candidates[i].Sentence);
            scored.Add((MeaningWeight * meaning + (1 - MeaningWeight) * words, words, candidates[i].Passage, candidates[i].Sentence));
        }

        // Stable: among equal scores the more relevant passage and the earlier sentence come first.
        scored.Sort((a, b) => b.Score.CompareTo(a.Score));
        var best = scored[0].Score;
        var bestPassage = scored[0].Passage;
        var chosen = scored.Where((s, rank) => rank == 0 || (s.Passage == bestPassage && s.Score >= best * FollowerShareOfBest && s.Words > 0))
            .Take(MaxSentences).ToList();

        // Every quoted sentence, even one cut short by max_tokens, ends with the [n] of its passage.
        var answer = new StringBuilder();
        var wordsLeft = maxOutputTokens ?? int.MaxValue;
        foreach (var (_, _, passageNumber, sentence) in chosen)
        {
            var quoted = Quote(sentence, ref wordsLeft, out var cut);
            answer.Append(quoted).Append(cut ? " … [" : " [").Append(passageNumber).Append("] ");
            if (wordsLeft == 0)
            {
                break;
            }
        }

        return answer.ToString().TrimEnd() + "\n\n" + Disclosure;
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

    /// <summary>
    /// Most words an answer counts beyond max_tokens: the disclosure, one [n] per quoted sentence and the … of a cut one.
    /// Budgets reserve it (the answer's words are counted as <see cref="Quote"/> counts them, so max_tokens bounds the rest).
    /// </summary>
    public static readonly int MaxWordsBeyondLimit = SpaceSeparatedWords(Disclosure) + MaxSentences + 1;

    /// <summary>
    /// The most words an answer can have with this max_tokens: quoted sentences cut at the limit plus
    /// <see cref="MaxWordsBeyondLimit"/>, or the whole "not in the documents" answer, which is never cut.
    /// </summary>
    public static int MostAnswerWords(int maxOutputTokens) =>
        Math.Max(maxOutputTokens + MaxWordsBeyondLimit, SpaceSeparatedWords(NothingRelevantAnswer + "\n\n" + Disclosure));

    private static int SpaceSeparatedWords(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    private static UsageDetails Usage(IEnumerable<ChatMessage> messages, string answer)
    {
        long input = messages.Sum(m => (long)ContentWords.Count(m.Text));
        long output = SpaceSeparatedWords(answer);
        return new UsageDetails { InputTokenCount = input, OutputTokenCount = output, TotalTokenCount = input + output };
    }
}
