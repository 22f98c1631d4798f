using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Groundwork.Generation;

public sealed class GenerateStreamOperationTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
