namespace Groundwork.OpenAi;

/// <summary>Errors in OpenAI's shape for what a handler itself rejects (the error writer covers what shared code throws).</summary>
public static class OpenAiErrors
{
    public static IResult InvalidRequest(string param, string message) =>
        TypedResults.Json(new OpenAiErrorBody(new OpenAiError(message, "invalid_request_error", param, null)), statusCode: StatusCodes.Status400BadRequest);

    public static IResult NotFound(string param, string message, string code) =>
        TypedResults.Json(new OpenAiErrorBody(new OpenAiError(message, "not_found_error", param, code)), statusCode: StatusCodes.Status404NotFound);

    private sealed record OpenAiErrorBody(OpenAiError Error);

    private sealed record OpenAiError(string Message, string Type, string? Param, string? Code);
}
