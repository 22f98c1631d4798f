using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Groundwork.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>
/// The vector indexes of the chunks, one per tenant: a search walks only its tenant's graph, so a tenant's top k are
/// its own best k whatever other tenants hold, and its recall and speed depend on its own size alone.
/// SQLite is the source of truth: a tenant's index is loaded (or rebuilt from its stored embeddings when the saved
/// one does not match its chunks) the first time it is needed; <see cref="ChunkIndexHost"/> loads every tenant's at
/// start-up. Changes are saved per tenant in the background and on shutdown; a crash before a save only costs a rebuild.
/// </summary>
public sealed class ChunkIndex(
    IOptions<StorageOptions> storage,
    IOptions<VectorIndexOptions> indexOptions,
    ILogger<ChunkIndex> logger) : IDisposable
{
    private const int RebuildBatchSize = 2_000;

    /// <summary>The id sum of a stamp is taken modulo this prime, so that it cannot overflow: ids are random 53-bit numbers.</summary>
    private const long IdSumModulus = 2_147_483_647;

    private readonly string _connectionString = InfrastructureRegistration.ConnectionString(storage.Value);
    private readonly ConcurrentDictionary<long, Lazy<Task<TenantIndex>>> _tenants = new();
    private readonly TaskCompletionSource _warmedUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once every tenant's index that existed at start-up is loaded.</summary>
    public bool IsLoaded => _warmedUp.Task.IsCompletedSuccessfully;

    /// <summary>Vectors indexed over every loaded tenant: for the health check only, never shown to a tenant.</summary>
    public long TotalCount => _tenants.Values.Where(t => t.Value.IsCompletedSuccessfully).Sum(t => t.Value.Result.Count);

    /// <summary>Loads the index of every tenant that has chunks.</summary>
    public async Task LoadAllAsync(CancellationToken cancellationToken)
    {
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            DeleteGlobalIndex();
            var tenantIds = new List<long>();
            await using (var connection = await OpenAsync(cancellationToken))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT DISTINCT TenantId FROM chunks";
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    tenantIds.Add(reader.GetInt64(0));
                }
            }

            foreach (var tenantId in tenantIds)
            {
                await TenantAsync(tenantId, cancellationToken);
            }

            logger.LogInformation("Vector indexes ready: {Tenants} tenants, {Count} chunks in {Elapsed} ms", tenantIds.Count, TotalCount,
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            _warmedUp.TrySetResult();
        }
        catch (Exception exception)
        {
            _warmedUp.TrySetException(exception);
            throw;
        }
    }

    public async Task<long> CountAsync(long tenantId, CancellationToken cancellationToken) =>
        (await TenantAsync(tenantId, cancellationToken)).Count;

    public async Task<IReadOnlyList<VectorMatch>> SearchAsync(long tenantId, ReadOnlyMemory<float> query, int topK, CancellationToken cancellationToken) =>
        (await TenantAsync(tenantId, cancellationToken)).Index is { } index ? index.Search(query.Span, topK) : [];

    /// <inheritdoc cref="IVectorIndex.SearchExactly"/>
    public async Task<IReadOnlyList<VectorMatch>> SearchExactlyAsync(long tenantId, ReadOnlyMemory<float> query, int topK,
        IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken) =>
        (await TenantAsync(tenantId, cancellationToken)).Index is { } index ? index.SearchExactly(query.Span, topK, chunkIds) : [];

    /// <inheritdoc cref="IVectorIndex.SearchFiltered"/>
    public async Task<IReadOnlyList<VectorMatch>> SearchFilteredAsync(long tenantId, ReadOnlyMemory<float> query, int topK,
        IReadOnlySet<long> chunkIds, CancellationToken cancellationToken) =>
        (await TenantAsync(tenantId, cancellationToken)).Index is { } index ? index.SearchFiltered(query.Span, topK, chunkIds) : [];

    /// <summary>Adds the given chunks of a tenant; a search sees them from now on.</summary>
    public async Task AddAsync(long tenantId, IReadOnlyList<long> chunkIds, IReadOnlyList<ReadOnlyMemory<float>> vectors, CancellationToken cancellationToken)
    {
        if (chunkIds.Count == 0)
        {
            return;
        }

        var tenant = await TenantAsync(tenantId, cancellationToken);
        lock (tenant.WriteLock)
        {
            tenant.Index ??= UsearchVectorIndex.Create(vectors[0].Length, indexOptions.Value);
            tenant.Index.Upsert(chunkIds, vectors);
            tenant.Stamp = tenant.Stamp.Add(chunkIds);
            tenant.Dirty = true;
        }
    }

    public async Task RemoveAsync(long tenantId, IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken)
    {
        if (chunkIds.Count == 0)
        {
            return;
        }

        var tenant = await TenantAsync(tenantId, cancellationToken);
        lock (tenant.WriteLock)
        {
            tenant.Index?.Remove(chunkIds);
            tenant.Stamp = tenant.Stamp.Remove(chunkIds);
            tenant.Dirty = true;
        }
    }

    /// <summary>Writes each loaded tenant's index and manifest if anything changed since its last save.</summary>
    public void SaveIfChanged()
    {
        foreach (var (tenantId, lazy) in _tenants)
        {
            if (!lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully)
            {
                continue;
            }

            var tenant = lazy.Value.Result;
            lock (tenant.WriteLock)
            {
                if (!tenant.Dirty || tenant.Index is null)
                {
                    continue;
                }

                tenant.Index.Save(IndexFile(tenantId));
                var manifest = new IndexManifest(tenant.Index.Dimensions, tenant.Stamp.Count, tenant.Stamp.IdSum);
                var temporary = ManifestFile(tenantId) + ".tmp";
                File.WriteAllText(temporary, JsonSerializer.Serialize(manifest));
                File.Move(temporary, ManifestFile(tenantId), overwrite: true);
                tenant.Dirty = false;
            }
        }
    }

    public void Dispose()
    {
        foreach (var lazy in _tenants.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Index?.Dispose();
            }
        }
    }

    /// <summary>The one index of every tenant's chunks that came before an index per tenant: never read again.</summary>
    private void DeleteGlobalIndex()
    {
        foreach (var file in new[] { storage.Value.VectorIndexFile, storage.Value.VectorIndexFile + ".manifest.json" })
        {
            if (File.Exists(file))
            {
                File.Delete(file);
                logger.LogInformation("Deleted {File}, the vector index from before there was one per tenant", Path.GetFileName(file));
            }
        }
    }

    private string IndexFile(long tenantId) => storage.Value.VectorIndexFile + ".t" + tenantId.ToString(CultureInfo.InvariantCulture);

    private string ManifestFile(long tenantId) => IndexFile(tenantId) + ".manifest.json";

    private async Task<TenantIndex> TenantAsync(long tenantId, CancellationToken cancellationToken)
    {
        var lazy = _tenants.GetOrAdd(tenantId, id => new Lazy<Task<TenantIndex>>(() => LoadAsync(id)));
        var task = lazy.Value;
        if (task.IsFaulted)
        {
            // A failed load (the database was busy, say) is tried again by the next caller rather than remembered.
            _tenants.TryRemove(new KeyValuePair<long, Lazy<Task<TenantIndex>>>(tenantId, lazy));
        }

        return task.IsCompletedSuccessfully ? task.Result : await task.WaitAsync(cancellationToken);
    }

    private async Task<TenantIndex> LoadAsync(long tenantId)
    {
        await Task.Yield();
        await using var connection = await OpenAsync(CancellationToken.None);
        var expected = await ReadStampAsync(connection, tenantId);
        if (expected.Count == 0)
        {
            return new TenantIndex { Stamp = expected };
        }

        if (TryLoadSaved(tenantId, expected) is { } saved)
        {
            return new TenantIndex { Index = saved, Stamp = expected };
        }

        var index = await RebuildAsync(connection, tenantId);
        return new TenantIndex { Index = index, Stamp = expected, Dirty = true };
    }

    private IVectorIndex? TryLoadSaved(long tenantId, ChunkSetStamp expected)
    {
        var indexFile = IndexFile(tenantId);
        if (!File.Exists(indexFile) || !File.Exists(ManifestFile(tenantId)))
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<IndexManifest>(File.ReadAllText(ManifestFile(tenantId)));
            if (manifest is null)
            {
                return null;
            }

            // Ids are random, so "only chunks added since the save" cannot be told from the ids any more (the old
            // global index kept the highest id for that): a tenant whose saved index differs is rebuilt, which costs
            // that tenant's chunks only.
            if (manifest.ChunkCount != expected.Count || manifest.ChunkIdSum != expected.IdSum)
            {
                logger.LogWarning("Saved vector index of tenant {TenantId} is stale ({Saved} chunks, database has {Expected}); rebuilding",
                    tenantId, manifest.ChunkCount, expected.Count);
                return null;
            }

            return UsearchVectorIndex.Load(indexFile, manifest.Dimensions, indexOptions.Value);
        }
        catch (Exception exception) when (exception is VectorIndexLoadException or JsonException or IOException)
        {
            logger.LogWarning(exception, "Saved vector index of tenant {TenantId} could not be read; rebuilding", tenantId);
            return null;
        }
    }

    private async Task<IVectorIndex?> RebuildAsync(SqliteConnection connection, long tenantId)
    {
        IVectorIndex? index = null;
        var ids = new List<long>(RebuildBatchSize);
        var vectors = new List<ReadOnlyMemory<float>>(RebuildBatchSize);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Id, Embedding FROM chunks WHERE TenantId = $tenant";
        command.Parameters.AddWithValue("$tenant", tenantId);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
            vectors.Add(EmbeddingCodec.ToVector((byte[])reader.GetValue(1)));
            if (ids.Count == RebuildBatchSize)
            {
                Flush();
            }
        }

        Flush();
        return index;

        void Flush()
        {
            if (ids.Count > 0)
            {
                index ??= UsearchVectorIndex.Create(vectors[0].Length, indexOptions.Value);
                index.Upsert(ids, vectors);
                ids.Clear();
                vectors.Clear();
            }
        }
    }

    private static async Task<ChunkSetStamp> ReadStampAsync(SqliteConnection connection, long tenantId)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*), coalesce(sum(Id % {IdSumModulus}), 0) FROM chunks WHERE TenantId = $tenant";
        command.Parameters.AddWithValue("$tenant", tenantId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new ChunkSetStamp(reader.GetInt64(0), reader.GetInt64(1) % IdSumModulus);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private sealed class TenantIndex
    {
        public Lock WriteLock { get; } = new();
        public IVectorIndex? Index { get; set; }
        public ChunkSetStamp Stamp { get; set; }
        public bool Dirty { get; set; }
        public long Count => Index?.Count ?? 0;
    }

    private sealed record IndexManifest(int Dimensions, long ChunkCount, long ChunkIdSum);

    /// <summary>A cheap fingerprint of a tenant's set of chunk ids (count and id sum modulo a prime), to tell whether a saved index matches the database.</summary>
    private readonly record struct ChunkSetStamp(long Count, long IdSum)
    {
        public ChunkSetStamp Add(IReadOnlyCollection<long> ids) => new(Count + ids.Count, Mod(IdSum + ids.Sum(id => id % IdSumModulus)));

        public ChunkSetStamp Remove(IReadOnlyCollection<long> ids) => new(Count - ids.Count, Mod(IdSum - ids.Sum(id => id % IdSumModulus)));

        private static long Mod(long value) => ((value % IdSumModulus) + IdSumModulus) % IdSumModulus;
    }
}
