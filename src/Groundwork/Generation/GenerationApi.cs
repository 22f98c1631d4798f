using Groundwork.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Groundwork.Generation;

public static class GenerationApi
{
    /// <summary>Bodies above this are answered 413: a 10,000-character question fits several times over.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    public static IHostApplicationBuilder AddGeneration(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GenerationService>();
        return builder;
    }

    public static RouteGroupBuilder MapGenerationApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/generate").WithTags("Generation");
        group.MapPost("", GenerateAsync)
            .WithName("Generate")
            .WithSummary("Answer a question from the indexed documents")
            .WithDescription("Embeds the text, retrieves the 5 most similar chunks and asks the chosen model to answer from them, citing [n].")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        return group;
    }

    public static async Task<Ok<GenerateResponse>> GenerateAsync(
        ValidatedJson<GenerateRequest> request, GenerationService generation, CancellationToken cancellationToken) =>
        TypedResults.Ok(await generation.GenerateAsync(request.Value, cancellationToken));
}
