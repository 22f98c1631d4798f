using System.Collections.Concurrent;
using System.Diagnostics;
using Groundwork.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>
/// Every tenant's <see cref="KeywordIndex"/>: a tenant's chunks, statistics and results never meet another's.
/// SQLite's <c>chunks</c> table is the source: at start-up each tenant's index is built from it in the background
/// (<see cref="KeywordIndexBuilder"/>, on one core: about 5 s per 100,000 chunks of 200 words, 60 s per million), and until it is
/// ready that tenant's keyword search takes the FTS5 path it took before (<see cref="KeywordSearch"/>): answering
/// at once with the old ranking beats blocking start-up or answering with an index still filling. Chunks are added
/// and removed by <see cref="SqliteRetrievalStore"/> with the vector index, before the commit (a rolled-back write is
/// undone through <see cref="Remove"/>); a tenant that had no chunks at start-up starts with an empty, ready index.
/// </summary>
public sealed class KeywordIndexes(ILogger<KeywordIndexes> logger)
{
    /// <summary>Removed chunks (their postings still held) beyond which a tenant's index is compacted, if also a quarter of it.</summary>
    internal const int CompactAfterRemoved = 10_000;

    private readonly ConcurrentDictionary<long, Tenant> _tenants = new();
    private readonly TaskCompletionSource _built = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when every index that existed at start-up has been built.</summary>
    public Task Built => _built.Task;

    /// <summary>The tenant's index when it holds every stored chunk.</summary>
    public bool TryGetReady(long tenantId, out KeywordIndex index)
    {
        index = TenantOf(tenantId).Index;
        return index.IsReady;
    }

    public void Add(long tenantId, IReadOnlyList<(long ChunkId, string Text)> chunks)
    {
        var tenant = TenantOf(tenantId);
        lock (tenant.Writes)
        {
            tenant.Index.Add(chunks);
        }
    }

    public void Remove(long tenantId, IReadOnlyCollection<long> chunkIds)
    {
        if (!_tenants.TryGetValue(tenantId, out var tenant))
        {
            return;
        }

        bool compact;
        lock (tenant.Writes)
        {
            tenant.Index.Remove(chunkIds);
            compact = tenant.Index.IsReady && !tenant.Compacting && tenant.Index.RemovedCount > Math.Max(CompactAfterRemoved, tenant.Index.Count / 4);
            tenant.Compacting |= compact;
        }

        if (compact)
        {
            // Off the caller's request: writes to the tenant wait for it (seconds at a million chunks), searches do not.
            _ = Task.Run(() => Compact(tenantId, tenant));
        }
    }

    /// <summary>Replaces the tenant's index by a copy without its removed chunks (<see cref="KeywordIndex.Compacted"/>).</summary>
    internal void Compact(long tenantId, Tenant tenant)
    {
        try
        {
            lock (tenant.Writes)
            {
                var removed = tenant.Index.RemovedCount;
                tenant.Index = tenant.Index.Compacted();
                logger.LogInformation("Keyword index of tenant {TenantId} compacted: {Removed} removed chunks dropped, {Chunks} remain", tenantId, removed,
                    tenant.Index.Count);
            }
        }
        catch (Exception exception)
        {
            // The index in place stays correct: removed chunks are skipped by their deletion bits.
            logger.LogError(exception, "Compacting the keyword index of tenant {TenantId} failed", tenantId);
        }
        finally
        {
            lock (tenant.Writes)
            {
                tenant.Compacting = false;
            }
        }
    }

    /// <summary>Marks the tenant's index as being built from storage (an index already made by an early write is kept: adding is idempotent).</summary>
    internal KeywordIndex BeginBuild(long tenantId)
    {
        var tenant = _tenants.GetOrAdd(tenantId, static _ => new Tenant(new KeywordIndex(ready: false)));
        lock (tenant.Writes)
        {
            tenant.Index.BeginBuild();
            return tenant.Index;
        }
    }

    internal void AllBuilt() => _built.TrySetResult();

    internal void BuildFailed(Exception exception) => _built.TrySetException(exception);

    private Tenant TenantOf(long tenantId) => _tenants.GetOrAdd(tenantId, static _ => new Tenant(new KeywordIndex()));

    /// <summary>A tenant's index, swapped whole when compacted; writes to it are serialised by <see cref="Writes"/>, searches take <see cref="Index"/> as it is.</summary>
    internal sealed class Tenant(KeywordIndex index)
    {
        private volatile KeywordIndex _index = index;

        public Lock Writes { get; } = new();

        public KeywordIndex Index
        {
            get => _index;
            set => _index = value;
        }

        public bool Compacting { get; set; }
    }
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
