using System.Buffers;
using System.ComponentModel.DataAnnotations;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using static Groundwork.Retrieval.UsearchNative;

namespace Groundwork.Retrieval;

/// <summary>An HNSW index with the cosine metric, kept in native memory by USearch.</summary>
/// <remarks>
/// Upsert, Remove and capacity growth hold the write lock alone; the searches and Save share the read lock, since
/// USearch searches only read the graph. Each running native search also takes one of USearch's per-thread
/// scratch contexts, and USearch fails a search outright ("Reserve capacity ahead of searches!") when all are
/// in use, so a semaphore with as many slots as contexts bounds the searches inside the native index.
/// A large upsert is applied in slices of a few chunks, so searches stall for milliseconds, not for the whole
/// batch, and may see part of a batch that is still being applied.
/// </remarks>
public sealed class UsearchVectorIndex : IVectorIndex
{
    private const long InitialCapacity = 1024;
    private const int StackResultsLimit = 256;
    private const int WriteSlice = 16;

    private readonly UsearchHandle _index;
    // Neither lock is disposed: a call racing Dispose must get ObjectDisposedException, not a disposed lock.
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly SemaphoreSlim _searchSlots;
    private readonly int _searchThreads;
    private long _count;
    private long _capacity;
    private bool _disposed;

    private UsearchVectorIndex(UsearchHandle index, int dimensions, VectorIndexOptions options)
    {
        _index = index;
        Dimensions = dimensions;
        Quantization = options.Quantization;
        _searchThreads = options.SearchThreads;
        _searchSlots = new SemaphoreSlim(_searchThreads, _searchThreads);
    }

    public int Dimensions { get; }

    public long Count => Interlocked.Read(ref _count);

    public VectorQuantization Quantization { get; }

