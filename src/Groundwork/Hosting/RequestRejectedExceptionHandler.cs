using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Groundwork.Hosting;

/// <summary>
/// Answers requests rejected while reading them with problem details carrying their status and field errors, and logs
/// each as one line: a rejected request is the client's mistake, not the service's.
/// </summary>
public sealed partial class RequestRejectedExceptionHandler(IProblemDetailsService problemDetails, ILogger<RequestRejectedExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
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
            // Kestrel's own limits (body size, malformed framing, timeouts) and minimal-API parameter binding.
            BadHttpRequestException badRequest => FromBadRequest(badRequest),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        logger.LogInformation("Rejected {Method} {Path}: {Status} {Title}", context.Request.Method, context.Request.Path,
            problem.Status, problem.Title);
        if (context.Response.HasStarted)
        {
            return true;
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>
    /// Binding failures name the parameter in the framework's message (<c>Failed to bind parameter "int limit" from "abc".</c>),
    /// the only place it is given; the answer names the parameter without the .NET type.
    /// </summary>
    private static ProblemDetails FromBadRequest(BadHttpRequestException exception)
    {
        if (BindFailure().Match(exception.Message) is { Success: true } failed)
        {
            var name = failed.Groups["name"].Value;
            return new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                [name] = [$"'{Excerpt(failed.Groups["value"].Value)}' is not {Expected(failed.Groups["type"].Value)}."],
            })
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "One or more parameters are invalid",
                Detail = $"Invalid parameter(s): {name}.",
            };
        }

        if (MissingParameter().Match(exception.Message) is { Success: true } missing)
        {
            var name = missing.Groups["name"].Value;
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [name] = ["The parameter is required."] })
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "One or more parameters are invalid",
                Detail = $"Missing parameter(s): {name}.",
            };
        }

        return exception.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => new ProblemDetails
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "Request body too large",
                Detail = "The request body is larger than this endpoint accepts.",
            },
            // Kestrel's messages describe the framing error in HTTP terms and name no types.
            var status => new ProblemDetails { Status = status, Title = "Bad request", Detail = exception.Message },
        };
    }

    private static string Excerpt(string value) => value.Length <= 64 ? value : $"{value[..64]}…";

    private static string Expected(string type) => type.TrimEnd('?') switch
    {
        "int" or "long" or "short" or "Int32" or "Int64" => "an integer",
        "bool" or "Boolean" => "true or false",
        "double" or "float" or "decimal" => "a number",
        _ => "a valid value",
    };

    [GeneratedRegex("""^Failed to bind parameter "(?<type>\S+) (?<name>[^"]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailure();

    [GeneratedRegex("""^Required parameter "(?<type>\S+) (?<name>[^"]+)" was not provided""")]
    private static partial Regex MissingParameter();
}
