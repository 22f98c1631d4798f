using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Groundwork.Models;

/// <summary>The resilience pipeline of one upstream (a chat target or the embedding model): retries outside, a circuit breaker around each attempt.</summary>
public static class TargetPipeline
{
    public static void Configure(
        ResiliencePipelineBuilder builder, ResilienceOptions resilience, ProvidersOptions legacy, CircuitBreakerStateProvider circuit, TimeProvider clock,
        Action<UpstreamFailureKind> onRetry)
    {
        builder.TimeProvider = clock;
        var maxRetries = legacy.MaxRetries ?? resilience.MaxRetries;
        var longestRetryAfter = TimeSpan.FromSeconds(resilience.MaxRetryAfterSeconds);
        if (maxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = maxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(resilience.RetryDelayMs),
                MaxDelay = TimeSpan.FromSeconds(30),
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } exception && UpstreamFailures.Classify(exception) is { CanRetry: true } failure
                    && (failure.RetryAfter is null || failure.RetryAfter <= longestRetryAfter)),
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } exception ? UpstreamFailures.Classify(exception)?.RetryAfter : null),
                OnRetry = args =>
                {
                    onRetry(args.Outcome.Exception is { } exception && UpstreamFailures.Classify(exception) is { } failure
                        ? failure.Kind : UpstreamFailureKind.ServerError);
                    return default;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = resilience.BreakerFailureRatio,
            MinimumThroughput = resilience.BreakerMinimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(resilience.BreakerSamplingSeconds),
            BreakDuration = TimeSpan.FromSeconds(resilience.BreakerBreakSeconds),
            StateProvider = circuit,
            // A rejected request says nothing about the target's health, and a skipped one was never made.
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } exception && UpstreamFailures.Classify(exception) is { Kind: not (UpstreamFailureKind.Rejected or UpstreamFailureKind.Unavailable) }),
        });
    }
}
