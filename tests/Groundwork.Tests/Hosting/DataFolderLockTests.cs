using System.Diagnostics;

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

            // The second service is a real process (the built Groundwork.dll): in-process, WebApplicationFactory races
            // its own disposal against a failed start and sometimes reports ObjectDisposedException instead of the
            // start-up error (dotnet/aspnetcore#33494).
            var (exitCode, output) = await RunServiceUntilItExitsAsync(DataPath);

            Assert.NotEqual(0, exitCode);
            Assert.Contains("in use by another Groundwork process", output);
            Assert.Contains("Storage:Path", output);
            Assert.Equal("Healthy", await firstClient.GetStringAsync("/health/live", TestContext.Current.CancellationToken));
        }

        await using var next = new GroundworkApp(dataPath: DataPath);
        using var client = next.CreateClient();
        Assert.Equal("Healthy", await client.GetStringAsync("/health/live", TestContext.Current.CancellationToken));
    }

    private static async Task<(int ExitCode, string Output)> RunServiceUntilItExitsAsync(string dataPath)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Groundwork.dll") },
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Testing",
                ["Urls"] = "http://127.0.0.1:0",
                ["Storage__Path"] = dataPath,
                ["Embeddings__Provider"] = "local",
                ["OPENAI_API_KEY"] = "",
                ["ANTHROPIC_API_KEY"] = "",
            },
        };
        using var process = Process.Start(start)!;
        var standardOutput = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var standardError = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The second service did not exit within 60 s:\n{await standardOutput}\n{await standardError}");
        }

        return (process.ExitCode, await standardOutput + "\n" + await standardError);
    }
}
