using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Groundwork.Models;

/// <summary>
/// A public model name: its chain of targets behind one <see cref="IChatClient"/>. Each call tries the targets in
/// order (starting with a weighted draw when the chain has weights); a target's retries and circuit breaker are in its
/// pipeline; a failure worth it (<see cref="UpstreamFailure.CanFallBack"/>) moves on to the next target. A stream falls
/// back only until its first text: once text has reached the caller, a failure ends the stream with that failure.
/// </summary>
public sealed class RoutedChatClient(string modelName, IReadOnlyList<RouteTarget> targets, RoutingMetrics metrics) : IChatClient
{
    private readonly int _totalWeight = targets.Sum(t => t.Weight);

    public IReadOnlyList<RouteTarget> Targets { get; } = targets;

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (target, response) = await FirstToAnswerAsync(
            (target, token) => target.Pipeline.ExecuteAsync(
                static (state, token) => state.target.AnswerAsync(state.messages, state.options, token), (target, messages, options), token),
            metrics.UpstreamCall, cancellationToken);
        return target.AnsweredBy.StampOn(response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var stream = await OpenAsync(messages, options, cancellationToken);
        await using (stream)
        {
            foreach (var update in stream.Early)
            {
                yield return update;
            }

            while (await stream.MoveNextAsync())
            {
                yield return stream.Current;
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
        // The targets' clients belong to ProviderClients.
    }

    private async Task<OpenedStream> OpenAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var (_, stream) = await FirstToAnswerAsync(
            (target, token) => target.Pipeline.ExecuteAsync(
                static (state, token) => state.target.OpenStreamAsync(state.messages, state.options, token), (target, messages, options), token),
            (target, _, started) => metrics.FirstToken(target, started), cancellationToken);
        return stream;
    }

    /// <summary>Tries the targets in this call's order until one answers, moving on after each failure worth it.</summary>
    private async Task<(RouteTarget Target, T Answer)> FirstToAnswerAsync<T>(
        Func<RouteTarget, CancellationToken, ValueTask<T>> attempt, Action<RouteTarget, string, long> answered, CancellationToken cancellationToken)
    {
        var failures = new List<(RouteTarget Target, UpstreamFailure Failure)>();
        foreach (var target in Order())
        {
            if (target.Client is null)
            {
                failures.Add((target, Unconfigured(target)));
                continue;
            }

            if (failures.Count > 0)
            {
                metrics.FallBack(modelName, failures[^1].Target, failures[^1].Failure);
            }

            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                var answer = await attempt(target, cancellationToken);
                answered(target, "ok", started);
                return (target, answer);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested && UpstreamFailures.Classify(exception) is { } failure)
            {
                metrics.UpstreamCall(target, failure.Kind.ToString(), started);
                failures.Add((target, failure));
                if (!failure.CanFallBack)
                {
                    break;
                }
            }
        }

        throw NoTargetLeft(failures);
    }

    /// <summary>The chain in the order this call tries it: the listed order, or a weighted draw first and the rest in order.</summary>
    private IEnumerable<RouteTarget> Order()
    {
        if (_totalWeight == 0)
        {
            return Targets;
        }

        var draw = Random.Shared.Next(_totalWeight);
        var first = Targets.First(target => (draw -= target.Weight) < 0);
        return Targets.Where(target => target != first).Prepend(first);
    }

    private static UpstreamFailure Unconfigured(RouteTarget target) =>
        new(UpstreamFailureKind.Unavailable, "Model not available", target.UnavailableReason!);

    /// <summary>
    /// The answer when every target failed: the last real failure decides the status (a target that was skipped, for
    /// its circuit or its missing key, does not hide why the one tried failed); with none tried, 503.
    /// </summary>
    private UpstreamException NoTargetLeft(List<(RouteTarget Target, UpstreamFailure Failure)> failures)
    {
        metrics.Exhausted(modelName, failures.Count);
        if (failures.Count == 1)
        {
            return new UpstreamException(failures[0].Failure);
        }

        var decisive = failures.LastOrDefault(f => f.Failure.Kind != UpstreamFailureKind.Unavailable).Failure;
        var retryAfter = failures.Select(f => f.Failure.RetryAfter).Where(after => after is not null).Min();
        var detail = $"Model '{modelName}' has no target left: " + string.Join("; ", failures.Select(f =>
            f.Failure.Detail.StartsWith(f.Target.Label, StringComparison.Ordinal) ? f.Failure.Detail : $"{f.Target.Label}: {f.Failure.Detail}"));
        return new UpstreamException(decisive is null
            ? new UpstreamFailure(UpstreamFailureKind.Unavailable, "Model not available", detail, retryAfter)
            : decisive with { Detail = detail, RetryAfter = decisive.Kind == UpstreamFailureKind.RateLimited ? retryAfter : null });
    }
}
