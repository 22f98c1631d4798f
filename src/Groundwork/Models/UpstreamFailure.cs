using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Anthropic.Exceptions;
using OllamaSharp.Models.Exceptions;
using Polly.CircuitBreaker;

namespace Groundwork.Models;

public enum UpstreamFailureKind
{
    /// <summary>The model or its provider cannot be used as configured (no key, every circuit open): 503.</summary>
    Unavailable,

    /// <summary>The provider answered 429: 503 with its <c>Retry-After</c>.</summary>
    RateLimited,

    /// <summary>The provider did not answer (or send its next part) in time: 504.</summary>
    Timeout,

    /// <summary>The provider could not be reached (refused connection, DNS, TLS): 502.</summary>
    Unreachable,

    /// <summary>The provider answered 5xx: 502.</summary>
    ServerError,

    /// <summary>The provider rejected the request (4xx other than 429): 502, and no other target is tried with it.</summary>
    Rejected,

    /// <summary>The provider's answer was not valid JSON/SSE/NDJSON, or its connection broke mid-answer: 502.</summary>
    Malformed,
}

/// <summary>
/// What went wrong with a model call, as the gateway answers it. The one classification used by retries, fallback,
/// the circuit breaker and the error mapping of JSON answers and streams alike.
/// </summary>
public sealed record UpstreamFailure(UpstreamFailureKind Kind, string Title, string Detail, TimeSpan? RetryAfter = null)
{
    public int Status => Kind switch
    {
        UpstreamFailureKind.Unavailable or UpstreamFailureKind.RateLimited => StatusCodes.Status503ServiceUnavailable,
        UpstreamFailureKind.Timeout => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status502BadGateway,
    };

    /// <summary>Worth another attempt at the same target: a failure that may pass (not a time-out, which would only double the wait).</summary>
    public bool CanRetry => Kind is UpstreamFailureKind.RateLimited or UpstreamFailureKind.ServerError or UpstreamFailureKind.Unreachable
        or UpstreamFailureKind.Malformed;

    /// <summary>Worth trying the next target: everything but a request the provider rejected (the next would reject it too).</summary>
    public bool CanFallBack => Kind is not UpstreamFailureKind.Rejected;

    /// <summary>The <c>Retry-After</c> header value to pass on (whole seconds, rounded up), if the provider sent one.</summary>
    public string? RetryAfterHeader => RetryAfter is { } after
        ? Math.Max(1, (long)Math.Ceiling(after.TotalSeconds)).ToString(CultureInfo.InvariantCulture)
        : null;
}

