using Groundwork.Retrieval;

namespace Groundwork.Tests.Retrieval;

public sealed class ExactVectorIndexTests
{
    [Fact]
    public void SearchRanksByCosineSimilarityBestFirst()
    {
        using var index = new ExactVectorIndex(3);
        index.Upsert([1, 2, 3, 4], [new[] { 1f, 0, 0 }, new[] { 0f, 1, 0 }, new[] { 2f, 2, 0 }, new[] { -1f, 0, 0 }]);

        var matches = index.Search([3f, 1, 0], 3);

        Assert.Equal([1L, 3, 2], matches.Select(m => m.ChunkId));
        Assert.Equal(3 / MathF.Sqrt(10), matches[0].Score, 1e-5f);
        Assert.Equal(4 / MathF.Sqrt(20), matches[1].Score, 1e-5f);
    }

    [Fact]
    public void UpsertReplacesRemoveDeletesAndTopKIsCappedByTheCount()
    {
        using var index = new ExactVectorIndex(2);
        index.Upsert([1, 2], [new[] { 1f, 0 }, new[] { 0f, 1 }]);

        index.Upsert([1], [new[] { 0f, -1 }]);
        index.Remove([2, 99]);

        Assert.Equal(1, index.Count);
        var match = Assert.Single(index.Search([0f, -1], 10));
        Assert.Equal(new VectorMatch(1, 1f), match);
    }

    [Fact]
    public void SaveIsNotSupported()
    {
        using var index = new ExactVectorIndex(2);

        Assert.Throws<NotSupportedException>(() => index.Save("anywhere"));
    }
}
