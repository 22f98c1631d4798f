using System.Text.Json;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Groundwork.OpenAi;

/// <summary>Endpoint metadata: errors of this endpoint are written in OpenAI's shape instead of problem details.</summary>
public sealed class OpenAiErrorFormat
{
    public static readonly OpenAiErrorFormat Instance = new();

    private OpenAiErrorFormat()
    {
    }
}

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record OpenAiErrorResponse(OpenAiError Error);

/// <summary>One error as OpenAI's SDKs read it; <see cref="Param"/> and <see cref="Code"/> are null when there is none.</summary>
public sealed record OpenAiError(string Message, string Type, string? Param, string? Code);

/// <summary>The OpenAI-shaped answers /v1 handlers give directly, for refusals problem details cannot express (a parameter OpenAI has and Groundwork does not).</summary>
public static class OpenAiErrors
{
    public const string InvalidRequestType = "invalid_request_error";
    public const string AuthenticationType = "authentication_error";
    public const string PermissionType = "permission_error";
    public const string NotFoundType = "not_found_error";
    public const string RateLimitType = "rate_limit_exceeded";
    public const string InsufficientQuotaType = "insufficient_quota";
    public const string ApiErrorType = "api_error";

    /// <summary>A 400 <c>invalid_request_error</c> naming the request field <paramref name="param"/>.</summary>
    public static IResult InvalidRequest(string param, string message) =>
        OpenAiErrorResult.Of(StatusCodes.Status400BadRequest, new OpenAiError(message, InvalidRequestType, param, null));

    /// <summary>A 404 <c>not_found_error</c>, e.g. code <c>model_not_found</c> with param <c>model</c>.</summary>
    public static IResult NotFound(string param, string message, string code) =>
        OpenAiErrorResult.Of(StatusCodes.Status404NotFound, new OpenAiError(message, NotFoundType, param, code));
}

/// <summary>An OpenAI-shaped error as a typed result.</summary>
public sealed class OpenAiErrorResult(int statusCode, OpenAiError error) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<OpenAiErrorResponse>
{
    public static OpenAiErrorResult Of(int statusCode, OpenAiError error) => new(statusCode, error);

    public int StatusCode { get; } = statusCode;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public OpenAiErrorResponse Value { get; } = new(error);

    object? IValueHttpResult.Value => Value;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCode;
        return OpenAiErrorWriter.WriteAsync(httpContext, Value.Error, []);
    }
}

/// <summary>
/// Writes the problem details of endpoints carrying <see cref="OpenAiErrorFormat"/> in OpenAI's shape. Registered ahead
/// of the default writer, so every path that answers through <see cref="IProblemDetailsService"/> (authentication,
/// rate limits, budgets, upstream failures, rejected bodies, status-code pages, problem results) is covered without
/// special cases in handlers. Validation failures, 422 elsewhere in Groundwork, are 400 here as in OpenAI's API.
/// </summary>
public sealed class OpenAiErrorWriter : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context)
    {
        // The exception handler middleware clears the endpoint before its handlers run; its feature keeps the one that threw.
        var http = context.HttpContext;
        var endpoint = http.GetEndpoint() ?? http.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
        if (endpoint is RouteEndpoint)
        {
            return endpoint.Metadata.GetMetadata<OpenAiErrorFormat>() is not null;
        }

        // Routing's own answers (no endpoint matched: 404; one matched all but the method or content type: 405, 415)
        // belong to no group's endpoint; under the group's prefix they are the group's.
        return http.Request.Path.StartsWithSegments(OpenAiApi.Prefix, StringComparison.OrdinalIgnoreCase);
    }

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var response = context.HttpContext.Response;
        var problem = context.ProblemDetails;
        var status = problem.Status ?? response.StatusCode;
        if (status == StatusCodes.Status422UnprocessableEntity)
        {
            status = StatusCodes.Status400BadRequest;
        }

        response.StatusCode = status;
        return new ValueTask(WriteAsync(context.HttpContext, Translate(status, problem, context.HttpContext.Request), Extensions(problem)));
    }

    public static OpenAiError Translate(int status, ProblemDetails problem, HttpRequest? request = null)
    {
        var message = problem.Detail ?? problem.Title ?? ReasonPhrase(status);
        string? param = null;
        if (problem is HttpValidationProblemDetails { Errors.Count: > 0 } validation)
        {
            param = validation.Errors.Keys.First();
            message = $"{message} {string.Join(" ", validation.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}";
        }

        var code = problem.Extensions.TryGetValue("code", out var given) && given is string text ? text : null;
        if (problem is { Detail: null, Title: null } && request is not null)
        {
            // A status-code page: routing found no endpoint for this method, path and content type.
            message = $"{message}: {request.Method} {request.Path}. The OpenAI-compatible endpoints are listed in the API reference at /docs.";
            code ??= status == StatusCodes.Status404NotFound ? "unknown_url" : null;
        }

        var (type, defaultCode) = status switch
        {
            StatusCodes.Status401Unauthorized => (OpenAiErrors.AuthenticationType, "invalid_api_key"),
            StatusCodes.Status403Forbidden => (OpenAiErrors.PermissionType, null),
            StatusCodes.Status404NotFound => (OpenAiErrors.NotFoundType, null),
            StatusCodes.Status429TooManyRequests when problem.Extensions.ContainsKey("budget_tokens") =>
                (OpenAiErrors.InsufficientQuotaType, OpenAiErrors.InsufficientQuotaType),
            StatusCodes.Status429TooManyRequests => (OpenAiErrors.RateLimitType, OpenAiErrors.RateLimitType),
            >= 500 => (OpenAiErrors.ApiErrorType, null),
            _ => (OpenAiErrors.InvalidRequestType, null),
        };

        return new OpenAiError(message, type, param, code ?? defaultCode);
    }

    internal static async Task WriteAsync(HttpContext context, OpenAiError error, IEnumerable<KeyValuePair<string, object?>> extensions)
    {
        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("message", error.Message);
        writer.WriteString("type", error.Type);
        writer.WriteString("param", error.Param);
        writer.WriteString("code", error.Code);
        // Groundwork's details (which budget, when it resets, the trace id) ride along; OpenAI's SDKs ignore unknown members.
        foreach (var (name, value) in extensions)
        {
            writer.WritePropertyName(name);
            JsonSerializer.Serialize(writer, value, value?.GetType() ?? typeof(object), options);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private static IEnumerable<KeyValuePair<string, object?>> Extensions(ProblemDetails problem) =>
        problem.Extensions.Where(e => e.Key is not ("code" or "errors"));

    private static string ReasonPhrase(int status) =>
        ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : $"HTTP {status}";
}

public static class OpenAiErrorsRegistration
{
    public static IHostApplicationBuilder AddOpenAiErrors(this IHostApplicationBuilder builder)
    {
        // Problem-details writers are asked in registration order; AddProblemDetails adds the default one with TryAdd, so this one comes first.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IProblemDetailsWriter, OpenAiErrorWriter>());
        return builder;
    }
}
