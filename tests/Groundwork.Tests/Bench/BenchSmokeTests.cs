using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Groundwork.Tests.Bench;

/// <summary>Runs alone: the smoke benchmark loads both cores, and other tests must not slow it into its timeout.</summary>
[CollectionDefinition(nameof(BenchSmokeCollection), DisableParallelization = true)]
public sealed class BenchSmokeCollection;

[Collection(nameof(BenchSmokeCollection))]
public sealed class BenchSmokeTests : IDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);
    private static readonly string[] Systems = ["fastapi", "flask", "groundwork", "groundwork_restarted"];
    private static readonly string[] ConnectionCounts = ["64", "256"];

    private readonly string _resultsDirectory = Directory.CreateTempSubdirectory("groundwork-bench-smoke-test-").FullName;

    public void Dispose() => Directory.Delete(_resultsDirectory, recursive: true);

    [Fact(Timeout = 6 * 60 * 1000)]
    public async Task SmokeRunMeasuresEverySystemAtEveryConnectionCount()
    {
        var (exitCode, output) = await RunAsync("bash", "bench/run.sh", "--smoke", "--results-dir", _resultsDirectory);
        Assert.True(exitCode == 0, $"bench/run.sh --smoke exited with {exitCode}:\n{output}");

        var resultsFile = Assert.Single(Directory.GetFiles(_resultsDirectory, "smoke-*.json"));
        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(resultsFile, TestContext.Current.CancellationToken));
        var systems = results.RootElement.GetProperty("systems");
        foreach (var system in Systems)
        {
            foreach (var connections in ConnectionCounts)
            {
                var requestsPerSecond = systems.GetProperty(system).GetProperty("results").GetProperty(connections)
                    .GetProperty("requests_per_sec").GetDouble();
                Assert.True(requestsPerSecond > 0, $"{system} at {connections} connections: {requestsPerSecond} req/s\n{output}");
                var cpuPerRequest = systems.GetProperty(system).GetProperty("results").GetProperty(connections)
                    .GetProperty("cpu_us_per_request").GetInt64();
                Assert.True(cpuPerRequest > 0, $"{system} at {connections} connections: {cpuPerRequest} µs of CPU per request\n{output}");
            }

            Assert.NotEmpty(systems.GetProperty(system).GetProperty("warmup_rounds").EnumerateArray());
        }

        // The restart read back what the first run loaded: the same chunks in the vector index.
        var loaded = systems.GetProperty("groundwork").GetProperty("documents_loaded").GetProperty("chunks").GetInt64();
        var indexed = systems.GetProperty("groundwork_restarted").GetProperty("ready_after_restart").GetProperty("checks")
            .GetProperty("vector_index").GetProperty("description").GetString();
        Assert.Equal($"{loaded} chunks indexed", indexed);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await StopAsync(process);
            throw new TimeoutException($"bench/run.sh did not finish within {RunTimeout}:\n{output}");
        }

        process.WaitForExit(); // drains the redirected output
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>SIGTERM first, so the script's trap stops the servers it started (each in its own process group).</summary>
    private static async Task StopAsync(Process process)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        try
        {
            await process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
    }
}
