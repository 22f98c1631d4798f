using Groundwork.Retrieval;
using static Groundwork.Tests.Retrieval.TestVectors;

namespace Groundwork.Tests.Retrieval;

/// <summary>The two ways a filtered vector search runs: the graph search with a predicate, and exact scoring of given chunks.</summary>
public sealed class FilteredVectorSearchTests
{
    private const int Count = 3_000;

    private static (UsearchVectorIndex Index, ExactVectorIndex Exact, ReadOnlyMemory<float>[] Queries) Build(
        VectorQuantization quantization = VectorQuantization.Float16)
    {
        var vectors = SentenceLike(Count, seed: 31, basisSeed: 100);
        var index = UsearchVectorIndex.Create(Dimensions, new VectorIndexOptions { Quantization = quantization });
        index.Upsert(Ids(Count), vectors);
        var exact = new ExactVectorIndex(Dimensions);
        exact.Upsert(Ids(Count), vectors);
        return (index, exact, SentenceLike(20, seed: 32, basisSeed: 100));
    }

    [Fact]
    public void FilteredSearchReturnsOnlyAllowedChunksAndFindsTheExactNearestOfThem()
    {
        var (index, exact, queries) = Build();
        using var _ = index;
        var even = Ids(Count).Where(id => id % 2 == 0).ToHashSet();

        var found = 0;
        foreach (var query in queries)
        {
            var matches = index.SearchFiltered(query.Span, 10, even);
            Assert.Equal(10, matches.Count);
            Assert.All(matches, m => Assert.Contains(m.ChunkId, even));
            Assert.True(matches.Zip(matches.Skip(1)).All(pair => pair.First.Score >= pair.Second.Score));
            var truth = exact.SearchFiltered(query.Span, 10, even).Select(m => m.ChunkId).ToHashSet();
            found += matches.Count(m => truth.Contains(m.ChunkId));
        }

        Assert.True(found >= 0.95 * 10 * queries.Length, $"recall@10 {found / (10.0 * queries.Length)}");
    }

    [Fact]
    public void FilteredSearchWithANarrowFilterNeverReturnsOtherChunks()
    {
        var (index, _, queries) = Build();
        using var __ = index;
        HashSet<long> few = [7, 700, 1_400, 2_100, 2_999];

        foreach (var query in queries)
        {
            Assert.All(index.SearchFiltered(query.Span, 10, few), m => Assert.Contains(m.ChunkId, few));
        }

        Assert.Empty(index.SearchFiltered(queries[0].Span, 10, new HashSet<long>()));
    }

    [Theory]
    [InlineData(VectorQuantization.Float32, 1e-5f)]
    [InlineData(VectorQuantization.Float16, 2e-3f)]
    public void ExactSearchScoresTheGivenChunksAsTheExactIndexDoes(VectorQuantization quantization, float tolerance)
    {
        var (index, exact, queries) = Build(quantization);
        using var _ = index;
        var some = Ids(Count).Where(id => id % 15 == 3).ToHashSet();

        foreach (var query in queries.Take(5))
        {
            var matches = index.SearchExactly(query.Span, 10, [.. some, 99_999, -1]);
            var truth = exact.SearchFiltered(query.Span, 10, some);
            Assert.Equal(10, matches.Count);
            Assert.All(matches, m => Assert.Contains(m.ChunkId, some));
            foreach (var (match, expected) in matches.Zip(truth))
            {
                Assert.Equal(expected.Score, match.Score, tolerance);
            }

            Assert.True(matches.Zip(matches.Skip(1)).All(pair => pair.First.Score >= pair.Second.Score));
        }
    }

    [Fact]
    public void ExactSearchOfChunksNotInTheIndexFindsNothing()
    {
        using var index = UsearchVectorIndex.Create(Dimensions, new VectorIndexOptions());
        var vectors = Uniform(3, seed: 33);
        index.Upsert([1, 2, 3], vectors);
        index.Remove([2]);

        Assert.Empty(index.SearchExactly(vectors[1].Span, 5, [2, 4, 5]));
        Assert.Equal([3L, 1L], index.SearchExactly(vectors[2].Span, 5, [1, 3]).Select(m => m.ChunkId));
    }

    [Fact]
    public void TheExactIndexScoresOnlyTheGivenChunks()
    {
        using var index = new ExactVectorIndex(2);
        index.Upsert([1, 2, 3], [new[] { 1f, 0 }, new[] { 0f, 1 }, new[] { 1f, 1 }]);

        Assert.Equal([3L, 2L], index.SearchExactly([1f, 0.1f], 5, [2, 3, 42]).Select(m => m.ChunkId));
        Assert.Equal([3L, 2L], index.SearchFiltered([1f, 0.1f], 5, new HashSet<long> { 2, 3, 42 }).Select(m => m.ChunkId));
    }

    [Fact]
    public void FilteredAndExactSearchesAfterDisposeThrowObjectDisposed()
    {
        var index = UsearchVectorIndex.Create(Dimensions, new VectorIndexOptions());
        var vectors = Uniform(1, seed: 34);
        index.Upsert([1], vectors);
        index.Dispose();

        Assert.Throws<ObjectDisposedException>(() => index.SearchFiltered(vectors[0].Span, 1, new HashSet<long> { 1 }));
        Assert.Throws<ObjectDisposedException>(() => index.SearchExactly(vectors[0].Span, 1, [1]));
    }
}
