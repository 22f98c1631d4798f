using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Groundwork.Retrieval;

/// <summary>Loads every tenant's <see cref="ChunkIndex"/> in the background at start-up, saves it periodically and on shutdown.</summary>
/// <remarks>It also publishes the index-size gauge (<see cref="RetrievalTelemetry"/>), from start-up on.</remarks>
public sealed class ChunkIndexHost(ChunkIndex index, IMeterFactory meters, ILogger<ChunkIndexHost> logger) : BackgroundService
{
    private static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        RetrievalTelemetry.AddIndexGauge(meters, index);
        await index.LoadAllAsync(stoppingToken);
        using var timer = new PeriodicTimer(SaveInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                index.SaveIfChanged();
            }
            catch (IOException exception)
            {
                logger.LogError(exception, "Saving the vector index failed; it will be rebuilt at the next start if needed");
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (index.IsLoaded)
        {
            index.SaveIfChanged();
        }
    }
}

public sealed class ChunkIndexHealthCheck(ChunkIndex index) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(index.IsLoaded
            ? HealthCheckResult.Healthy($"{index.TotalCount} chunks indexed")
            : HealthCheckResult.Unhealthy("The vector index is still loading"));
}
