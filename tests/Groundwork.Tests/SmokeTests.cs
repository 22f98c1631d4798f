namespace Groundwork.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void SolutionBuilds() => Assert.True(true);
}
