using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Groundwork.Generation;

/// <summary>
/// Adds the <c>text/event-stream</c> answer of <c>POST /generate</c> beside its JSON one, as one schema per event (its
/// name and the JSON of its <c>data:</c> line).
/// </summary>
public sealed class GenerateStreamOperationTransformer : IOpenApiOperationTransformer
{
    private static readonly (string Name, Type Data, string Description)[] Events =
    [
        (GenerateStreamEvents.Sources, typeof(StreamSources), "First, as soon as retrieval is done and before the model is called: the passages the model is given."),
        (GenerateStreamEvents.Delta, typeof(StreamDelta), "As the model writes: the next piece of the answer. The pieces concatenate to the answer's text."),
        (GenerateStreamEvents.Citations, typeof(StreamCitations), "After the last delta: the citation markers of the finished text mapped to the sources, as in the JSON answer."),
        (GenerateStreamEvents.Usage, typeof(StreamUsage), "After citations: the tokens the model call used."),
        (GenerateStreamEvents.Done, typeof(StreamDone), "Last event of a stream that succeeded: who answered and why the answer ended."),
        (GenerateStreamEvents.Error, typeof(StreamError), "Last event of a stream that failed after it started (no done follows); the stream then ends."),
    ];

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IEndpointNameMetadata>().FirstOrDefault()?.EndpointName != GenerationApi.EndpointName
            || operation.Responses?.TryGetValue("200", out var ok) != true || ok is not OpenApiResponse response || context.Document is not { } document)
        {
            return;
        }

        var events = new List<IOpenApiSchema>(Events.Length);
        foreach (var (name, data, description) in Events)
        {
            events.Add(new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Title = name,
                Description = description,
                Required = new HashSet<string> { "event", "data" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["event"] = new OpenApiSchema { Type = JsonSchemaType.String, Const = name, Enum = [JsonValue.Create(name)] },
                    ["data"] = await ComponentAsync(document, context, data, cancellationToken),
                },
            });
        }

        (response.Content ??= new Dictionary<string, OpenApiMediaType>())["text/event-stream"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Description =
                        "Server-Sent Events (with \"stream\": true or Accept: text/event-stream), each an `event:` line with one of these names " +
                        "and a `data:` line with its JSON: sources, delta…, citations, usage, done; or, when the model fails after the stream " +
                        "started, sources, delta…, error. Failures before the stream starts are answered with their status as problem details.",
                    OneOf = events,
                },
            };
    }

    private static async Task<IOpenApiSchema> ComponentAsync(
        OpenApiDocument document, OpenApiOperationTransformerContext context, Type type, CancellationToken cancellationToken)
    {
        if (document.Components?.Schemas?.ContainsKey(type.Name) != true)
        {
            document.AddComponent(type.Name, await context.GetOrCreateSchemaAsync(type, cancellationToken: cancellationToken));
        }

        return new OpenApiSchemaReference(type.Name, document);
    }
}
