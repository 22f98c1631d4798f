using System.Text.Json;
using Groundwork.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>
/// The process's vector index over all chunks. SQLite is the source of truth: at start-up the saved index is used
/// only if its manifest matches the chunks in the database, otherwise it is rebuilt from the stored embeddings.
/// Changes are saved in the background and on shutdown; a crash before a save only costs a rebuild.
/// </summary>
public sealed class ChunkIndex(
    IServiceScopeFactory scopes,
    IOptions<StorageOptions> storage,
    IOptions<VectorIndexOptions> indexOptions,
    ILogger<ChunkIndex> logger) : IDisposable
{
    private const int RebuildBatchSize = 2_000;

    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _writeLock = new();
    private IVectorIndex? _index;
    private ChunkSetStamp _stamp = ChunkSetStamp.Empty;
    private bool _dirty;

    public bool IsLoaded => _loaded.Task.IsCompletedSuccessfully;

    public long Count => _index?.Count ?? 0;

    private string IndexFile => storage.Value.VectorIndexFile;
    private string ManifestFile => storage.Value.VectorIndexFile + ".manifest.json";

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
            var expected = await ChunkSetStamp.ReadAsync(db, cancellationToken);
            var (index, how) = TryLoadSaved(expected) is { } saved
                ? (saved, "loaded from " + IndexFile)
                : (await RebuildAsync(db, cancellationToken), "rebuilt from the database");
            lock (_writeLock)
            {
                _index = index;
                _stamp = expected;
            }

            logger.LogInformation("Vector index ready: {Count} chunks, {How} in {Elapsed} ms", expected.Count, how,
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            _loaded.TrySetResult();
        }
        catch (Exception exception)
        {
            _loaded.TrySetException(exception);
            throw;
        }
    }

    public async Task<IReadOnlyList<VectorMatch>> SearchAsync(ReadOnlyMemory<float> query, int topK, CancellationToken cancellationToken)
    {
        if (!_loaded.Task.IsCompleted)
        {
            await _loaded.Task.WaitAsync(cancellationToken);
        }

        return _index is { } index ? index.Search(query.Span, topK) : [];
    }

    /// <inheritdoc cref="IVectorIndex.SearchExactly"/>
    public async Task<IReadOnlyList<VectorMatch>> SearchExactlyAsync(ReadOnlyMemory<float> query, int topK,
        IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken)
    {
        await _loaded.Task.WaitAsync(cancellationToken);
        return _index is { } index ? index.SearchExactly(query.Span, topK, chunkIds) : [];
    }

    /// <inheritdoc cref="IVectorIndex.SearchFiltered"/>
    public async Task<IReadOnlyList<VectorMatch>> SearchFilteredAsync(ReadOnlyMemory<float> query, int topK,
        IReadOnlySet<long> chunkIds, CancellationToken cancellationToken)
    {
        await _loaded.Task.WaitAsync(cancellationToken);
        return _index is { } index ? index.SearchFiltered(query.Span, topK, chunkIds) : [];
    }

    public async Task AddAsync(IReadOnlyList<long> chunkIds, IReadOnlyList<ReadOnlyMemory<float>> vectors, CancellationToken cancellationToken)
    {
        await _loaded.Task.WaitAsync(cancellationToken);
        lock (_writeLock)
        {
            _index ??= UsearchVectorIndex.Create(vectors[0].Length, indexOptions.Value);
            _index.Upsert(chunkIds, vectors);
            _stamp = _stamp.Add(chunkIds);
            _dirty = true;
        }
    }

    public async Task RemoveAsync(IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken)
    {
        await _loaded.Task.WaitAsync(cancellationToken);
        lock (_writeLock)
        {
            _index?.Remove(chunkIds);
            _stamp = _stamp.Remove(chunkIds);
            _dirty = true;
        }
    }

    /// <summary>Writes the index and its manifest if anything changed since the last save.</summary>
    public void SaveIfChanged()
    {
        lock (_writeLock)
        {
            if (!_dirty || _index is null)
            {
                return;
            }

            _index.Save(IndexFile);
            var manifest = new IndexManifest(_index.Dimensions, _stamp.Count, _stamp.IdSum);
            var temporary = ManifestFile + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(manifest));
            File.Move(temporary, ManifestFile, overwrite: true);
            _dirty = false;
        }
    }

    public void Dispose() => _index?.Dispose();

    private IVectorIndex? TryLoadSaved(ChunkSetStamp expected)
    {
        if (!File.Exists(IndexFile) || !File.Exists(ManifestFile))
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<IndexManifest>(File.ReadAllText(ManifestFile));
            if (manifest is null || manifest.ChunkCount != expected.Count || manifest.ChunkIdSum != expected.IdSum)
            {
                logger.LogWarning("Saved vector index is stale ({Saved} chunks, database has {Expected}); rebuilding",
                    manifest?.ChunkCount, expected.Count);
                return null;
            }

            return UsearchVectorIndex.Load(IndexFile, manifest.Dimensions, indexOptions.Value);
        }
        catch (Exception exception) when (exception is VectorIndexLoadException or JsonException or IOException)
        {
            logger.LogWarning(exception, "Saved vector index could not be read; rebuilding");
            return null;
        }
    }

    private async Task<IVectorIndex?> RebuildAsync(GroundworkDbContext db, CancellationToken cancellationToken)
    {
        IVectorIndex? index = null;
        var ids = new List<long>(RebuildBatchSize);
        var vectors = new List<ReadOnlyMemory<float>>(RebuildBatchSize);
        await foreach (var chunk in db.Chunks.AsNoTracking().OrderBy(c => c.Id)
                           .Select(c => new { c.Id, c.Embedding }).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            ids.Add(chunk.Id);
            vectors.Add(EmbeddingCodec.ToVector(chunk.Embedding));
            if (ids.Count == RebuildBatchSize)
            {
                index ??= UsearchVectorIndex.Create(vectors[0].Length, indexOptions.Value);
                index.Upsert(ids, vectors);
                ids.Clear();
                vectors.Clear();
            }
        }

        if (ids.Count > 0)
        {
            index ??= UsearchVectorIndex.Create(vectors[0].Length, indexOptions.Value);
            index.Upsert(ids, vectors);
        }

        _dirty = index is not null;
        return index;
    }

    private sealed record IndexManifest(int Dimensions, long ChunkCount, long ChunkIdSum);

    /// <summary>A cheap fingerprint of the set of chunk ids, to tell whether a saved index matches the database.</summary>
    private readonly record struct ChunkSetStamp(long Count, long IdSum)
    {
        public static readonly ChunkSetStamp Empty = new(0, 0);

        public static async Task<ChunkSetStamp> ReadAsync(GroundworkDbContext db, CancellationToken cancellationToken)
        {
            var count = await db.Chunks.LongCountAsync(cancellationToken);
            var sum = count == 0 ? 0 : await db.Chunks.SumAsync(c => c.Id, cancellationToken);
            return new ChunkSetStamp(count, sum);
        }

        public ChunkSetStamp Add(IReadOnlyCollection<long> ids) => new(Count + ids.Count, IdSum + ids.Sum());

        public ChunkSetStamp Remove(IReadOnlyCollection<long> ids) => new(Count - ids.Count, IdSum - ids.Sum());
    }
}
