using Groundwork.Auth;
using Groundwork.Hosting;
using Groundwork.RateLimits;
using Groundwork.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Groundwork.Generation;

public static class GenerationApi
{
    /// <summary>Bodies above this are answered 413: a 10,000-character question fits several times over.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    /// <summary>"hit" when the answer came from the answer cache, "miss" when it was cached for next time; absent when not cacheable.</summary>
    public const string AnswerCacheHeader = "Groundwork-Cache";

    public static IHostApplicationBuilder AddGeneration(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GenerationOptions>(GenerationOptions.Section);
        builder.Services.AddSingleton<GenerationService>();
        builder.AddValidatedOptions<AnswerCacheOptions>(AnswerCacheOptions.Section);
        builder.Services.AddSingleton<AnswerCache>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    public static RouteGroupBuilder MapGenerationApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/generate").WithTags("Generation").RequireAuthorization(Policies.Reader).RequirePerKeyRateLimit();
        group.MapPost("", GenerateAsync)
            .WithName("Generate")
            .WithSummary("Answer a question from the indexed documents")
            .WithDescription(
                "Retrieves the 5 best chunks for the text by hybrid search (vector and keyword rankings fused by reciprocal rank; " +
                "the server setting Search:GenerateMode can make it vector or keyword only), " +
                "gives them to the chosen model as numbered passages with instructions to cite them as [n], and maps the citation " +
                "markers of the answer back to the passages. `sources` lists the passages in prompt order with their `number`, " +
                "where they sit in their document (`start_offset`/`end_offset`, and `page_start`/`page_end` for PDFs) and whether " +
                "the answer cites them. `citations` has one entry per cited number of every marker in `text` ([1], [1][2], [1, 2]), " +
                "with the marker's position in `text`. A marker citing a number that is not a source is left out of `citations` " +
                "and listed in `unmatched_citations` instead. Passages whose `relevance` is below the server's Search:MinRelevance " +
                "are not given to the model; when none is left, `grounded` is false, `sources` is empty and the answer says that " +
                "the indexed documents do not answer the question (without calling the model, unless the server's " +
                "Generation:WhenNothingRelevant is `ask_model`). A call to the model first reserves its worst case (the prompt's " +
                "tokens and max_tokens) from the tenant's and the user's token budgets: 429 when one cannot take it (the answer " +
                "names the limit, what is left and when it resets); abstained answers cost nothing.")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithRequestExample(new GenerateRequest { Text = "What is the Zorblax reactor cooled by?", Model = "local" })
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        return group;
    }

    public static async Task<Ok<GenerateResponse>> GenerateAsync(
        ValidatedJson<GenerateRequest> request, Caller caller, GenerationService generation, HttpResponse response, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var result = await generation.GenerateAsync(request.Value, caller, cancellationToken);
        BudgetHeaders.Write(response, result.Budgets, clock.GetUtcNow().UtcDateTime);
        if (result.AnswerCacheHit is { } hit)
        {
            response.Headers[AnswerCacheHeader] = hit ? "hit" : "miss";
        }

        return TypedResults.Ok(result.Response);
    }
}
