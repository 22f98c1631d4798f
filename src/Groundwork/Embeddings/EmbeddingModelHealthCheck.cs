using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Groundwork.Embeddings;

/// <summary>
/// Readiness: healthy once the local embedding model is loaded; the first check loads it, so a readiness probe
/// also warms the model. A remote provider is reported healthy without a call (it would cost money per probe).
/// </summary>
public sealed class EmbeddingModelHealthCheck(IEmbeddingGenerator<string, Embedding<float>> generator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (generator.GetService<LocalMiniLmEmbeddingGenerator>() is not { } local)
        {
            var provider = generator.GetService<EmbeddingGeneratorMetadata>()?.ProviderName ?? "remote";
            return HealthCheckResult.Healthy($"Embeddings come from {provider}; not probed.");
        }

        if (!local.IsLoaded)
        {
            try
            {
                await Task.Run(local.EnsureLoaded, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"{LocalMiniLmEmbeddingGenerator.ModelId} failed to load.", exception);
            }
        }

        return HealthCheckResult.Healthy($"{LocalMiniLmEmbeddingGenerator.ModelId} is loaded.");
    }
}
