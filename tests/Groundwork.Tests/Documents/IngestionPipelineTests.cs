using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Groundwork.FakeUpstream;

namespace Groundwork.Tests.Documents;

/// <summary>
/// The background pipeline through real HTTP, with embeddings from the fake OpenAI upstream so that their latency
/// and faults can be set: 202 and progress, duplicates, replacement by external id, retries and failures.
/// </summary>
public sealed class IngestionPipelineTests : IAsyncLifetime
{
    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        settings["Embeddings:Provider"] = "openai";
        settings["Ingestion:EmbeddingBatchSize"] = "2";
        settings["Ingestion:MaxAttempts"] = "2";
        _app = new GroundworkApp(settings);
        _client = _app.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Paragraphs long enough (~150 word pieces) that each becomes a chunk of its own.</summary>
    private static string Paragraphs(string topic, int count) => string.Join("\n\n", Enumerable.Range(1, count).Select(i =>
        string.Join(' ', Enumerable.Range(1, 12).Select(s => $"Section {i} of the {topic} notes, sentence {s}, records reading {i * 100 + s}."))));

    private async Task<HttpResponseMessage> PostAsync(object document, bool wait = false) =>
        await _client.PostAsJsonAsync(wait ? "/documents?wait=true" : "/documents", document, GroundworkApp.Json, Cancel);

    private async Task<JsonElement> GetAsync(long id) => await _client.GetFromJsonAsync<JsonElement>($"/documents/{id}", Cancel);

    /// <summary>Reads the document until <paramref name="condition"/> holds (or fails after 30 s).</summary>
    private async Task<JsonElement> PollUntilAsync(long id, Func<JsonElement, bool> condition)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var document = await GetAsync(id);
            if (condition(document))
            {
                return document;
            }

