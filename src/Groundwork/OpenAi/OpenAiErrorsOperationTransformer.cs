using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Groundwork.OpenAi;

/// <summary>
/// Describes the error answers of <see cref="OpenAiErrorFormat"/> endpoints as OpenAI's error object instead of problem
/// details: validation failures are 400 (no 422), and every operation can answer 401 and 429.
/// </summary>
public sealed class OpenAiErrorsOperationTransformer : IOpenApiOperationTransformer
{
    private const string ContentType = "application/json";

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<OpenAiErrorFormat>().Any() || context.Document is not { } document)
        {
            return;
        }

        var name = nameof(OpenAiErrorResponse);
        if (document.Components?.Schemas?.ContainsKey(name) != true)
        {
            document.AddComponent(name, await context.GetOrCreateSchemaAsync(typeof(OpenAiErrorResponse), cancellationToken: cancellationToken));
        }

        var responses = operation.Responses ??= new OpenApiResponses();
        if (responses.Remove("422") && !responses.ContainsKey("400"))
        {
            responses["400"] = new OpenApiResponse();
        }

        responses.TryAdd("401", new OpenApiResponse());
        responses.TryAdd("429", new OpenApiResponse());
        foreach (var status in responses.Keys.Where(key => key[0] is '4' or '5').ToList())
        {
            responses[status] = new OpenApiResponse
            {
                Description = Description(status),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [ContentType] = new() { Schema = new OpenApiSchemaReference(name, document) },
                },
            };
        }
    }

    private static string Description(string status) => status switch
    {
        "400" => "invalid_request_error: malformed JSON or an invalid or unsupported parameter (param names it).",
        "401" => "authentication_error (code invalid_api_key): the key was missing, malformed, unknown, expired or revoked.",
        "403" => "permission_error: the key's role does not allow this request.",
        "404" => "not_found_error (code model_not_found for an unknown model).",
        "413" => "invalid_request_error: the request body is too large.",
        "415" => "invalid_request_error: the request body is not JSON.",
        "429" => "rate_limit_exceeded (the key's request rate; see Retry-After) or insufficient_quota (a token budget is used up).",
        _ => "api_error: the model provider failed (502), is unavailable (503) or did not answer in time (504).",
    };
}
