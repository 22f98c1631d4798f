using Groundwork.Embeddings;

namespace Groundwork.Tests.Embeddings;

public sealed class PaddingPlannerTests
{
    [Fact]
    public void TextsOfOneLengthFillRunsUpToTheMaximumSize()
    {
        var runs = Plan(Enumerable.Repeat(18, 70).ToArray(), maxRunSize: 32);

        Assert.Equal(3, runs.Length);
        Assert.All(Sizes(runs), size => Assert.InRange(size, 1, 32));
    }

    [Fact]
    public void ALongTextDoesNotPadTheShortOnes()
    {
        int[] lengths = [.. Enumerable.Repeat(16, 31), 256];

        var runs = Plan(lengths, maxRunSize: 32);

        Assert.Equal([31, 32], runs);
    }

    [Fact]
    public void SmallDifferencesInLengthAreNotWorthAnotherRun()
    {
        Assert.Equal([3], Plan([17, 18, 18], maxRunSize: 32));
    }

    [Fact]
    public void PlanCoversEveryTextAndCostsNoMoreThanFixedChunks()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 200; trial++)
        {
            var lengths = Enumerable.Range(0, random.Next(1, 100)).Select(_ => random.Next(3, 257)).Order().ToArray();

            var runs = Plan(lengths, maxRunSize: 32);

            Assert.Equal(lengths.Length, runs[^1]);
            Assert.All(Sizes(runs), size => Assert.InRange(size, 1, 32));
            var chunked = Enumerable.Range(0, (lengths.Length + 31) / 32).Select(c => Math.Min(lengths.Length, (c + 1) * 32)).ToArray();
            Assert.True(Cost(lengths, runs) <= Cost(lengths, chunked), $"trial {trial}");
        }
    }

    [Fact]
    public void NoTextsMeanNoRuns()
    {
        Assert.Empty(Plan([], maxRunSize: 32));
    }

    private static int[] Plan(int[] sortedLengths, int maxRunSize)
    {
        var runEnds = new int[sortedLengths.Length];
        var count = PaddingPlanner.Plan(sortedLengths, maxRunSize, runEnds);
        return runEnds[..count];
    }

    private static IEnumerable<int> Sizes(int[] runEnds) => runEnds.Select((end, i) => end - (i == 0 ? 0 : runEnds[i - 1]));

    private static long Cost(int[] lengths, int[] runEnds) =>
        runEnds.Select((end, i) => PaddingPlanner.RunCost + (long)(end - (i == 0 ? 0 : runEnds[i - 1])) * lengths[end - 1]).Sum();
}