            await Task.Delay(10, deadline.Token);
        }
    }

    private static string Status(JsonElement document) => document.GetProperty("status").GetString()!;

    private async Task<JsonElement> StatsAsync() => await _client.GetFromJsonAsync<JsonElement>("/documents/stats", Cancel);

    private async Task<long[]> SearchDocumentIdsAsync(string query, string mode = "keyword")
    {
        var response = await _client.PostAsJsonAsync("/search", new { query, mode, top_k = 10 }, GroundworkApp.Json, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        return [.. body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("document_id").GetInt64()).Distinct()];
    }

    [Fact]
    public async Task UploadIsAcknowledgedWith202AndProcessedInTheBackgroundWithVisibleProgress()
    {
        _upstream.Options.EmbeddingLatencyMs = 150;

        var response = await PostAsync(new { title = "Boiler notes", text = Paragraphs("boiler", 6) });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var id = accepted.GetProperty("id").GetInt64();
        Assert.Equal($"/documents/{id}", response.Headers.Location?.ToString());
        Assert.Equal($"/documents/{id}", accepted.GetProperty("status_url").GetString());
        Assert.Contains(Status(accepted), new[] { "queued", "processing" });
        Assert.False(accepted.GetProperty("duplicate").GetBoolean());

        var midway = await PollUntilAsync(id, d => d.GetProperty("progress").GetProperty("chunks_embedded").GetInt32() > 0);
        Assert.Equal("processing", Status(midway));
        var total = midway.GetProperty("progress").GetProperty("chunks_total").GetInt32();
        Assert.True(total >= 6, $"expected at least 6 chunks, got {total}");
        Assert.InRange(midway.GetProperty("progress").GetProperty("chunks_embedded").GetInt32(), 1, total - 1);
        Assert.Equal(0, midway.GetProperty("chunk_count").GetInt32());

        var ready = await PollUntilAsync(id, d => Status(d) != "processing" && Status(d) != "queued");
        Assert.Equal("ready", Status(ready));
        Assert.Equal(total, ready.GetProperty("chunk_count").GetInt32());
        Assert.Equal(total, ready.GetProperty("progress").GetProperty("chunks_embedded").GetInt32());
        var stats = await StatsAsync();
        Assert.Equal(total, stats.GetProperty("chunks").GetInt64());
        Assert.Equal(total, stats.GetProperty("indexed_vectors").GetInt64());
    }

    [Fact]
    public async Task IdenticalContentIsNotIndexedTwice()
    {
        var text = Paragraphs("chiller", 2);
        var first = await PostAsync(new { title = "Chiller notes", text }, wait: true);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var original = await first.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("ready", Status(original));
        var embeddingCalls = _upstream.Requests.Count;

        var again = await PostAsync(new { title = "Chiller notes (copy)", text });

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var duplicate = await again.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.True(duplicate.GetProperty("duplicate").GetBoolean());
        Assert.Equal(original.GetProperty("id").GetInt64(), duplicate.GetProperty("id").GetInt64());
        Assert.Equal(embeddingCalls, _upstream.Requests.Count);
        var stats = await StatsAsync();
        Assert.Equal(1, stats.GetProperty("documents").GetProperty("ready").GetInt32());
        Assert.Equal(original.GetProperty("chunk_count").GetInt32(), stats.GetProperty("chunks").GetInt64());
    }

    [Fact]
    public async Task NewVersionByExternalIdReplacesTheOldChunksOnlyWhenReady()
    {
        var version1 = await (await PostAsync(new { title = "Pump SOP", external_id = "sop-7", text = "The pump is primed with glycol before start." }, wait: true))
            .Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var v1 = version1.GetProperty("id").GetInt64();
        Assert.Equal("ready", Status(version1));

        _upstream.Options.EmbeddingLatencyMs = 300;
        var response = await PostAsync(new { title = "Pump SOP", external_id = "sop-7", text = "The pump is primed with kerosene before start.\n\n" + Paragraphs("pump", 3) });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var version2 = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var v2 = version2.GetProperty("id").GetInt64();
        Assert.Equal(v1, version2.GetProperty("replaces").GetInt64());

        // While the new version is being embedded, the old one is still the one found.
        await PollUntilAsync(v2, d => Status(d) == "processing");
        Assert.Equal([v1], await SearchDocumentIdsAsync("glycol"));
        Assert.Empty(await SearchDocumentIdsAsync("kerosene"));

        await PollUntilAsync(v2, d => Status(d) == "ready");
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/documents/{v1}", Cancel)).StatusCode);
        Assert.Empty(await SearchDocumentIdsAsync("glycol"));
        Assert.Equal([v2], await SearchDocumentIdsAsync("kerosene"));
        var listed = await _client.GetFromJsonAsync<JsonElement>("/documents?external_id=sop-7", Cancel);
        Assert.Equal(1, listed.GetProperty("total").GetInt32());
        var stats = await StatsAsync();
        Assert.Equal(stats.GetProperty("chunks").GetInt64(), stats.GetProperty("indexed_vectors").GetInt64());

        // The current version's content again is a duplicate; the old version's content again is a new version.
        _upstream.Options.EmbeddingLatencyMs = 0;
        var same = await PostAsync(new { title = "Pump SOP", external_id = "sop-7", text = "The pump is primed with kerosene before start.\n\n" + Paragraphs("pump", 3) });
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        var revert = await PostAsync(new { title = "Pump SOP", external_id = "sop-7", text = "The pump is primed with glycol before start." }, wait: true);
        Assert.Equal(HttpStatusCode.Created, revert.StatusCode);
        var reverted = await revert.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.False(reverted.GetProperty("duplicate").GetBoolean());
        Assert.Equal([reverted.GetProperty("id").GetInt64()], await SearchDocumentIdsAsync("glycol"));
        Assert.Empty(await SearchDocumentIdsAsync("kerosene"));
    }

    [Fact]
    public async Task VersionsQueuedTogetherLeaveOnlyTheNewest()
    {
        // A slow document in front, so that three versions queue up behind it and are processed in one round.
        _upstream.Options.EmbeddingLatencyMs = 200;
        var blocker = (await (await PostAsync(new { title = "Blocker", text = Paragraphs("boiler", 2) })).Content.ReadFromJsonAsync<JsonElement>(Cancel))
            .GetProperty("id").GetInt64();
        await PollUntilAsync(blocker, d => Status(d) == "processing");
        foreach (var version in new[] { "first", "second" })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(new { title = "Policy", external_id = "policy", text = $"The {version} policy text." })).StatusCode);
        }

        var last = await (await PostAsync(new { title = "Policy", external_id = "policy", text = "The third policy text." }, wait: true))
            .Content.ReadFromJsonAsync<JsonElement>(Cancel);

        Assert.Equal("ready", Status(last));
        var listed = await _client.GetFromJsonAsync<JsonElement>("/documents?external_id=policy", Cancel);
        Assert.Equal([last.GetProperty("id").GetInt64()], listed.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("id").GetInt64()).ToArray());
        var stats = await StatsAsync();
        Assert.Equal(stats.GetProperty("chunks").GetInt64(), stats.GetProperty("indexed_vectors").GetInt64());
        Assert.Equal(0, stats.GetProperty("documents").GetProperty("failed").GetInt32());
        Assert.Empty(await SearchDocumentIdsAsync("first"));
        Assert.Empty(await SearchDocumentIdsAsync("second"));
    }

    [Fact]
    public async Task TransientEmbeddingFailureIsRetried()
    {
        _upstream.Options.Fault = FakeFault.Status(503).OnlyOn("/v1/embeddings").ForNext(1);

        var response = await PostAsync(new { title = "Fan notes", text = "The extractor fan runs at 1400 rpm." }, wait: true);

        var document = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("ready", Status(document));
        Assert.Equal(JsonValueKind.Null, document.GetProperty("error").ValueKind);
    }

    [Fact]
    public async Task PersistentEmbeddingFailureEndsFailedWithTheReasonAndCanBeUploadedAgain()
    {
        _upstream.Options.Fault = FakeFault.Status(500).OnlyOn("/v1/embeddings");

        var response = await PostAsync(new { title = "Valve notes", text = "Valve V-12 is closed during winter." }, wait: true);

        var failed = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("failed", Status(failed));
        Assert.Contains("failed 2 times", failed.GetProperty("error").GetString());
        Assert.Equal(0, failed.GetProperty("chunk_count").GetInt32());

        _upstream.Options.Fault = null;
        var retried = await PostAsync(new { title = "Valve notes", text = "Valve V-12 is closed during winter." }, wait: true);
        var document = await retried.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.False(document.GetProperty("duplicate").GetBoolean());
        Assert.Equal("ready", Status(document));
    }

    [Fact]
    public async Task DocumentDeletedWhileInThePipelineIsDropped()
    {
        _upstream.Options.EmbeddingLatencyMs = 300;
        var slow = (await (await PostAsync(new { title = "Slow", text = Paragraphs("turbine", 4) })).Content.ReadFromJsonAsync<JsonElement>(Cancel))
            .GetProperty("id").GetInt64();
        await PollUntilAsync(slow, d => Status(d) == "processing");

        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync($"/documents/{slow}", Cancel)).StatusCode);
        _upstream.Options.EmbeddingLatencyMs = 0;
        var next = await PostAsync(new { title = "Next", text = "The compressor oil is changed yearly." }, wait: true);
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/documents/{slow}", Cancel)).StatusCode);
        var stats = await StatsAsync();
        Assert.Equal(1, stats.GetProperty("documents").GetProperty("ready").GetInt32());
        Assert.Equal(stats.GetProperty("chunks").GetInt64(), stats.GetProperty("indexed_vectors").GetInt64());
        Assert.Empty(await SearchDocumentIdsAsync("turbine"));
    }

    [Fact]
    public async Task MetadataTagsSourceAndCreationDateAreKept()
    {
        var response = await PostAsync(new
        {
            title = "Audit 2024",
            text = "The audit found two open findings.",
            metadata = new { department = "finance", year = 2024, signed = true },
            tags = new[] { "audit", "finance", "audit" },
            source = "https://intranet.example/audit-2024",
            created_at = "2024-03-01T09:30:00+01:00",
        }, wait: true);

        var document = await GetAsync((await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("id").GetInt64());
        Assert.Equal("finance", document.GetProperty("metadata").GetProperty("department").GetString());
        Assert.Equal(2024, document.GetProperty("metadata").GetProperty("year").GetInt32());
        Assert.True(document.GetProperty("metadata").GetProperty("signed").GetBoolean());
        Assert.Equal(["audit", "finance"], document.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToArray());
        Assert.Equal("https://intranet.example/audit-2024", document.GetProperty("source").GetString());
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 8, 30, 0, TimeSpan.Zero), document.GetProperty("created_at").GetDateTimeOffset());
    }

    [Fact]
    public async Task UploadFormFieldsApplyToTheFilesDocument()
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent("sop-9"), "external_id" },
            { new StringContent("safety, pumps"), "tags" },
            { new StringContent("2023-05-04T00:00:00Z"), "created_at" },
        };
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes("Wear gloves when handling glycol."));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "files", "gloves.txt");

        var response = await _client.PostAsync("/documents?wait=true", form, Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var document = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("documents")[0];
        Assert.Equal("ready", Status(document));
        Assert.Equal("sop-9", document.GetProperty("external_id").GetString());
        Assert.Equal("gloves.txt", document.GetProperty("source").GetString());
        Assert.Equal(["safety", "pumps"], document.GetProperty("tags").EnumerateArray().Select(t => t.GetString()).ToArray());
        Assert.Equal(2023, document.GetProperty("created_at").GetDateTimeOffset().Year);
    }

    [Fact]
    public async Task ExternalIdWithSeveralFilesIsRejected()
    {
        using var form = new MultipartFormDataContent { { new StringContent("one-id"), "external_id" } };
        foreach (var name in new[] { "a.txt", "b.txt" })
        {
            var file = new ByteArrayContent(Encoding.UTF8.GetBytes($"Contents of {name}."));
            file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            form.Add(file, "files", name);
        }

        var response = await _client.PostAsync("/documents", form, Cancel);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.True(problem.GetProperty("errors").TryGetProperty("external_id", out _));
        Assert.Equal(0, (await StatsAsync()).GetProperty("documents").GetProperty("queued").GetInt32());
    }
}
