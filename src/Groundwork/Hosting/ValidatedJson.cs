using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Groundwork.Hosting;

/// <summary>
/// A JSON request body of type <typeparamref name="T"/> that has passed validation (see <see cref="JsonRequestReader"/>).
/// As a handler parameter it documents the body as <typeparamref name="T"/> and the 400/413/415/422 problem responses.
/// The body size limit is the endpoint's <see cref="IRequestSizeLimitMetadata"/>, else <see cref="DefaultMaxBodyBytes"/>.
/// </summary>
public sealed class ValidatedJson<T> : IBindableFromHttpContext<ValidatedJson<T>>, IEndpointParameterMetadataProvider
    where T : class
{
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    private ValidatedJson(T value) => Value = value;

    public T Value { get; }

    public static async ValueTask<ValidatedJson<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize
            ?? DefaultMaxBodyBytes;
        var reader = context.RequestServices.GetRequiredService<JsonRequestReader>();
        return new ValidatedJson<T>(await reader.ReadAsync<T>(context, limit));
    }

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
    {
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(T)));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status400BadRequest, typeof(ProblemDetails), ["application/problem+json"]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status413PayloadTooLarge, typeof(ProblemDetails), ["application/problem+json"]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status415UnsupportedMediaType, typeof(ProblemDetails), ["application/problem+json"]));
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status422UnprocessableEntity, typeof(HttpValidationProblemDetails), ["application/problem+json"]));
    }
}
