using System.Buffers.Binary;
using System.Text.Json;
using Groundwork.Auth;
using Groundwork.Hosting;
using Groundwork.RateLimits;
using Groundwork.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.AI;

namespace Groundwork.Embeddings;

public static class EmbeddingsApi
{
    /// <summary>Bodies above this are answered 413: 2048 texts of about a thousand characters each.</summary>
    public const long MaxBodyBytes = 2 * 1024 * 1024;

    public static RouteGroupBuilder MapEmbeddingsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/embeddings").WithTags("Embeddings").RequireAuthorization(Policies.Reader).RequirePerKeyRateLimit();
        group.MapPost("", CreateEmbeddingsAsync)
            .WithName("CreateEmbeddings")
            .WithSummary("Embed texts with the service's embedding model (OpenAI-compatible)")
            .WithDescription("Takes OpenAI's embeddings request and answers in its format, with the model the service indexes documents with.")
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithRequestExample(new EmbeddingsRequest { Input = JsonSerializer.SerializeToElement("The reactor is cooled by liquid helium.") })
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        return group;
    }

    public static async Task<Ok<EmbeddingsResponse>> CreateEmbeddingsAsync(
        ValidatedJson<EmbeddingsRequest> request, IEmbeddingGenerator<string, Embedding<float>> generator, Caller caller, MeteredChat metered,
        HttpResponse response, TimeProvider clock, CancellationToken cancellationToken)
    {
        var texts = request.Value.Texts();
        var options = request.Value.Dimensions is { } dimensions ? new EmbeddingGenerationOptions { Dimensions = dimensions } : null;
        var configuredModel = generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId;
        using var call = await metered.ReserveEmbeddingAsync(caller, configuredModel ?? "embeddings", texts, cancellationToken);
        var embeddings = await call.RunAsync(token => generator.GenerateAsync(texts, options, token), e => e.Usage, cancellationToken);
        BudgetHeaders.Write(response, call.Budgets(), clock.GetUtcNow().UtcDateTime);

        var base64 = request.Value.EncodingFormat == "base64";
        var data = new EmbeddingItem[embeddings.Count];
        for (var i = 0; i < data.Length; i++)
        {
            var vector = embeddings[i].Vector;
            data[i] = new EmbeddingItem("embedding", i, base64 ? Base64(vector.Span) : vector);
        }

        var model = embeddings.FirstOrDefault()?.ModelId
            ?? configuredModel
            ?? request.Value.Model
            ?? string.Empty;
        var tokens = embeddings.Usage?.InputTokenCount ?? 0;
        return TypedResults.Ok(new EmbeddingsResponse("list", data, model, new EmbeddingsUsage(tokens, tokens)));
    }

    // OpenAI's SDKs decode base64 embeddings as little-endian float32, whatever the machine.
    private static string Base64(ReadOnlySpan<float> vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        }

        return Convert.ToBase64String(bytes);
    }
}
