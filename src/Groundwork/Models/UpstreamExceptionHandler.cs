using System.ClientModel;
using System.Net;
using Anthropic.Exceptions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Groundwork.Models;

/// <summary>
/// Maps provider failures to gateway statuses: an unusable or rate-limited provider is 503, a provider that
/// failed or answered nonsense is 502, one that did not answer in time is 504.
/// </summary>
public sealed class UpstreamExceptionHandler(IProblemDetailsService problemDetails, ILogger<UpstreamExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to read an answer.
            return exception is OperationCanceledException || Classify(exception) is not null;
        }

        if (Classify(exception) is not { } failure)
        {
            return false;
        }

        logger.LogWarning("Upstream failure answered {Status}: {Reason}", failure.Status, failure.Detail);
        context.Response.StatusCode = failure.Status;
        if (failure.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = failure.Status, Title = failure.Title, Detail = failure.Detail },
        });
    }

    private sealed record Failure(int Status, string Title, string Detail, string? RetryAfter = null);

    private static Failure? Classify(Exception exception) => exception switch
    {
        ModelUnavailableException unavailable =>
            new(StatusCodes.Status503ServiceUnavailable, "Model not available", unavailable.Message),
        UpstreamTimeoutException timeout =>
            new(StatusCodes.Status504GatewayTimeout, "Model timed out", timeout.Message),
        ClientResultException { Status: 429 } rateLimited =>
            new(StatusCodes.Status503ServiceUnavailable, "Model provider is rate limiting", $"The OpenAI provider answered 429: {FirstLine(rateLimited.Message)}",
                rateLimited.GetRawResponse()?.Headers.TryGetValue("Retry-After", out var after) == true ? after : null),
        ClientResultException { Status: 0 } network =>
            new(StatusCodes.Status502BadGateway, "Model provider unreachable", $"The OpenAI provider could not be reached: {FirstLine(network.Message)}"),
        ClientResultException failed =>
            new(StatusCodes.Status502BadGateway, "Model provider failed", $"The OpenAI provider answered {failed.Status}: {FirstLine(failed.Message)}"),
        AnthropicApiException { StatusCode: HttpStatusCode.TooManyRequests } rateLimited =>
            new(StatusCodes.Status503ServiceUnavailable, "Model provider is rate limiting", $"The Anthropic provider answered 429: {FirstLine(rateLimited.Message)}"),
        AnthropicApiException failed =>
            new(StatusCodes.Status502BadGateway, "Model provider failed", $"The Anthropic provider answered {(int)failed.StatusCode}: {FirstLine(failed.Message)}"),
        AnthropicException failed =>
            new(StatusCodes.Status502BadGateway, "Model provider failed", $"The Anthropic provider failed: {FirstLine(failed.Message)}"),
        HttpIOException cut =>
            new(StatusCodes.Status502BadGateway, "Model provider connection broke", $"The model provider's answer was cut off: {FirstLine(cut.Message)}"),
        HttpRequestException failed =>
            new(StatusCodes.Status502BadGateway, "Model provider unreachable", $"The model provider could not be reached: {FirstLine(failed.Message)}"),
        System.Text.Json.JsonException malformed =>
            new(StatusCodes.Status502BadGateway, "Model provider answered malformed data", FirstLine(malformed.Message)),
        _ => null,
    };

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
