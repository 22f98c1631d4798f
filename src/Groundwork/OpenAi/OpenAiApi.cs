using Groundwork.Auth;
using Groundwork.RateLimits;
using Microsoft.AspNetCore.OpenApi;

namespace Groundwork.OpenAi;

/// <summary>
/// The OpenAI-compatible API under <c>/v1</c>: chat completions, responses, embeddings and models, with Groundwork's
/// keys, tenants, budgets and rate limits, and errors in OpenAI's shape (<see cref="OpenAiErrorFormat"/> on the group).
/// </summary>
public static class OpenAiApi
{
    public const string Tag = "OpenAI-compatible";

    public static IHostApplicationBuilder AddOpenAiCompatibility(this IHostApplicationBuilder builder)
    {
        builder.AddOpenAiErrors();
        builder.Services.ConfigureAll<OpenApiOptions>(options => options.AddOperationTransformer<OpenAiErrorsOperationTransformer>());
        return builder;
    }

    public static RouteGroupBuilder MapOpenAiApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1").WithTags(Tag).RequireAuthorization(Policies.Reader).RequirePerKeyRateLimit()
            .WithMetadata(OpenAiErrorFormat.Instance);
        group.MapOpenAiModels();
        group.MapOpenAiEmbeddings();
        group.MapChatCompletions();
        group.MapResponses();
        // Behind the group's key check like the rest: without a valid key the answer is 401, so paths cannot be probed.
        group.MapFallback("{**path}", UnknownUrl).ExcludeFromDescription();
        return group;
    }

    private static IResult UnknownUrl(HttpRequest request) =>
        OpenAiErrorResult.Of(StatusCodes.Status404NotFound, new OpenAiError(
            $"Unknown request URL: {request.Method} {request.Path}. The OpenAI-compatible endpoints are listed in the API reference at /docs.",
            OpenAiErrors.NotFoundType, null, "unknown_url"));
}
