using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using Groundwork.Models;
using Groundwork.Retrieval;
using Groundwork.Usage;
using Microsoft.Extensions.AI;

namespace Groundwork.Generation;

/// <summary>
/// A streamed answer whose model is resolved, passages retrieved and budget reserved: what is left can only fail
/// in-band, as one <c>error</c> event that ends the stream. Its reservation settles to the usage the stream reports, or
/// is released (and the call recorded as failed or cancelled) when the model fails or the client goes away.
/// </summary>
public sealed class GenerationStream : IDisposable
{
    private readonly string _model;
    private readonly IChatClient? _client;
    private readonly IReadOnlyList<ChatMessage> _messages;
    private readonly ChatOptions? _options;
    private readonly MeteredCall? _call;
    private readonly IReadOnlyList<RetrievedChunk> _chunks;
    private readonly IReadOnlyList<Source> _sources;
    private readonly long _startedAt;
    private readonly GenerationMetrics? _metrics;
    private readonly ILogger? _logger;

    internal GenerationStream(
        string model, IChatClient client, IReadOnlyList<ChatMessage> messages, ChatOptions options, MeteredCall call, IReadOnlyList<RetrievedChunk> chunks,
        IReadOnlyList<Source> sources, long startedAt, GenerationMetrics metrics, ILogger logger)
    {
        _model = model;
        _client = client;
        _messages = messages;
        _options = options;
        _call = call;
        _chunks = chunks;
        _sources = sources;
        _startedAt = startedAt;
        _metrics = metrics;
        _logger = logger;
        Budgets = call.Budgets();
    }

    private GenerationStream(string model, IReadOnlyList<BudgetStatus> budgets)
    {
        _model = model;
        _messages = [];
        _chunks = [];
        _sources = [];
        Budgets = budgets;
    }

    /// <summary>No passage was relevant and the server abstains: the stream says so without calling the model.</summary>
    internal static GenerationStream Abstained(string model, IReadOnlyList<BudgetStatus> budgets) => new(model, budgets);

    /// <summary>Where the caller's budgets stand with this call's worst case reserved, for the response headers.</summary>
    public IReadOnlyList<BudgetStatus> Budgets { get; }

    /// <summary>
    /// The events of the answer. Each is written and flushed before the next is asked for, so a <c>delta</c> reaches the
    /// client as soon as the model sends its text.
    /// </summary>
    public async IAsyncEnumerable<SseItem<GenerateStreamEvent>> EventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return Event(GenerateStreamEvents.Sources, new StreamSources(_chunks.Count > 0, _sources));
        if (_client is null || _call is null)
        {
            yield return Event(GenerateStreamEvents.Delta, new StreamDelta(LocalExtractiveChatClient.NothingRelevantAnswer));
            yield return Event(GenerateStreamEvents.Citations, new StreamCitations([], [], []));
            yield return Event(GenerateStreamEvents.Usage, new StreamUsage(0, 0, 0));
            yield return Event(GenerateStreamEvents.Done, new StreamDone(_model, Provider: null, UpstreamModel: null, ChatFinishReason.Stop.Value));
            yield break;
        }

        var settled = false;
        try
        {
            var text = new StringBuilder();
            UsageDetails? usage = null;
            ChatFinishReason? finishReason = null;
            AnsweredBy? answeredBy = null;
            Exception? failure = null;
            var cancelled = false;
            var firstDeltaWritten = false;
            await using (var updates = _client.GetStreamingResponseAsync(_messages, _options, cancellationToken).GetAsyncEnumerator(cancellationToken))
            {
                while (true)
                {
                    ChatResponseUpdate update;
                    try
                    {
                        if (!await updates.MoveNextAsync())
                        {
                            break;
                        }

                        update = updates.Current;
                    }
                    catch (Exception exception)
                    {
                        // The client going away surfaces as whatever the SDK makes of a cancelled request.
                        cancelled = cancellationToken.IsCancellationRequested;
                        failure = exception;
                        break;
                    }

                    answeredBy ??= AnsweredBy.Of(update);
                    finishReason = update.FinishReason ?? finishReason;
                    foreach (var content in update.Contents)
                    {
                        if (content is UsageContent reported)
                        {
                            (usage ??= new UsageDetails()).Add(reported.Details);
                        }
                    }

                    var delta = update.Text;
                    if (delta.Length == 0)
                    {
                        continue;
                    }

                    text.Append(delta);
                    yield return Event(GenerateStreamEvents.Delta, new StreamDelta(delta));
                    if (!firstDeltaWritten)
                    {
                        // Asked for the next event: the first delta has been written and flushed.
                        firstDeltaWritten = true;
                        _metrics!.RecordTimeToFirstToken(Stopwatch.GetElapsedTime(_startedAt), _model, answeredBy?.Provider);
                    }
                }
            }

            if (failure is not null)
            {
                settled = true;
                await _call.FailAsync(cancelled);
                if (cancelled)
                {
                    // Nobody is left to read an error event.
                    yield break;
                }

                yield return Event(GenerateStreamEvents.Error, Describe(failure));
                yield break;
            }

            settled = true;
            await _call.CompleteAsync(usage);
            var answer = text.ToString();
            var (citations, unmatched, cited) = GenerationService.MapCitations(CitationMarkers.Find(answer), _chunks);
            var citedSources = new List<int>();
            for (var i = 0; i < cited.Length; i++)
            {
                if (cited[i])
                {
                    citedSources.Add(i + 1);
                }
            }

            yield return Event(GenerateStreamEvents.Citations, new StreamCitations(citations, unmatched, citedSources));
            var tokens = TokenUsage.Of(usage);
            yield return Event(GenerateStreamEvents.Usage, new StreamUsage(tokens.PromptTokens, tokens.CompletionTokens, tokens.TotalTokens));
            yield return Event(GenerateStreamEvents.Done, new StreamDone(_model, answeredBy?.Provider, answeredBy?.UpstreamModel, finishReason?.Value));
        }
        finally
        {
            if (!settled)
            {
                // The enumeration stopped at a yield: writing to the client failed, so it went away.
                await _call.FailAsync(cancelled: true);
            }
        }
    }

    /// <summary>Releases the reservation if the stream was never read (the response failed before it started).</summary>
    public void Dispose() => _call?.Dispose();

    private StreamError Describe(Exception exception)
    {
        if (UpstreamFailures.Classify(exception) is { } failure)
        {
            _logger!.LogWarning("Streamed answer of {Model} failed with {Status}: {Reason}", _model, failure.Status, failure.Detail);
            return new StreamError(failure.Status, failure.Title, failure.Detail);
        }

        _logger!.LogError(exception, "Streamed answer of {Model} failed", _model);
        return new StreamError(StatusCodes.Status500InternalServerError, "Internal error", Detail: null);
    }

    private static SseItem<GenerateStreamEvent> Event(string name, GenerateStreamEvent data) => new(data, name);
}
