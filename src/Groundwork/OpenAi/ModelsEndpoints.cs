using Groundwork.Models;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.AI;

namespace Groundwork.OpenAi;

/// <summary>OpenAI's model object; <see cref="OwnedBy"/> is <c>groundwork</c> for every public name.</summary>
public sealed record OpenAiModel(string Id, string Object, long Created, string OwnedBy);

public sealed record OpenAiModelList(string Object, IReadOnlyList<OpenAiModel> Data);

public static class ModelsEndpoints
{
    public const string OwnedBy = "groundwork";

    // OpenAI's "created" is when a model was published; a public name here exists since the service started with it.
    private static readonly long StartedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static RouteGroupBuilder MapOpenAiModels(this RouteGroupBuilder group)
    {
        group.MapGet("/models", ListModels)
            .WithName("OpenAiListModels")
            .WithSummary("List the models (OpenAI-compatible)")
            .WithDescription("The configured chat models by their public names, and the embedding model.");
        group.MapGet("/models/{**id}", GetModel)
            .WithName("OpenAiRetrieveModel")
            .WithSummary("Retrieve a model (OpenAI-compatible)")
            .WithDescription("One configured chat model or the embedding model; any other id is 404 with code model_not_found.")
            .Produces<OpenAiErrorResponse>(StatusCodes.Status404NotFound);
        return group;
    }

    public static Ok<OpenAiModelList> ListModels(ModelRegistry registry, IEmbeddingGenerator<string, Embedding<float>> embeddings) =>
        TypedResults.Ok(new OpenAiModelList("list", [.. Ids(registry, embeddings).Select(Model)]));

    public static Results<Ok<OpenAiModel>, OpenAiErrorResult> GetModel(
        string id, ModelRegistry registry, IEmbeddingGenerator<string, Embedding<float>> embeddings) =>
        Ids(registry, embeddings).Contains(id, StringComparer.Ordinal)
            ? TypedResults.Ok(Model(id))
            : OpenAiErrorResult.Of(StatusCodes.Status404NotFound, new OpenAiError(
                $"The model '{id}' does not exist; GET /v1/models lists the models of this service.", OpenAiErrors.NotFoundType, "model", "model_not_found"));

    private static IEnumerable<string> Ids(ModelRegistry registry, IEmbeddingGenerator<string, Embedding<float>> embeddings)
    {
        var embeddingModel = embeddings.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId;
        return embeddingModel is null || registry.IsKnown(embeddingModel) ? registry.Names : [.. registry.Names, embeddingModel];
    }

    private static OpenAiModel Model(string id) => new(id, "model", StartedAt, OwnedBy);
}