    /// <summary>Bytes held by the native index: vectors, graph, key lookup and search contexts.</summary>
    public long NativeMemoryBytes
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var bytes = usearch_memory_usage(_index, out var error);
                ThrowIfError(error, "memory usage");
                return (long)bytes;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    public static UsearchVectorIndex Create(int dimensions, VectorIndexOptions options)
    {
        ValidateSettings(dimensions, options);
        var index = new UsearchVectorIndex(Init(dimensions, options), dimensions, options);
        try
        {
            index.GrowTo(InitialCapacity);
            index.RefreshCount();
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <exception cref="VectorIndexLoadException">
    /// The file is missing or unreadable, or holds an index of other dimensions, metric, quantization or connectivity.
    /// </exception>
    public static unsafe UsearchVectorIndex Load(string path, int dimensions, VectorIndexOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ValidateSettings(dimensions, options);
        if (!File.Exists(path))
        {
            throw new VectorIndexLoadException($"There is no vector index file at '{path}'.");
        }

        InitOptions header = default;
        usearch_metadata(path, &header, out var error);
        if (error != 0)
        {
            throw new VectorIndexLoadException($"'{path}' is not a readable vector index: {ErrorMessage(error)}");
        }

        var quantization = ScalarKindOf(options.Quantization);
        if (header.MetricKind != MetricCos || header.Dimensions != (nuint)dimensions
            || header.Quantization != quantization || header.Multi != 0)
        {
            throw new VectorIndexLoadException(
                $"'{path}' holds a {header.Dimensions}-dimensional index (metric {header.MetricKind}, scalar {header.Quantization}); " +
                $"expected {dimensions} dimensions, cosine metric ({MetricCos}), {options.Quantization} ({quantization}).");
        }

        var index = new UsearchVectorIndex(Init(dimensions, options), dimensions, options);
        try
        {
            usearch_load(index._index, path, out error);
            if (error != 0)
            {
                throw new VectorIndexLoadException($"'{path}' could not be loaded: {ErrorMessage(error)}");
            }

            var connectivity = usearch_connectivity(index._index, out error);
            ThrowIfError(error, "connectivity");
            if (connectivity != (nuint)options.Connectivity)
            {
                throw new VectorIndexLoadException(
                    $"'{path}' was built with connectivity {connectivity}; the settings ask for {options.Connectivity}.");
            }

            // The expansion factors are not part of the file, and loading resets the thread contexts.
            usearch_change_expansion_add(index._index, (nuint)options.ExpansionAdd, out error);
            ThrowIfError(error, "change expansion_add");
            usearch_change_expansion_search(index._index, (nuint)options.ExpansionSearch, out error);
            ThrowIfError(error, "change expansion_search");
            index.ReserveThreads();
            index._capacity = (long)usearch_capacity(index._index, out error);
            ThrowIfError(error, "capacity");
            index.RefreshCount();
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    public void Upsert(IReadOnlyList<long> chunkIds, IReadOnlyList<ReadOnlyMemory<float>> vectors)
    {
        VectorIndexArguments.ValidateUpsert(chunkIds, vectors, Dimensions);
        // Each chunk's remove-and-add happens under one hold of the write lock, so no search sees it missing.
        for (var start = 0; start < chunkIds.Count; start += WriteSlice)
        {
            var end = Math.Min(start + WriteSlice, chunkIds.Count);
            _lock.EnterWriteLock();
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                try
                {
                    // A replaced vector's slot is reused, so Count + new items always fits.
                    EnsureCapacity(_count + (end - start));
                    UpsertSlice(chunkIds, vectors, start, end);
                }
                finally
                {
                    RefreshCount();
                }
            }
            finally
            {
                _lock.ExitWriteLock();
            }
        }
    }

    public void Remove(IReadOnlyCollection<long> chunkIds)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        if (chunkIds.Count == 0)
        {
            return;
        }

        _lock.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                foreach (var chunkId in chunkIds)
                {
                    if (chunkId >= 0)
                    {
                        usearch_remove(_index, (ulong)chunkId, out var error);
                        ThrowIfError(error, "remove");
                    }
                }
            }
            finally
            {
                RefreshCount();
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int topK)
    {
        VectorIndexArguments.ValidateSearch(query, topK, Dimensions);
        _searchSlots.Wait();
        try
        {
            _lock.EnterReadLock();
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var wanted = (int)Math.Min(topK, _count);
                return wanted == 0 ? [] : SearchNative(query, wanted, chunkIds: null);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
        finally
        {
            _searchSlots.Release();
        }
    }

    public IReadOnlyList<VectorMatch> SearchFiltered(ReadOnlySpan<float> query, int topK, IReadOnlySet<long> chunkIds)
    {
        VectorIndexArguments.ValidateSearch(query, topK, Dimensions);
        ArgumentNullException.ThrowIfNull(chunkIds);
        _searchSlots.Wait();
        try
        {
            _lock.EnterReadLock();
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                var wanted = (int)Math.Min(topK, Math.Min(_count, chunkIds.Count));
                return wanted == 0 ? [] : SearchNative(query, wanted, chunkIds);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
        finally
        {
            _searchSlots.Release();
        }
    }

    /// <remarks>
    /// Needs no search slot: reading a stored vector takes no native search context. Vectors come back as stored,
    /// so scores agree with <see cref="Search"/>'s to about 1e-3 under Float16. A Float16 vector is read as such and
    /// widened here: USearch's own conversion to float32 took most of the time (docs/vector-index-notes.md).
    /// </remarks>
    public unsafe IReadOnlyList<VectorMatch> SearchExactly(ReadOnlySpan<float> query, int topK, IReadOnlyCollection<long> chunkIds)
    {
        VectorIndexArguments.ValidateSearch(query, topK, Dimensions);
        ArgumentNullException.ThrowIfNull(chunkIds);
        var best = new TopMatches(Math.Min(topK, chunkIds.Count));
        var queryNorm = TensorPrimitives.Norm(query);
        var halves = Quantization == VectorQuantization.Float16 ? ArrayPool<Half>.Shared.Rent(Dimensions) : null;
        var floats = ArrayPool<float>.Shared.Rent(Dimensions);
        try
        {
            var vector = floats.AsSpan(0, Dimensions);
            _lock.EnterReadLock();
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                fixed (Half* halvesPointer = halves)
                fixed (float* floatsPointer = floats)
                {
                    foreach (var chunkId in chunkIds)
                    {
                        if (chunkId < 0)
                        {
                            continue;
                        }

                        nuint found;
                        nint error;
                        if (halves is null)
                        {
                            found = usearch_get(_index, (ulong)chunkId, 1, floatsPointer, ScalarF32, out error);
                        }
                        else
                        {
                            found = usearch_get(_index, (ulong)chunkId, 1, halvesPointer, ScalarF16, out error);
                            TensorPrimitives.ConvertToSingle(halves.AsSpan(0, Dimensions), vector);
                        }

                        ThrowIfError(error, "get");
                        if (found != 0)
                        {
                            best.Offer(chunkId, Cosine(query, queryNorm, vector));
                        }
                    }
                }
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(floats);
            if (halves is not null)
            {
                ArrayPool<Half>.Shared.Return(halves);
            }
        }

        return best.ToArray();
    }

    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            _lock.EnterReadLock();
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                usearch_save(_index, temporary, out var error);
                if (error != 0)
                {
                    throw new IOException($"Could not write the vector index to '{temporary}': {ErrorMessage(error)}");
                }
            }
            finally
            {
                _lock.ExitReadLock();
            }

            // USearch closes the file without fsync; make the bytes durable before the rename publishes them.
            using (var written = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
            {
                written.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public void Dispose()
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_disposed)
            {
                _disposed = true;
                _index.Dispose();
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private void UpsertSlice(IReadOnlyList<long> chunkIds, IReadOnlyList<ReadOnlyMemory<float>> vectors, int start, int end)
    {
        // Inserted one at a time: USearch 2.26.6 also accepts concurrent insertions, but in our measurements
        // they left about 1 vector in 300 (small index) to 1 in 10,000 unreachable by any search.
        for (var i = start; i < end; i++)
        {
            var key = (ulong)chunkIds[i];
            usearch_remove(_index, key, out var error);
            ThrowIfError(error, "remove");
            Add(key, vectors[i].Span);
        }
    }

    private unsafe void Add(ulong key, ReadOnlySpan<float> vector)
    {
        nint error;
        fixed (float* pointer = vector)
        {
            usearch_add(_index, key, pointer, ScalarF32, out error);
        }

        ThrowIfError(error, "add");
    }

    private unsafe VectorMatch[] SearchNative(ReadOnlySpan<float> query, int wanted, IReadOnlySet<long>? chunkIds)
    {
        ulong[]? rentedKeys = null;
        float[]? rentedDistances = null;
        var keys = wanted <= StackResultsLimit ? stackalloc ulong[wanted] : (rentedKeys = ArrayPool<ulong>.Shared.Rent(wanted));
        var distances = wanted <= StackResultsLimit ? stackalloc float[wanted] : (rentedDistances = ArrayPool<float>.Shared.Rent(wanted));
        try
        {
            nuint found;
            nint error;
            fixed (float* queryPointer = query)
            fixed (ulong* keysPointer = keys)
            fixed (float* distancesPointer = distances)
            {
                if (chunkIds is null)
                {
                    found = usearch_search(_index, queryPointer, ScalarF32, (nuint)wanted, keysPointer, distancesPointer, out error);
                }
                else
                {
                    var state = GCHandle.Alloc(chunkIds);
                    try
                    {
                        found = usearch_filtered_search(_index, queryPointer, ScalarF32, (nuint)wanted, &IsAllowed,
                            (void*)GCHandle.ToIntPtr(state), keysPointer, distancesPointer, out error);
                    }
                    finally
                    {
                        state.Free();
                    }
                }
            }

            ThrowIfError(error, "search");
            var matches = new VectorMatch[(int)found];
            for (var i = 0; i < matches.Length; i++)
            {
                matches[i] = new VectorMatch((long)keys[i], 1f - distances[i]);
            }

            return matches;
        }
        finally
        {
            if (rentedKeys is not null)
            {
                ArrayPool<ulong>.Shared.Return(rentedKeys);
            }

            if (rentedDistances is not null)
            {
                ArrayPool<float>.Shared.Return(rentedDistances);
            }
        }
    }

    [UnmanagedCallersOnly]
    private static unsafe int IsAllowed(ulong key, void* state) =>
        ((IReadOnlySet<long>)GCHandle.FromIntPtr((nint)state).Target!).Contains((long)key) ? 1 : 0;

    private static float Cosine(ReadOnlySpan<float> query, float queryNorm, ReadOnlySpan<float> vector)
    {
        var norms = queryNorm * TensorPrimitives.Norm(vector);
        return norms > 0 ? TensorPrimitives.Dot(query, vector) / norms : 0;
    }

    private void EnsureCapacity(long required)
    {
        if (required > _capacity)
        {
            GrowTo(Math.Max(required, Math.Max(_capacity * 2, InitialCapacity)));
        }
    }

    private void GrowTo(long capacity)
    {
        usearch_reserve(_index, (nuint)capacity, out var error);
        ThrowIfError(error, "reserve");
        ReserveThreads();
        _capacity = (long)usearch_capacity(_index, out error);
        ThrowIfError(error, "capacity");
    }

    /// <summary>Sizes the native context pool to the search semaphore; reserve and load may reset it to the core count.</summary>
    private void ReserveThreads()
    {
        usearch_change_threads_search(_index, (nuint)_searchThreads, out var error);
        ThrowIfError(error, "change threads_search");
        usearch_change_threads_add(_index, (nuint)_searchThreads, out error);
        ThrowIfError(error, "change threads_add");
    }

    private void RefreshCount()
    {
        var size = usearch_size(_index, out var error);
        ThrowIfError(error, "size");
        Interlocked.Exchange(ref _count, (long)size);
    }

    private static unsafe UsearchHandle Init(int dimensions, VectorIndexOptions options)
    {
        var init = new InitOptions
        {
            MetricKind = MetricCos,
            Quantization = ScalarKindOf(options.Quantization),
            Dimensions = (nuint)dimensions,
            Connectivity = (nuint)options.Connectivity,
            ExpansionAdd = (nuint)options.ExpansionAdd,
            ExpansionSearch = (nuint)options.ExpansionSearch,
        };
        var index = usearch_init(&init, out var error);
        if (error != 0 && index != 0)
        {
            usearch_free(index, out _);
        }

        ThrowIfError(error, "init");
        return index == 0 ? throw new InvalidOperationException("USearch init returned no index.") : new UsearchHandle(index);
    }

    private static void ValidateSettings(int dimensions, VectorIndexOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
    }

    private static uint ScalarKindOf(VectorQuantization quantization) => quantization switch
    {
        VectorQuantization.Float32 => 1,
        VectorQuantization.Float16 => 3,
        VectorQuantization.Int8 => 4,
        VectorQuantization.BFloat16 => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(quantization), quantization, null),
    };
}
