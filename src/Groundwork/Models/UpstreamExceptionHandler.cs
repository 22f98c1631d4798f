using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Groundwork.Models;

/// <summary>
/// Answers provider failures as problem details with the gateway status of <see cref="UpstreamFailures.Classify"/>:
/// an unusable or rate-limited provider is 503 (with its Retry-After), a provider that failed or answered nonsense is
/// 502, one that did not answer in time is 504.
/// </summary>
public sealed class UpstreamExceptionHandler(IProblemDetailsService problemDetails, ILogger<UpstreamExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to read an answer.
            return exception is OperationCanceledException || UpstreamFailures.Classify(exception) is not null;
        }

        if (UpstreamFailures.Classify(exception) is not { } failure)
        {
            return false;
        }

        logger.LogWarning("Upstream failure answered {Status}: {Reason}", failure.Status, failure.Detail);
        context.Response.StatusCode = failure.Status;
        if (failure.RetryAfterHeader is { } retryAfter)
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
}
