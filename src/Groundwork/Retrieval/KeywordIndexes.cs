using System.Collections.Concurrent;
using System.Diagnostics;
using Groundwork.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>
/// Every tenant's <see cref="KeywordIndex"/>: a tenant's chunks, statistics and results never meet another's.
/// SQLite's <c>chunks</c> table is the source: at start-up each tenant's index is built from it in the background
/// (<see cref="KeywordIndexBuilder"/>, on one core: about 6 s per 100,000 chunks of 200 words, 75 s per million), and until it is
/// ready that tenant's keyword search takes the FTS5 path it took before (<see cref="KeywordSearch"/>): answering
/// at once with the old ranking beats blocking start-up or answering with an index still filling. Chunks are added
/// and removed by <see cref="SqliteRetrievalStore"/> with the vector index, before the commit (a rolled-back write is
/// undone through <see cref="Remove"/>); a tenant that had no chunks at start-up starts with an empty, ready index.
/// </summary>
public sealed class KeywordIndexes
{
    private readonly ConcurrentDictionary<long, KeywordIndex> _tenants = new();
    private readonly TaskCompletionSource _built = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when every index that existed at start-up has been built.</summary>
    public Task Built => _built.Task;

    /// <summary>The tenant's index when it holds every stored chunk.</summary>
    public bool TryGetReady(long tenantId, out KeywordIndex index)
    {
        index = _tenants.GetOrAdd(tenantId, static _ => new KeywordIndex());
        return index.IsReady;
    }

    public void Add(long tenantId, IReadOnlyList<(long ChunkId, string Text)> chunks) =>
        _tenants.GetOrAdd(tenantId, static _ => new KeywordIndex()).Add(chunks);

    public void Remove(long tenantId, IReadOnlyCollection<long> chunkIds)
    {
        if (_tenants.TryGetValue(tenantId, out var index))
        {
            index.Remove(chunkIds);
        }
    }

    /// <summary>Marks the tenant's index as being built from storage (an index already made by an early write is kept: adding is idempotent).</summary>
    internal KeywordIndex BeginBuild(long tenantId)
    {
        var index = _tenants.GetOrAdd(tenantId, static _ => new KeywordIndex(ready: false));
        index.BeginBuild();
        return index;
    }

    internal void AllBuilt() => _built.TrySetResult();

    internal void BuildFailed(Exception exception) => _built.TrySetException(exception);
}

/// <summary>
/// Builds every tenant's keyword index from the stored chunks at start-up. The tenants are marked before the service
/// takes requests, so none is taken for a tenant without chunks; the build itself runs in the background.
/// </summary>
public sealed class KeywordIndexBuilder(KeywordIndexes indexes, IOptions<StorageOptions> storage, ILogger<KeywordIndexBuilder> logger) : IHostedService
{
    private const int BatchSize = 4_096;

    private readonly string _connectionString = InfrastructureRegistration.ConnectionString(storage.Value);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _building;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var tenants = new List<(long TenantId, KeywordIndex Index)>();
        await using (var connection = new SqliteConnection(_connectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT DISTINCT TenantId FROM chunks";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var tenantId = reader.GetInt64(0);
                tenants.Add((tenantId, indexes.BeginBuild(tenantId)));
            }
        }

        _building = Task.Run(() => BuildAsync(tenants, _stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_building is not null)
        {
            await _building.WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task BuildAsync(List<(long TenantId, KeywordIndex Index)> tenants, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var (tenantId, index) in tenants)
            {
                var started = Stopwatch.GetTimestamp();
                await using var connection = new SqliteConnection(_connectionString);
                await connection.OpenAsync(cancellationToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT Id, Text FROM chunks WHERE TenantId = $tenant";
                command.Parameters.AddWithValue("$tenant", tenantId);
                var batch = new List<(long, string)>(BatchSize);
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        batch.Add((reader.GetInt64(0), reader.GetString(1)));
                        if (batch.Count == BatchSize)
                        {
                            index.Add(batch, fromBuild: true);
                            batch.Clear();
                        }
                    }
                }

                index.Add(batch, fromBuild: true);
                index.EndBuild();
                logger.LogInformation("Keyword index of tenant {TenantId} ready: {Chunks} chunks, {Megabytes:F1} MB, in {Elapsed:F0} ms", tenantId,
                    index.Count, index.EstimatedBytes() / 1e6, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            indexes.AllBuilt();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            indexes.BuildFailed(new OperationCanceledException("The service stopped before the keyword indexes were built."));
        }
        catch (Exception exception)
        {
            // The tenants left unbuilt keep answering from FTS5.
            logger.LogError(exception, "Building the keyword indexes failed; keyword search stays on SQLite FTS5 for the tenants not built");
            indexes.BuildFailed(exception);
        }
    }
}
