using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

namespace Groundwork.Hosting;

/// <summary>A request body that the endpoint accepts, shown and pre-filled by the docs page.</summary>
public sealed record RequestExampleMetadata(object Example);

public static class RequestExamples
{
    /// <summary>
    /// Documents <paramref name="example"/> as the endpoint's JSON request body example. Without one the docs page
    /// pre-fills empty strings, which validation rejects; the example must be accepted as it is.
    /// </summary>
    public static RouteHandlerBuilder WithRequestExample<T>(this RouteHandlerBuilder builder, T example) where T : class =>
        builder.WithMetadata(new RequestExampleMetadata(example));
}

/// <summary>
/// Writes each endpoint's <see cref="RequestExampleMetadata"/> into its <c>application/json</c> request body, as the API
/// serialises it. A document transformer, because those run after every operation transformer, including endpoints' own
/// that replace the request body.
/// </summary>
public sealed partial class RequestExampleDocumentTransformer(IOptions<JsonOptions> json) : IOpenApiDocumentTransformer
{
    private readonly JsonSerializerOptions _options = new(json.Value.SerializerOptions)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var description in context.DescriptionGroups.SelectMany(group => group.Items))
        {
            if (description.ActionDescriptor.EndpointMetadata.OfType<RequestExampleMetadata>().LastOrDefault() is { } example
                && JsonBody(document, description) is { } media)
            {
                media.Example = JsonSerializer.SerializeToNode(example.Example, example.Example.GetType(), _options);
            }
        }

        return Task.CompletedTask;
    }

    private static OpenApiMediaType? JsonBody(OpenApiDocument document, Microsoft.AspNetCore.Mvc.ApiExplorer.ApiDescription description)
    {
        if (description.HttpMethod is null || description.RelativePath is null
            || !document.Paths.TryGetValue("/" + RouteConstraint().Replace(description.RelativePath.Trim('/'), "{$1}"), out var path)
            || path.Operations is null
            || !path.Operations.TryGetValue(HttpMethod.Parse(description.HttpMethod), out var operation)
            || operation.RequestBody?.Content is null
            || !operation.RequestBody.Content.TryGetValue("application/json", out var media))
        {
            return null;
        }

        return media;
    }

    /// <summary>A route parameter with its constraints, default or optional mark, which the document's paths leave out.</summary>
    [GeneratedRegex(@"\{([^}:=?]+)[^}]*\}")]
    private static partial Regex RouteConstraint();
}
