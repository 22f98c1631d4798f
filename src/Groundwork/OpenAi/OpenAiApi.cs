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

    /// <summary>What OpenAI clients take as their base URL; unknown paths under it are answered in OpenAI's shape too.</summary>
    public const string Prefix = "/v1";

    public static IHostApplicationBuilder AddOpenAiCompatibility(this IHostApplicationBuilder builder)
    {
        builder.AddOpenAiErrors();
        builder.Services.ConfigureAll<OpenApiOptions>(options => options.AddOperationTransformer<OpenAiErrorsOperationTransformer>());
        return builder;
    }

    public static RouteGroupBuilder MapOpenAiApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(Prefix).WithTags(Tag).RequireAuthorization(Policies.Reader).RequirePerKeyRateLimit()
            .WithMetadata(OpenAiErrorFormat.Instance);
        group.MapOpenAiModels();
        group.MapOpenAiEmbeddings();
        group.MapChatCompletions();
        group.MapResponses();
        return group;
    }
}
