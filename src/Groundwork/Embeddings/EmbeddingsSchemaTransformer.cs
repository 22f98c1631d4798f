using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Groundwork.Embeddings;

/// <summary>Documents what <see cref="EmbeddingsRequest"/>'s validation accepts where the CLR types cannot say it.</summary>
public sealed class EmbeddingsSchemaTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo?.AttributeProvider is not MemberInfo member || member.DeclaringType != typeof(EmbeddingsRequest))
        {
            return Task.CompletedTask;
        }

        if (member.IsDefined(typeof(EmbeddingsInputAttribute)))
        {
            schema.OneOf =
            [
                new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1 },
                new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    MinItems = 1,
                    MaxItems = EmbeddingsInputAttribute.MaxTexts,
                    Items = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1 },
                },
            ];
        }
        else if (member.GetCustomAttribute<System.ComponentModel.DataAnnotations.AllowedValuesAttribute>() is { } allowed)
        {
            schema.Enum = [.. allowed.Values.Select(value => (JsonNode)JsonValue.Create(value?.ToString())!)];
        }

        return Task.CompletedTask;
    }
}
