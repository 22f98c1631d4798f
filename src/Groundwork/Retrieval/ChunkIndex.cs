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
            var expected = await ChunkSetStamp.ReadAsync(db, maxId: null, cancellationToken);
            var (index, how) = await TryLoadSavedAsync(db, expected, cancellationToken) is { } saved
                ? saved
                : (await RebuildAsync(db, afterId: 0, index: null, cancellationToken), "rebuilt from the database");
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

    /// <summary>Adds the given chunks and removes others in one step, so a search sees either the old or the new set.</summary>
    public async Task ReplaceAsync(IReadOnlyList<long> addedChunkIds, IReadOnlyList<ReadOnlyMemory<float>> vectors,
        IReadOnlyCollection<long> removedChunkIds, CancellationToken cancellationToken)
    {
        await _loaded.Task.WaitAsync(cancellationToken);
        lock (_writeLock)
        {
            if (addedChunkIds.Count > 0)
            {
                _index ??= UsearchVectorIndex.Create(vectors[0].Length, indexOptions.Value);
                _index.Upsert(addedChunkIds, vectors);
                _stamp = _stamp.Add(addedChunkIds);
            }

            if (removedChunkIds.Count > 0)
            {
                _index?.Remove(removedChunkIds);
                _stamp = _stamp.Remove(removedChunkIds);
            }

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
            var manifest = new IndexManifest(_index.Dimensions, _stamp.Count, _stamp.IdSum, _stamp.MaxId);
            var temporary = ManifestFile + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(manifest));
            File.Move(temporary, ManifestFile, overwrite: true);
            _dirty = false;
        }
    }

    public void Dispose() => _index?.Dispose();

    /// <summary>
    /// The saved index when it matches the database; also when the database only has chunks added after the save
    /// (the usual state after a crash: ids only grow), which are then added to it instead of rebuilding everything.
    /// </summary>
    private async Task<(IVectorIndex Index, string How)?> TryLoadSavedAsync(
        GroundworkDbContext db, ChunkSetStamp expected, CancellationToken cancellationToken)
    {
        if (!File.Exists(IndexFile) || !File.Exists(ManifestFile))
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<IndexManifest>(File.ReadAllText(ManifestFile));
            if (manifest is null)
            {
                return null;
            }

            var matches = manifest.ChunkCount == expected.Count && manifest.ChunkIdSum == expected.IdSum;
            if (!matches)
            {
                var savedPart = await ChunkSetStamp.ReadAsync(db, manifest.MaxChunkId, cancellationToken);
                if (manifest.MaxChunkId == 0 || savedPart.Count != manifest.ChunkCount || savedPart.IdSum != manifest.ChunkIdSum)
                {
                    logger.LogWarning("Saved vector index is stale ({Saved} chunks, database has {Expected}); rebuilding",
                        manifest.ChunkCount, expected.Count);
                    return null;
                }
            }

            var index = UsearchVectorIndex.Load(IndexFile, manifest.Dimensions, indexOptions.Value);
            if (matches)
            {
                return (index, "loaded from " + IndexFile);
            }

            await RebuildAsync(db, manifest.MaxChunkId, index, cancellationToken);
            return (index, $"loaded from {IndexFile} with {expected.Count - manifest.ChunkCount} chunks added since it was saved");
        }
        catch (Exception exception) when (exception is VectorIndexLoadException or JsonException or IOException)
        {
            logger.LogWarning(exception, "Saved vector index could not be read; rebuilding");
            return null;
        }
    }

    /// <summary>Adds the stored embeddings of the chunks with ids above <paramref name="afterId"/> to <paramref name="index"/> (or a new one).</summary>
    private async Task<IVectorIndex?> RebuildAsync(GroundworkDbContext db, long afterId, IVectorIndex? index, CancellationToken cancellationToken)
    {
        var ids = new List<long>(RebuildBatchSize);
        var vectors = new List<ReadOnlyMemory<float>>(RebuildBatchSize);
        await foreach (var chunk in db.Chunks.AsNoTracking().Where(c => c.Id > afterId).OrderBy(c => c.Id)
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
            _dirty = true;
        }

        _dirty |= afterId == 0 && index is not null;
        return index;
    }

    private sealed record IndexManifest(int Dimensions, long ChunkCount, long ChunkIdSum, long MaxChunkId = 0);

    /// <summary>
    /// A cheap fingerprint of the set of chunk ids, to tell whether a saved index matches the database.
    /// <see cref="MaxId"/> is the highest id ever added (removals leave it), which is enough to find chunks added later.
    /// </summary>
    private readonly record struct ChunkSetStamp(long Count, long IdSum, long MaxId)
    {
        public static readonly ChunkSetStamp Empty = new(0, 0, 0);

        /// <summary>The stamp of the stored chunks, or of those with ids up to <paramref name="maxId"/>.</summary>
        public static async Task<ChunkSetStamp> ReadAsync(GroundworkDbContext db, long? maxId, CancellationToken cancellationToken)
        {
            var chunks = maxId is { } limit ? db.Chunks.Where(c => c.Id <= limit) : db.Chunks;
            var count = await chunks.LongCountAsync(cancellationToken);
            return count == 0
                ? Empty
                : new ChunkSetStamp(count, await chunks.SumAsync(c => c.Id, cancellationToken), await chunks.MaxAsync(c => c.Id, cancellationToken));
        }

        public ChunkSetStamp Add(IReadOnlyCollection<long> ids) => new(Count + ids.Count, IdSum + ids.Sum(), Math.Max(MaxId, ids.Max()));

        public ChunkSetStamp Remove(IReadOnlyCollection<long> ids) => new(Count - ids.Count, IdSum - ids.Sum(), MaxId);
    }
}
