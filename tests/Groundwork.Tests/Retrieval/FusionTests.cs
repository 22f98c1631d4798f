using Groundwork.Retrieval;

namespace Groundwork.Tests.Retrieval;

public sealed class FusionTests
{
    private static readonly SearchOptions Defaults = new();

    [Fact]
    public void AChunkInBothRankingsComesFirst()
    {
        var fused = ChunkSearch.Fuse([Match(1), Match(2), Match(3)], [Match(3), Match(4)], topK: 4, Defaults);

        Assert.Equal([3L, 1, 4, 2], fused.Select(m => m.ChunkId));
        Assert.Equal(1.0 / 63 + 1.0 / 61, fused[0].Score, 1e-6);
    }

    [Theory]
    [InlineData(10L, 20L)]
    [InlineData(20L, 10L)]
    public void TiesGoToTheKeywordRankingWhateverTheChunkIds(long vectorOnly, long keywordOnly)
    {
        // Rank 1 on one side only scores the same on either side: the keyword side's chunk wins, not the smaller id.
        var fused = ChunkSearch.Fuse([Match(vectorOnly)], [Match(keywordOnly)], topK: 2, Defaults);

        Assert.Equal([keywordOnly, vectorOnly], fused.Select(m => m.ChunkId));
        Assert.Equal(fused[0].Score, fused[1].Score);
    }

    [Fact]
    public void SwappedRanksAreBrokenByTheKeywordRanking()
    {
        // 7 is first by words and second by meaning, 5 the other way round: equal sums, 7 first (not the smaller id).
        var fused = ChunkSearch.Fuse([Match(5), Match(7)], [Match(7), Match(5)], topK: 2, Defaults);

        Assert.Equal([7L, 5], fused.Select(m => m.ChunkId));
    }

    [Fact]
    public void KeepsOnlyTopK()
    {
        var fused = ChunkSearch.Fuse([Match(1), Match(2), Match(3)], [Match(4), Match(5), Match(6)], topK: 2, Defaults);

        Assert.Equal([4L, 1], fused.Select(m => m.ChunkId));
    }

    private static VectorMatch Match(long chunkId) => new(chunkId, 0.5f);
}
