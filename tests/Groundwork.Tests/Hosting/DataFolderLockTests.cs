namespace Groundwork.Tests.Hosting;

/// <summary>One process owns a data folder: a second service on the same folder refuses to start and says why.</summary>
public sealed class DataFolderLockTests : DataFolderTest
{
    [Fact]
    public async Task ASecondServiceOnTheSameDataFolderFailsToStartUntilTheFirstStops()
    {
        await using (var first = new GroundworkApp(dataPath: DataPath))
        {
            using var firstClient = first.CreateClient();

            await using var second = new GroundworkApp(dataPath: DataPath);
            var refused = Assert.ThrowsAny<Exception>(() => second.CreateClient());

            var message = FlattenMessages(refused);
            Assert.Contains("in use by another Groundwork process", message);
            Assert.Contains("Storage:Path", message);
            Assert.Equal("Healthy", await firstClient.GetStringAsync("/health/live", TestContext.Current.CancellationToken));
        }

        await using var next = new GroundworkApp(dataPath: DataPath);
        using var client = next.CreateClient();
        Assert.Equal("Healthy", await client.GetStringAsync("/health/live", TestContext.Current.CancellationToken));
    }

    private static string FlattenMessages(Exception exception) =>
        exception is AggregateException aggregate
            ? string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(FlattenMessages))
            : exception.Message + (exception.InnerException is { } inner ? " | " + FlattenMessages(inner) : "");
}
