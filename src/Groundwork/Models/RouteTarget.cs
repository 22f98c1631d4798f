using System.Diagnostics;
using Microsoft.Extensions.AI;
using Polly;
using Polly.CircuitBreaker;

namespace Groundwork.Models;

/// <summary>A target's time-outs, each with the setting that gave it (named in the 504's detail).</summary>
public sealed record TargetLimits(
    TimeSpan FirstToken, string FirstTokenSetting, TimeSpan BetweenChunks, string BetweenChunksSetting, TimeSpan Total, string TotalSetting);

/// <summary>
/// One step of a model's chain: its client (null when its provider is not configured, with the reason), its time-outs
/// and its resilience pipeline (retries, then a circuit breaker around each attempt).
/// </summary>
public sealed class RouteTarget(
    string modelName, AnsweredBy answeredBy, IChatClient? client, string? unavailableReason, int weight, TargetLimits limits,
    ResiliencePipeline pipeline, CircuitBreakerStateProvider circuit)
{
    public string ModelName { get; } = modelName;

    public AnsweredBy AnsweredBy { get; } = answeredBy;

    public string Label { get; } = $"{answeredBy.Provider}/{answeredBy.UpstreamModel}";

    public IChatClient? Client { get; } = client;

    public string? UnavailableReason { get; } = unavailableReason;

    public int Weight { get; } = weight;

    public TargetLimits Limits { get; } = limits;

    public ResiliencePipeline Pipeline { get; } = pipeline;

    public CircuitState Circuit => circuit.CircuitState;

    /// <summary>One attempt at a single answer, bounded by the total time-out; its failure is classified here, while the response headers are at hand.</summary>
    public async ValueTask<ChatResponse> AnswerAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        UpstreamResponseHeaders.Begin(attempt.Token);
        attempt.CancelAfter(Limits.Total);
        try
        {
            return await Client!.GetResponseAsync(messages, options, attempt.Token);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failed(exception, attempt, "did not answer", Limits.Total, Limits.TotalSetting);
        }
    }

    /// <summary>
    /// One attempt at a stream, up to its first text (bounded by the first-token time-out): the updates before it are
    /// kept, so that a stream failing before its first token can still be retried or fall back with nothing sent.
    /// </summary>
    public async ValueTask<OpenedStream> OpenStreamAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        UpstreamResponseHeaders.Begin(attempt.Token);
        attempt.CancelAfter(Limits.FirstToken < Limits.Total ? Limits.FirstToken : Limits.Total);
        var updates = Client!.GetStreamingResponseAsync(messages, options, attempt.Token).GetAsyncEnumerator(attempt.Token);
        var early = new List<ChatResponseUpdate>(2);
        try
        {
            var ended = false;
            while (true)
            {
                if (!await updates.MoveNextAsync())
                {
                    // OllamaSharp ends a cancelled stream quietly instead of throwing: that is no answer.
                    attempt.Token.ThrowIfCancellationRequested();
                    ended = true;
                    break;
                }

                early.Add(AnsweredBy.StampOn(updates.Current));
                if (!string.IsNullOrEmpty(updates.Current.Text))
                {
                    break;
                }
            }

            return new OpenedStream(this, updates, attempt, early, ended, started, cancellationToken);
        }
        catch (Exception exception)
        {
            await updates.DisposeAsync();
            var failure = cancellationToken.IsCancellationRequested
                ? exception
                : Failed(exception, attempt, "sent no first token", Limits.FirstToken < Limits.Total ? Limits.FirstToken : Limits.Total,
                    Limits.FirstToken < Limits.Total ? Limits.FirstTokenSetting : Limits.TotalSetting);
            attempt.Dispose();
            throw failure;
        }
    }

    /// <summary>The exception a failed attempt ends in: a time-out when its own timer cancelled it, else the classified failure.</summary>
    internal Exception Failed(Exception exception, CancellationTokenSource attempt, string what, TimeSpan limit, string setting) =>
        UpstreamFailures.OfAttempt(exception, attempt, Label, () => new UpstreamTimeoutException(ModelName, Label, what, limit, setting));
}

/// <summary>A stream that has produced its first text: the rest is read under the between-chunks and total time-outs.</summary>
public sealed class OpenedStream(
    RouteTarget target, IAsyncEnumerator<ChatResponseUpdate> updates, CancellationTokenSource attempt, List<ChatResponseUpdate> early, bool ended,
    long started, CancellationToken cancellationToken) : IAsyncDisposable
{
    private readonly long _deadline = started + (long)(target.Limits.Total.TotalSeconds * Stopwatch.Frequency);

    public RouteTarget Target { get; } = target;

    /// <summary>The updates up to and including the first text.</summary>
    public IReadOnlyList<ChatResponseUpdate> Early { get; } = early;

    public bool Ended { get; private set; } = ended;

    public ChatResponseUpdate Current => Target.AnsweredBy.StampOn(updates.Current);

    public async ValueTask<bool> MoveNextAsync()
    {
        if (Ended)
        {
            return false;
        }

        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _deadline);
        var total = left < Target.Limits.BetweenChunks;
        attempt.CancelAfter(total ? (left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1)) : Target.Limits.BetweenChunks);
        try
        {
            Ended = !await updates.MoveNextAsync();
            if (Ended)
            {
                // A stream that ends because it was cancelled (OllamaSharp does so quietly) did not finish its answer.
                attempt.Token.ThrowIfCancellationRequested();
            }

            return !Ended;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            throw total
                ? Target.Failed(exception, attempt, "did not finish its answer", Target.Limits.Total, Target.Limits.TotalSetting)
                : Target.Failed(exception, attempt, "sent nothing more", Target.Limits.BetweenChunks, Target.Limits.BetweenChunksSetting);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await updates.DisposeAsync();
        attempt.Dispose();
    }
}
