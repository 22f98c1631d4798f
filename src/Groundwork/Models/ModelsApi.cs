using Groundwork.Auth;
using Groundwork.Generation;
using Groundwork.RateLimits;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Groundwork.Models;

/// <summary>A configured chat model that can answer: its public name, who serves it and what it is.</summary>
/// <param name="Name">The name <c>/generate</c> accepts as <c>model</c>.</param>
/// <param name="Provider">The provider that answers first (the first usable target of the model's chain).</param>
/// <param name="UpstreamModel">That provider's own model id; <c>groundwork-local-extractive</c> for <c>local</c>.</param>
/// <param name="Description">What the model is, in words.</param>
/// <param name="IsDefault">True for the model <c>/generate</c> uses when the request leaves <c>model</c> out.</param>
public sealed record ModelInfo(string Name, string Provider, string? UpstreamModel, string Description, bool IsDefault);

/// <summary>The models that can answer, and the default one.</summary>
/// <param name="Models">Every configured model with at least one usable target, by name.</param>
/// <param name="Default">The model <c>/generate</c> uses when the request leaves <c>model</c> out, whether or not it can answer.</param>
/// <param name="DefaultAvailable">
/// False when the default model is not in <c>models</c> (not configured, or its provider has no credentials): a request
/// without <c>model</c> is then refused rather than answered by another model.
/// </param>
public sealed record ModelList(IReadOnlyList<ModelInfo> Models, string Default, bool DefaultAvailable);

public static class ModelsApi
{
    public const string LocalDescription =
        "Built-in extractive model: answers by quoting the retrieved passages, with citations, without calling any upstream; it is not an LLM.";

    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/models").WithTags("Models").RequireAuthorization(Policies.Reader).RequirePerKeyRateLimit();
        group.MapGet("", ListModels)
            .WithName("ListModels")
            .WithSummary("List the chat models that can answer, and the default one")
            .WithDescription(
                "The configured chat models with at least one usable target (a model whose providers have no credentials is left " +
                "out), each with the provider and upstream model that answer first and a description; `local` is the built-in " +
                "extractive model, which quotes the retrieved passages and is not an LLM. `default` is the model `/generate` uses " +
                "when the request leaves `model` out; `default_available` is false when that model is not listed, in which case " +
                "such a request is refused rather than answered by another model.");
        return group;
    }

    public static Ok<ModelList> ListModels(ModelRegistry registry)
    {
        var defaultModel = GenerateRequest.DefaultModel;
        var models = new List<ModelInfo>();
        foreach (var name in registry.Names)
        {
            var targets = registry.RouteOf(name).Targets;
            var first = targets.FirstOrDefault(target => target.Client is not null);
            if (first is null)
            {
                continue;
            }

            var local = registry.ProviderTypesOf(name).All(type => type == ModelProvider.Local);
            var description = local ? LocalDescription : Describe(targets);
            models.Add(new ModelInfo(name, first.AnsweredBy.Provider, first.AnsweredBy.UpstreamModel, description, name == defaultModel));
        }

        return TypedResults.Ok(new ModelList(models, defaultModel, models.Any(model => model.IsDefault)));
    }

    private static string Describe(IReadOnlyList<RouteTarget> targets)
    {
        var usable = targets.Where(target => target.Client is not null).ToList();
        var first = usable[0];
        var text = first.AnsweredBy.Provider == "local"
            ? "The built-in extractive model (quotes the retrieved passages, not an LLM)"
            : $"{first.AnsweredBy.UpstreamModel} from the provider '{first.AnsweredBy.Provider}'";
        return usable.Count == 1 ? $"{text}." : $"{text}, falling back to {string.Join(", then ", usable.Skip(1).Select(target => target.Label))}.";
    }
}
