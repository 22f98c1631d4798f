using System.Text.Json.Nodes;
using Groundwork.Embeddings;
using Groundwork.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace Groundwork.OpenAi;

public static class EmbeddingsEndpoint
{
    /// <summary><c>/embeddings</c> already takes and answers OpenAI's format; the same handler, with OpenAI-shaped errors from the group.</summary>
    public static RouteGroupBuilder MapOpenAiEmbeddings(this RouteGroupBuilder group)
    {
        group.MapPost("/embeddings", EmbeddingsApi.CreateEmbeddingsAsync)
            .WithRequestExample(JsonNode.Parse("""{"input": "The reactor is cooled by liquid helium."}""")!)
            .WithName("OpenAiCreateEmbeddings")
            .WithSummary("Create embeddings (OpenAI-compatible)")
            .WithDescription("OpenAI's embeddings request and answer, with the model the service indexes documents with; as POST /embeddings.")
            .WithMetadata(new RequestSizeLimitAttribute(EmbeddingsApi.MaxBodyBytes))
            .Produces<OpenAiErrorResponse>(StatusCodes.Status502BadGateway)
            .Produces<OpenAiErrorResponse>(StatusCodes.Status503ServiceUnavailable)
            .Produces<OpenAiErrorResponse>(StatusCodes.Status504GatewayTimeout);
        return group;
    }
}