public static class UpstreamFailures
{
    /// <summary>Classifies a model call's exception; null when it is not an upstream failure (a bug, or the caller going away).</summary>
    public static UpstreamFailure? Classify(Exception exception) => exception switch
    {
        UpstreamException known => known.Failure,
        BrokenCircuitException broken =>
            new(UpstreamFailureKind.Unavailable, "Model provider circuit open", FirstLine(broken.Message), broken.RetryAfter),
        ModelUnavailableException unavailable =>
            new(UpstreamFailureKind.Unavailable, "Model not available", unavailable.Message),
        UpstreamTimeoutException timeout =>
            new(UpstreamFailureKind.Timeout, "Model timed out", timeout.Message),
        ClientResultException { Status: 429 } rateLimited =>
            new(UpstreamFailureKind.RateLimited, "Model provider is rate limiting", $"The OpenAI provider answered 429: {FirstLine(rateLimited.Message)}",
                RetryAfterOf(rateLimited.GetRawResponse()?.Headers is { } headers ? name => headers.TryGetValue(name, out var value) ? value : null : null)),
        ClientResultException { Status: 0 } network =>
            new(UpstreamFailureKind.Unreachable, "Model provider unreachable", $"The OpenAI provider could not be reached: {FirstLine(network.Message)}"),
        ClientResultException { Status: >= 500 } failed =>
            new(UpstreamFailureKind.ServerError, "Model provider failed", $"The OpenAI provider answered {failed.Status}: {FirstLine(failed.Message)}"),
        ClientResultException failed =>
            new(UpstreamFailureKind.Rejected, "Model provider rejected the request", $"The OpenAI provider answered {failed.Status}: {FirstLine(failed.Message)}"),
        AnthropicApiException { StatusCode: HttpStatusCode.TooManyRequests } rateLimited =>
            new(UpstreamFailureKind.RateLimited, "Model provider is rate limiting", $"The Anthropic provider answered 429: {FirstLine(rateLimited.Message)}",
                UpstreamResponseHeaders.RetryAfter),
        AnthropicApiException { StatusCode: >= HttpStatusCode.InternalServerError } failed =>
            new(UpstreamFailureKind.ServerError, "Model provider failed", $"The Anthropic provider answered {(int)failed.StatusCode}: {FirstLine(failed.Message)}"),
        AnthropicApiException failed =>
            new(UpstreamFailureKind.Rejected, "Model provider rejected the request", $"The Anthropic provider answered {(int)failed.StatusCode}: {FirstLine(failed.Message)}"),
        AnthropicException failed when failed.InnerException is { } inner && Classify(inner) is { } cause => cause,
        AnthropicException failed =>
            new(UpstreamFailureKind.Malformed, "Model provider failed", $"The Anthropic provider failed: {FirstLine(failed.Message)}"),
        OllamaException failed => UpstreamResponseHeaders.FailedStatus switch
        {
            429 => new(UpstreamFailureKind.RateLimited, "Model provider is rate limiting", $"The Ollama provider answered 429: {FirstLine(failed.Message)}",
                UpstreamResponseHeaders.RetryAfter),
            >= 500 and var status => new(UpstreamFailureKind.ServerError, "Model provider failed", $"The Ollama provider answered {status}: {FirstLine(failed.Message)}"),
            { } status => new(UpstreamFailureKind.Rejected, "Model provider rejected the request", $"The Ollama provider answered {status}: {FirstLine(failed.Message)}"),
            null => new(UpstreamFailureKind.Malformed, "Model provider failed", $"The Ollama provider failed: {FirstLine(failed.Message)}"),
        },
        HttpIOException cut =>
            new(UpstreamFailureKind.Malformed, "Model provider connection broke", $"The model provider's answer was cut off: {FirstLine(cut.Message)}"),
        HttpRequestException { StatusCode: HttpStatusCode.TooManyRequests } rateLimited =>
            new(UpstreamFailureKind.RateLimited, "Model provider is rate limiting", $"The model provider answered 429: {FirstLine(rateLimited.Message)}",
                UpstreamResponseHeaders.RetryAfter),
        HttpRequestException { StatusCode: >= HttpStatusCode.InternalServerError } failed =>
            new(UpstreamFailureKind.ServerError, "Model provider failed", $"The model provider answered {(int)failed.StatusCode!}: {FirstLine(failed.Message)}"),
        HttpRequestException { StatusCode: { } status } failed =>
            new(UpstreamFailureKind.Rejected, "Model provider rejected the request", $"The model provider answered {(int)status}: {FirstLine(failed.Message)}"),
        HttpRequestException { InnerException: IOException { InnerException: not SocketException } } cut =>
            new(UpstreamFailureKind.Malformed, "Model provider connection broke", $"The model provider's answer was cut off: {FirstLine(cut.Message)}"),
        HttpRequestException failed =>
            new(UpstreamFailureKind.Unreachable, "Model provider unreachable", $"The model provider could not be reached: {FirstLine(failed.Message)}"),
        IOException cut =>
            new(UpstreamFailureKind.Malformed, "Model provider connection broke", $"The model provider's answer was cut off: {FirstLine(cut.Message)}"),
        System.Text.Json.JsonException malformed =>
            new(UpstreamFailureKind.Malformed, "Model provider answered malformed data", FirstLine(malformed.Message)),
        _ => null,
    };

    /// <summary>
    /// The exception a failed attempt at <paramref name="label"/> ends in: <paramref name="timedOut"/> when the attempt's
    /// own timer cancelled it, else the failure classified with the label in front of its detail (an unclassified
    /// exception, a bug, stays as it is).
    /// </summary>
    public static Exception OfAttempt(Exception exception, CancellationTokenSource attempt, string label, Func<UpstreamTimeoutException> timedOut)
    {
        if (attempt.IsCancellationRequested)
        {
            var timeout = timedOut();
            return new UpstreamException(Classify(timeout)!, timeout);
        }

        return exception is UpstreamException || Classify(exception) is not { } failure
            ? exception
            : new UpstreamException(failure with { Detail = $"{label}: {failure.Detail}" }, exception);
    }

    /// <summary>Reads <c>retry-after-ms</c> or <c>retry-after</c> (seconds or an HTTP date), as the providers send them.</summary>
    public static TimeSpan? RetryAfterOf(Func<string, string?>? header)
    {
        if (header is null)
        {
            return null;
        }

        if (header("retry-after-ms") is { } ms && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (header("retry-after") is not { } value)
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? TimeSpan.FromTicks(Math.Max(0, (at - DateTimeOffset.UtcNow).Ticks))
            : null;
    }

    internal static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}

/// <summary>A failure already classified (by the router, or a provider adapter that knows more than its exception says).</summary>
public sealed class UpstreamException(UpstreamFailure failure, Exception? inner = null) : Exception(failure.Detail, inner)
{
    public UpstreamFailure Failure { get; } = failure;
}
