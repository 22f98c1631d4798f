using System.Diagnostics;
using Groundwork.Auth;
using Groundwork.Hosting;
using Groundwork.Models;
using Groundwork.RateLimits;
using Groundwork.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Groundwork.Generation;

public static class GenerationApi
{
    /// <summary>Bodies above this are answered 413: a 10,000-character question fits several times over.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    public const string EndpointName = "Generate";

    /// <summary>"hit" when the answer came from the answer cache, "miss" when it was cached for next time; absent when not cacheable.</summary>
    public const string AnswerCacheHeader = "Groundwork-Cache";

    public static IHostApplicationBuilder AddGeneration(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<GenerationOptions>(GenerationOptions.Section);
        builder.Services.AddSingleton<GenerationService>();
        builder.Services.AddSingleton<GenerationMetrics>();
        builder.Services.AddTransient<IStartupFilter, RequestArrival.StartupFilter>();
        builder.Services.ConfigureAll<OpenApiOptions>(options => options.AddOperationTransformer<GenerateStreamOperationTransformer>());
        builder.AddValidatedOptions<AnswerCacheOptions>(AnswerCacheOptions.Section);
        builder.Services.AddSingleton<AnswerCache>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    public static RouteGroupBuilder MapGenerationApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/generate").WithTags("Generation").RequireAuthorization(Policies.Reader).RequirePerKeyRateLimit();
        group.MapPost("", GenerateAsync)
            .WithName(EndpointName)
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
                "names the limit, what is left and when it resets); abstained answers cost nothing. `provider` and `upstream_model` " +
                "(and the Groundwork-Provider and Groundwork-Upstream-Model headers) say who answered. With `\"stream\": true` or " +
                "`Accept: text/event-stream` the answer comes as Server-Sent Events: `sources` (once retrieval is done), `delta` " +
                "as the model writes, then `citations`, `usage` and `done`; a failure after the stream started ends it with one " +
                "`error` event, while failures before it (422, 429, 503) keep their status.")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithRequestExample(new GenerateRequest { Text = "What is the Zorblax reactor cooled by?", Model = "local" })
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout)
            // The framework would describe the stream as a generic SseItem in place of the JSON answer;
            // GenerateStreamOperationTransformer describes its events beside it instead.
            .Finally(endpoint =>
            {
                foreach (var stream in endpoint.Metadata.OfType<IProducesResponseTypeMetadata>()
                             .Where(metadata => metadata.ContentTypes.Contains("text/event-stream")).ToList())
                {
                    endpoint.Metadata.Remove(stream);
                }
            });
        return group;
    }

    public const string ProviderHeader = "Groundwork-Provider";
    public const string UpstreamModelHeader = "Groundwork-Upstream-Model";

    public static async Task<Results<Ok<GenerateResponse>, ServerSentEventsResult<GenerateStreamEvent>>> GenerateAsync(
        ValidatedJson<GenerateRequest> request, Caller caller, GenerationService generation, HttpContext context, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var response = context.Response;
        if (request.Value.Stream || AcceptsEventStream(context.Request))
        {
            var startedAt = context.Features.Get<RequestArrival>()?.Timestamp ?? Stopwatch.GetTimestamp();
            var stream = await generation.StartStreamAsync(request.Value, caller, startedAt, cancellationToken);
            response.RegisterForDispose(stream);
            BudgetHeaders.Write(response, stream.Budgets, clock.GetUtcNow().UtcDateTime);
            response.Headers.CacheControl = "no-cache";
            // Reverse proxies such as nginx buffer responses unless told not to.
            response.Headers["X-Accel-Buffering"] = "no";
            return TypedResults.ServerSentEvents(stream.EventsAsync(cancellationToken));
        }

        var result = await generation.GenerateAsync(request.Value, caller, cancellationToken);
        BudgetHeaders.Write(response, result.Budgets, clock.GetUtcNow().UtcDateTime);
        if (result.Response is { Provider: { } provider, UpstreamModel: { } upstreamModel })
        {
            response.Headers[ProviderHeader] = provider;
            response.Headers[UpstreamModelHeader] = upstreamModel;
        }

        if (result.AnswerCacheHit is { } hit)
        {
            response.Headers[AnswerCacheHeader] = hit ? "hit" : "miss";
        }

        return TypedResults.Ok(result.Response);
    }

    private static bool AcceptsEventStream(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0 || !accept.ToString().Contains(EventStream, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return request.GetTypedHeaders().Accept.Any(media =>
            media.MediaType.Equals(EventStream, StringComparison.OrdinalIgnoreCase) && media.Quality is not 0);
    }

    private const string EventStream = "text/event-stream";
}
