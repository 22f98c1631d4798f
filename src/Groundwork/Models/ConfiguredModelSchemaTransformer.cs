using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Groundwork.Models;

/// <summary>Lists the configured model names as the enum of every property marked <see cref="ConfiguredModelAttribute"/>.</summary>
public sealed class ConfiguredModelSchemaTransformer(ModelRegistry registry) : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo?.AttributeProvider is MemberInfo member && member.IsDefined(typeof(ConfiguredModelAttribute)))
        {
            schema.Enum = [.. registry.Names.Select(name => (JsonNode)JsonValue.Create(name))];
        }

        return Task.CompletedTask;
    }
}
