using Groundwork.Hosting;
using Groundwork.Models;
using Groundwork.Retrieval;
using Groundwork.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Groundwork.Generation;

/// <summary>
/// The post's pipeline: take the top passages for the question (by meaning and by words unless
/// <see cref="SearchOptions.GenerateMode"/> says otherwise) that clear <see cref="SearchOptions.MinRelevance"/>, ask the
/// model with them numbered, and map the [n] markers of its answer back to the passages. With no passage left, it
/// abstains or asks the model to say so (<see cref="GenerationOptions.WhenNothingRelevant"/>).
/// </summary>
public sealed class GenerationService(
    ModelRegistry models, ChunkSearch search, MeteredChat metered, TokenBudgets budgets, IOptions<SearchOptions> searchOptions,
    IOptions<GenerationOptions> generationOptions, AnswerCache answers, GenerationMetrics metrics, ILogger<GenerationStream> streamLogger)
{
    public const int PassageCount = 5;
    private const int SnippetLength = 240;

    /// <exception cref="BudgetExceededException">The call's worst case does not fit in the caller's token budgets.</exception>
    public async Task<GenerationResult> GenerateAsync(GenerateRequest request, Caller caller, CancellationToken cancellationToken)
    {
        // Read before retrieval: a document changed meanwhile must keep this answer out of the cache.
        var documentsVersion = answers.DocumentsVersion(caller.TenantId);
        var (chatClient, chunks) = await RetrieveAsync(request, caller, cancellationToken);
        if (chunks is null)
        {
            // No model call, no cost.
            return new GenerationResult(
                new GenerateResponse(LocalExtractiveChatClient.NothingRelevantAnswer, request.Model, Provider: null, UpstreamModel: null, Grounded: false,
                    [], [], [], TokenUsage.None),
                await budgets.StatusAsync(caller, cancellationToken));
        }

        var answerKey = answers.KeyFor(caller.TenantId, request, searchOptions.Value.GenerateMode, chunks, documentsVersion);
        var ((response, budgetStatus), cacheHit) = await answers.GetOrAnswerAsync(answerKey, caller, request.Model, token => metered.GetResponseAsync(
            caller, request.Model, chatClient, Prompt(request.Text, chunks), Options(request), token), cancellationToken);

        var text = response.Text;
        var (citations, unmatched, cited) = MapCitations(CitationMarkers.Find(text), chunks);
        var answeredBy = AnsweredBy.Of(response);
        return new GenerationResult(
            new GenerateResponse(
                text,
                request.Model,
                answeredBy?.Provider,
                answeredBy?.UpstreamModel,
                Grounded: chunks.Count > 0,
                Sources(chunks, cited),
                citations,
                unmatched,
                TokenUsage.Of(response.Usage)),
            budgetStatus, cacheHit);
    }

    /// <summary>
    /// Does everything that can fail with a status of its own (unknown or unusable model, retrieval, the budget) and
    /// returns the stream of events that answers the rest: nothing is sent before this returns. <c>startedAt</c> is when
    /// the request arrived (a <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>), for the time to first token.
    /// </summary>
    /// <exception cref="BudgetExceededException">The call's worst case does not fit in the caller's token budgets.</exception>
    public async Task<GenerationStream> StartStreamAsync(GenerateRequest request, Caller caller, long startedAt, CancellationToken cancellationToken)
    {
        var (chatClient, chunks) = await RetrieveAsync(request, caller, cancellationToken);
        if (chunks is null)
        {
            return GenerationStream.Abstained(request.Model, await budgets.StatusAsync(caller, cancellationToken));
        }

        var messages = Prompt(request.Text, chunks);
        var options = Options(request);
        var call = await metered.ReserveAsync(caller, request.Model, messages, options, cancellationToken);
        return new GenerationStream(
            request.Model, chatClient, messages, options, call, chunks, Sources(chunks, new bool[chunks.Count]), startedAt, metrics, streamLogger);
    }

    /// <summary>The model's client and the passages for the question; null passages when the answer is to abstain.</summary>
    private async Task<(IChatClient Client, IReadOnlyList<RetrievedChunk>? Chunks)> RetrieveAsync(
        GenerateRequest request, Caller caller, CancellationToken cancellationToken)
    {
        // Resolve first: an unusable model fails before any embedding work is spent.
        var chatClient = models.GetChatClient(request.Model);
        var settings = searchOptions.Value;
        var chunks = await search.SearchAsync(caller.TenantId, request.Text, PassageCount, settings.GenerateMode, filter: null, settings.MinRelevance,
            cancellationToken);
        return chunks.Count == 0 && generationOptions.Value.WhenNothingRelevant == GenerationOptions.Abstain ? (chatClient, null) : (chatClient, chunks);
    }

    /// <summary>
    /// Answers a conversation: passages for its last user message (unless retrieval is off) go to the model the way
    /// <c>/generate</c> gives them, through the same metering; with none relevant it abstains as <c>/generate</c> does.
    /// </summary>
    /// <exception cref="BudgetExceededException">The call's worst case does not fit in the caller's token budgets.</exception>
    public async Task<ConversationAnswer> AnswerConversationAsync(GroundedConversation conversation, Caller caller, CancellationToken cancellationToken)
    {
        var (chatClient, chunks, messages) = await PrepareAsync(conversation, caller, cancellationToken);
        if (messages is null)
        {
            return new ConversationAnswer(LocalExtractiveChatClient.NothingRelevantAnswer, ChatFinishReason.Stop.Value, AnsweredBy: null, Grounding.None,
                TokenUsage.None, await budgets.StatusAsync(caller, cancellationToken));
        }

        var (response, budgetStatus) = await metered.GetResponseAsync(caller, conversation.Model, chatClient, messages, conversation.Options, cancellationToken);
        var text = response.Text;
        return new ConversationAnswer(text, (response.FinishReason ?? ChatFinishReason.Stop).Value, AnsweredBy.Of(response), Ground(text, chunks),
            TokenUsage.Of(response.Usage), budgetStatus);
    }

    /// <summary>The streaming <see cref="AnswerConversationAsync"/>: as <see cref="StartStreamAsync"/>, nothing is sent before this returns.</summary>
    /// <exception cref="BudgetExceededException">The call's worst case does not fit in the caller's token budgets.</exception>
    public async Task<GenerationStream> StartConversationStreamAsync(
        GroundedConversation conversation, Caller caller, long startedAt, CancellationToken cancellationToken)
    {
        var (chatClient, chunks, messages) = await PrepareAsync(conversation, caller, cancellationToken);
        if (messages is null)
        {
            return GenerationStream.Abstained(conversation.Model, await budgets.StatusAsync(caller, cancellationToken));
        }

        var call = await metered.ReserveAsync(caller, conversation.Model, messages, conversation.Options, cancellationToken);
        return new GenerationStream(conversation.Model, chatClient, messages, conversation.Options, call, chunks,
            Sources(chunks, new bool[chunks.Count]), startedAt, metrics, streamLogger);
    }

    /// <summary>The sources with the citations of <paramref name="text"/> mapped to them.</summary>
    internal static Grounding Ground(string text, IReadOnlyList<RetrievedChunk> chunks)
    {
        var (citations, unmatched, cited) = MapCitations(CitationMarkers.Find(text), chunks);
        return new Grounding(chunks.Count > 0, Sources(chunks, cited), citations, unmatched);
    }

    /// <summary>
    /// The model's client, the passages and the messages to send: the grounded prompt's instructions first, the
    /// conversation's own messages after them, and its last user message replaced by the grounded question. Null
    /// messages when the answer is to abstain.
    /// </summary>
    private async Task<(IChatClient Client, IReadOnlyList<RetrievedChunk> Chunks, List<ChatMessage>? Messages)> PrepareAsync(
        GroundedConversation conversation, Caller caller, CancellationToken cancellationToken)
    {
        var chatClient = models.GetChatClient(conversation.Model);
        var all = conversation.Messages;
        var lastUser = -1;
        for (var i = all.Count - 1; i >= 0 && lastUser < 0; i--)
        {
            lastUser = all[i].Role == ChatRole.User ? i : -1;
        }

        if (conversation.Retrieval is not { } query || lastUser < 0)
        {
            return (chatClient, [], [.. all]);
        }

        var settings = searchOptions.Value;
        var question = all[lastUser].Text;
        var chunks = await search.SearchAsync(caller.TenantId, question, query.TopK, query.Mode ?? settings.GenerateMode, query.Filter,
            query.MinRelevance ?? settings.MinRelevance, cancellationToken);
        if (chunks.Count == 0 && generationOptions.Value.WhenNothingRelevant == GenerationOptions.Abstain)
        {
            return (chatClient, chunks, null);
        }

        var grounded = Prompt(question, chunks);
        List<ChatMessage> messages = [grounded[0], .. all.Take(lastUser), grounded[1], .. all.Skip(lastUser + 1)];
        return (chatClient, chunks, messages);
    }

    private static List<ChatMessage> Prompt(string question, IReadOnlyList<RetrievedChunk> chunks)
    {
        var passages = new Passage[chunks.Count];
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            passages[i] = new Passage(i + 1, chunk.Title, chunk.Text, chunk.PageStart, chunk.PageEnd, chunk.Relevance, chunk.HeadingPath);
        }

        return GroundedPrompt.Build(question, passages);
    }

    private static ChatOptions Options(GenerateRequest request) =>
        new() { Temperature = (float)request.Temperature, MaxOutputTokens = request.MaxTokens };

    private static Source[] Sources(IReadOnlyList<RetrievedChunk> chunks, bool[] cited)
    {
        var sources = new Source[chunks.Count];
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            sources[i] = new Source(
                i + 1, chunk.DocumentId, chunk.ChunkId, chunk.Title, chunk.StartOffset, chunk.EndOffset, chunk.PageStart, chunk.PageEnd,
                Math.Round(chunk.Score, 6), chunk.Relevance, Snippet(chunk.Text), cited[i], chunk.HeadingPath);
        }

        return sources;
    }

    internal static (List<Citation> Citations, IReadOnlyList<UnmatchedCitation> Unmatched, bool[] Cited) MapCitations(
        IReadOnlyList<CitationMarker> markers, IReadOnlyList<RetrievedChunk> chunks)
    {
        var citations = new List<Citation>(markers.Count);
        List<UnmatchedCitation>? unmatched = null;
        var cited = new bool[chunks.Count];
        for (var i = 0; i < markers.Count; i++)
        {
            var marker = markers[i];
            if (marker.Number >= 1 && marker.Number <= chunks.Count)
            {
                var chunk = chunks[marker.Number - 1];
                citations.Add(new Citation(marker.Number, marker.Start, marker.End, chunk.DocumentId, chunk.ChunkId));
                cited[marker.Number - 1] = true;
            }
            else
            {
                (unmatched ??= []).Add(new UnmatchedCitation(marker.Number, marker.Start, marker.End));
            }
        }

        return (citations, unmatched ?? [], cited);
    }

    private static string Snippet(string text) =>
        text.Length <= SnippetLength ? text : string.Concat(text.AsSpan(0, SnippetLength).TrimEnd(), "…");
}

/// <summary>
/// An answer and where the caller's token budgets stand after it (empty when none applies), for the response headers;
/// whether it came from the answer cache (null when the call was not cacheable).
/// </summary>
public sealed record GenerationResult(GenerateResponse Response, IReadOnlyList<BudgetStatus> Budgets, bool? AnswerCacheHit = null);
