using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Groundwork.Hosting;

/// <summary>Answers requests rejected while reading them with problem details carrying their status and field errors.</summary>
public sealed class RequestRejectedExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            RequestRejectedException { Errors: { } errors } rejected => new HttpValidationProblemDetails(
                errors.ToDictionary(e => e.Key, e => e.Value))
            {
                Status = rejected.StatusCode,
                Title = rejected.Title,
                Detail = rejected.Message,
            },
            RequestRejectedException rejected => new ProblemDetails
            {
                Status = rejected.StatusCode,
                Title = rejected.Title,
                Detail = rejected.Message,
            },
            // Kestrel's own limits (body size, timeouts) and framework binding failures.
            BadHttpRequestException badRequest => new ProblemDetails
            {
                Status = badRequest.StatusCode,
                Title = badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                Detail = badRequest.Message,
            },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
            Exception = exception,
        });
    }
}
