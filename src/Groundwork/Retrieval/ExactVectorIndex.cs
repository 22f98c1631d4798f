using System.Numerics;
using System.Runtime.InteropServices;

namespace Groundwork.Retrieval;

/// <summary>
/// Brute-force cosine search over every vector: the ground truth for measuring the recall of
/// <see cref="UsearchVectorIndex"/>. Linear in the number of vectors; not meant for serving.
/// </summary>
public sealed class ExactVectorIndex(int dimensions) : IVectorIndex
{
    private readonly Dictionary<long, float[]> _unitVectors = [];
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);

    public int Dimensions { get; } = dimensions > 0 ? dimensions : throw new ArgumentOutOfRangeException(nameof(dimensions));

    public long Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _unitVectors.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    public void Upsert(IReadOnlyList<long> chunkIds, IReadOnlyList<ReadOnlyMemory<float>> vectors)
    {
        VectorIndexArguments.ValidateUpsert(chunkIds, vectors, Dimensions);
        _lock.EnterWriteLock();
        try
        {
            for (var i = 0; i < chunkIds.Count; i++)
            {
                _unitVectors[chunkIds[i]] = Normalized(vectors[i].Span);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Remove(IReadOnlyCollection<long> chunkIds)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        _lock.EnterWriteLock();
        try
        {
            foreach (var chunkId in chunkIds)
            {
                _unitVectors.Remove(chunkId);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public IReadOnlyList<VectorMatch> Search(ReadOnlySpan<float> query, int topK) =>
        SearchWhere(query, topK, chunkIds: null);

    public IReadOnlyList<VectorMatch> SearchFiltered(ReadOnlySpan<float> query, int topK, IReadOnlySet<long> chunkIds)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        return SearchWhere(query, topK, chunkIds);
    }

    public IReadOnlyList<VectorMatch> SearchExactly(ReadOnlySpan<float> query, int topK, IReadOnlyCollection<long> chunkIds)
    {
        VectorIndexArguments.ValidateSearch(query, topK, Dimensions);
        ArgumentNullException.ThrowIfNull(chunkIds);
        var unitQuery = Normalized(query);
        _lock.EnterReadLock();
        try
        {
            var best = new TopMatches(Math.Min(topK, chunkIds.Count));
            foreach (var chunkId in chunkIds)
            {
                if (_unitVectors.TryGetValue(chunkId, out var vector))
                {
                    best.Offer(chunkId, Dot(unitQuery, vector));
                }
            }

            return best.ToArray();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private VectorMatch[] SearchWhere(ReadOnlySpan<float> query, int topK, IReadOnlySet<long>? chunkIds)
    {
        VectorIndexArguments.ValidateSearch(query, topK, Dimensions);
        var unitQuery = Normalized(query);
        _lock.EnterReadLock();
        try
        {
            var best = new TopMatches(Math.Min(topK, _unitVectors.Count));
            foreach (var (chunkId, vector) in _unitVectors)
            {
                if (chunkIds is null || chunkIds.Contains(chunkId))
                {
                    best.Offer(chunkId, Dot(unitQuery, vector));
                }
            }

            return best.ToArray();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public void Save(string path) =>
        throw new NotSupportedException("The exact index is a measuring aid and is not persisted.");

    public void Dispose()
    {
    }

    private static float[] Normalized(ReadOnlySpan<float> vector)
    {
        var copy = vector.ToArray();
        var norm = MathF.Sqrt(Dot(copy, copy));
        if (norm > 0)
        {
            for (var i = 0; i < copy.Length; i++)
            {
                copy[i] /= norm;
            }
        }

        return copy;
    }

    private static float Dot(ReadOnlySpan<float> left, ReadOnlySpan<float> right)
    {
        var sum = Vector<float>.Zero;
        var leftVectors = MemoryMarshal.Cast<float, Vector<float>>(left);
        var rightVectors = MemoryMarshal.Cast<float, Vector<float>>(right);
        for (var i = 0; i < leftVectors.Length; i++)
        {
            sum += leftVectors[i] * rightVectors[i];
        }

        var result = Vector.Sum(sum);
        for (var i = leftVectors.Length * Vector<float>.Count; i < left.Length; i++)
        {
            result += left[i] * right[i];
        }

        return result;
    }
}
