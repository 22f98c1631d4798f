using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Groundwork.FakeUpstream;

namespace Groundwork.Tests.Documents;

/// <summary>
/// The service as a real child process, killed with SIGKILL while it is embedding a batch of acknowledged uploads,
/// then started again on the same data folder: every acknowledged document must end ready, once, and the vector
/// index must hold exactly the chunks in the database.
/// </summary>
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private const int DocumentCount = 16;

    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "groundwork-tests", "crash-" + Guid.NewGuid().ToString("N"));
    private FakeUpstreamServer _upstream = null!;

    public async ValueTask InitializeAsync() =>
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        if (Directory.Exists(_dataPath))
        {
            Directory.Delete(_dataPath, recursive: true);
        }
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Each document: a unique code word and four paragraphs long enough to be a chunk each; batches of 3 chunks straddle documents.</summary>
    private static string DocumentText(int number) =>
        $"Unit code QX{number:D3}Z is covered by this manual.\n\n" + string.Join("\n\n", Enumerable.Range(1, 4).Select(p =>
            string.Join(' ', Enumerable.Range(1, 12).Select(s => $"Manual {number} part {p} sentence {s} gives reading {number * 1000 + p * 10 + s}."))));

    [Fact]
    public async Task AcknowledgedDocumentsSurviveSigkillDuringIngestion()
    {
        _upstream.Options.EmbeddingLatencyMs = 120;
        var acknowledged = new List<long>();
        await using (var service = await ChildService.StartAsync(_dataPath, _upstream))
        {
            foreach (var number in Enumerable.Range(1, DocumentCount))
            {
                var response = await service.Client.PostAsJsonAsync("/documents",
                    new { title = $"Manual {number}", text = DocumentText(number) }, GroundworkApp.Json, Cancel);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                acknowledged.Add((await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("id").GetInt64());
            }

            // Kill once some documents are ready and another is part-way through its embeddings.
            await service.PollAsync(async client =>
            {
                var stats = await StatsAsync(client);
                if (stats.GetProperty("documents").GetProperty("ready").GetInt32() < 2)
                {
                    return false;
                }

                var processing = await client.GetFromJsonAsync<JsonElement>("/documents?status=processing&limit=100", Cancel);
                return processing.GetProperty("items").EnumerateArray()
                    .Any(d => d.GetProperty("progress").GetProperty("chunks_embedded").GetInt32() > 0);
            });
            var before = await StatsAsync(service.Client);
            Assert.True(before.GetProperty("documents").GetProperty("queued").GetInt32() + before.GetProperty("documents").GetProperty("processing").GetInt32() > 0,
                "the kill must happen while documents are still in the pipeline");

            service.Kill();
        }

        _upstream.Options.EmbeddingLatencyMs = 0;
        await using (var service = await ChildService.StartAsync(_dataPath, _upstream))
        {
            await service.PollAsync(async client =>
            {
                var documents = (await StatsAsync(client)).GetProperty("documents");
                return documents.GetProperty("queued").GetInt32() + documents.GetProperty("processing").GetInt32() == 0;
            });

            var stats = await StatsAsync(service.Client);
            Assert.Equal(DocumentCount, stats.GetProperty("documents").GetProperty("ready").GetInt32());
            Assert.Equal(0, stats.GetProperty("documents").GetProperty("failed").GetInt32());
            var page = await service.Client.GetFromJsonAsync<JsonElement>("/documents?limit=100", Cancel);
            Assert.Equal(DocumentCount, page.GetProperty("total").GetInt32());
            Assert.Equal(acknowledged.Order(), page.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("id").GetInt64()).Order());
            var chunkCounts = page.GetProperty("items").EnumerateArray().Sum(d => d.GetProperty("chunk_count").GetInt32());
            Assert.Equal(chunkCounts, stats.GetProperty("chunks").GetInt64());
            Assert.Equal(stats.GetProperty("chunks").GetInt64(), stats.GetProperty("indexed_vectors").GetInt64());

            // Each document is found by its words, and the chunk found has its vector in the index: searching by the
            // chunk's own text (identical embedding) finds that very chunk first.
            foreach (var (id, number) in acknowledged.Select((id, i) => (id, i + 1)))
            {
                var byWords = await SearchAsync(service.Client, $"QX{number:D3}Z", "keyword");
                Assert.Equal(id, byWords.GetProperty("document_id").GetInt64());
                var byVector = await SearchAsync(service.Client, byWords.GetProperty("text").GetString()!, "vector");
                Assert.Equal(byWords.GetProperty("chunk_id").GetInt64(), byVector.GetProperty("chunk_id").GetInt64());
            }
        }
    }

    private static async Task<JsonElement> SearchAsync(HttpClient client, string query, string mode)
    {
        var response = await client.PostAsJsonAsync("/search", new { query, mode, top_k = 1 }, GroundworkApp.Json, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("results")[0];
    }

    private static async Task<JsonElement> StatsAsync(HttpClient client) =>
        await client.GetFromJsonAsync<JsonElement>("/documents/stats", Cancel);

    /// <summary>The built service (Groundwork.dll beside the tests) on a free loopback port, its output kept for failure messages.</summary>
    private sealed class ChildService : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private ChildService(Process process, HttpClient client)
        {
            _process = process;
            Client = client;
            process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
            process.ErrorDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        }

        public HttpClient Client { get; }

        public static async Task<ChildService> StartAsync(string dataPath, FakeUpstreamServer upstream)
        {
            var port = LoopbackPort.Free();
            var start = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Groundwork.dll") },
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment =
                {
                    ["ASPNETCORE_ENVIRONMENT"] = "Testing",
                    ["Logging__LogLevel__Groundwork"] = "Information",
                    ["Urls"] = $"http://127.0.0.1:{port}",
                    ["Storage__Path"] = dataPath,
                    ["Embeddings__Provider"] = "openai",
                    ["OPENAI_API_KEY"] = "test-openai-key",
                    ["OPENAI_BASE_URL"] = upstream.OpenAiEndpoint.ToString(),
                    ["ANTHROPIC_API_KEY"] = "",
                    ["Ingestion__EmbeddingBatchSize"] = "3",
                    ["Search__MinRelevance"] = "0", // hashed fake-upstream vectors: relevance does not describe them
                    ["Ingestion__DocumentsPerRound"] = "4",
                },
            };
            var process = new Process { StartInfo = start };
            var service = new ChildService(process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await service.PollAsync(async client => (await client.GetAsync("/health/ready", Cancel)).IsSuccessStatusCode);
            // The operator's key the service wrote on its first start, as a new user would read it.
            var key = (await File.ReadAllTextAsync(Path.Combine(dataPath, "admin.key"), Cancel)).Trim();
            service.Client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            return service;
        }

        /// <summary>Repeats <paramref name="condition"/> until it holds; fails with the service's output after 60 s or if it exits.</summary>
        public async Task PollAsync(Func<HttpClient, Task<bool>> condition)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (_process.HasExited)
                {
                    Assert.Fail($"The service exited with {_process.ExitCode}:\n{Output}");
                }

                try
                {
                    if (await condition(Client))
                    {
                        return;
                    }
                }
                catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
                {
                    // Not listening yet.
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    Assert.Fail($"Condition not met within 60 s. Service output:\n{Output}");
                }

                await Task.Delay(20, Cancel);
            }
        }

        /// <summary>SIGKILL: no shutdown code runs, nothing is flushed or saved.</summary>
        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit();
            Assert.Equal(137, _process.ExitCode);
        }

        private string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }
}
