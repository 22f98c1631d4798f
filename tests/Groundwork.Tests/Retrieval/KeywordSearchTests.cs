using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.Infrastructure;
using Groundwork.Retrieval;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.Retrieval;

/// <summary>
/// Keyword search through the API, over the tenant's in-memory index: chunks with every word first, then chunks with
/// some of them; every chunk with the words is ranked, however many there are and however old; the same after a restart.
/// </summary>
public sealed class KeywordSearchTests
{
    private static readonly string[] Corpus =
    [
        "The turbine bearings were inspected on Monday morning by the night crew.",
        // Two of the query's words, many times each: plain OR-ed BM25 ranks this above the chunk that has all three.
        "Turbine bearings, turbine bearings: turbine bearings everywhere.",
        "Every valve was inspected after the storm.",
        "The pumps were inspected and passed.",
        // inspected is in four of the nine chunks: fewer than half, so it keeps a BM25 weight and is searched for.
        "Inspected cables are tagged in yellow.",
        "All exits were checked by the fire warden.",
        "The turbine hall is painted green.",
        "A second turbine arrives in spring.",
        "The reactor is kept cold by liquid helium.",
    ];

    [Fact]
    public async Task ChunksContainingEveryWordRankFirstAndUnknownWordsAreIgnored()
    {
        await using var app = new GroundworkApp();
        var ids = await AddCorpusAsync(app);

        var found = await SearchAsync(app, "turbine bearings inspected zeppelin", topK: 9);

        Assert.Equal(ids[0], found[0]);
        Assert.Contains(ids[1], found);
    }

    [Fact]
    public async Task AWordInMoreThanHalfOfTheChunksIsNotRequired()
    {
        await using var app = new GroundworkApp();
        var ids = await AddCorpusAsync(app);
        await app.AddDocumentAsync("Note 9", "The generator was inspected twice.");
        await app.AddDocumentAsync("Note 10", "The crane was inspected in May.");

        // Now inspected is in six chunks of eleven: BM25 gives it no weight, so it is not searched for, and the chunk
        // with the most of the other words comes first although it lacks inspected.
        var found = await SearchAsync(app, "turbine bearings inspected", topK: 9);

        Assert.Equal([ids[1], ids[0]], found[..2]);
        Assert.Equal(new[] { ids[0], ids[1], ids[6], ids[7] }.Order(), found.Order());
    }

    [Fact]
    public async Task WhenNoChunkHasEveryWordChunksWithSomeOfThemAreFound()
    {
        await using var app = new GroundworkApp();
        var ids = await AddCorpusAsync(app);

        var found = await SearchAsync(app, "helium turbine", topK: 9);

        Assert.Equal(ids[8], found[0]);
        Assert.Equal(new[] { ids[0], ids[1], ids[6], ids[7], ids[8] }.Order(), found.Order());
    }

    [Fact]
    public async Task TheBestChunkIsFoundAmongMoreThan2000NewerChunksWithTheWord()
    {
        // Chunks of a sentence each: the log below is 2,400 chunks, every one with the word, all added after the manual.
        await using var app = new GroundworkApp(new Dictionary<string, string?> { ["Chunking:MaxTokens"] = "16", ["Chunking:OverlapTokens"] = "0" });
        var manual = await app.AddDocumentAsync("Manual", "Valve, valve, valve: the valve.");
        var log = await app.AddDocumentAsync("Log", string.Join(' ', Enumerable.Range(1, 2_400).Select(i => $"Entry {i} names a valve in passing today.")));

        var found = await SearchAsync(app, "valve", topK: 5);

        Assert.Equal(manual, found[0]);
        Assert.Equal([log, log, log, log], found[1..]);
    }

    [Fact]
    public async Task AfterARestartTheSameChunksComeWithTheSameScores()
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "groundwork-tests", Guid.NewGuid().ToString("N"));
        string[] queries = ["turbine bearings inspected", "helium turbine", "inspected cables", "storm valve"];
        var before = new List<string>();
        try
        {
            await using (var app = new GroundworkApp(dataPath: dataPath))
            {
                await AddCorpusAsync(app);
                foreach (var query in queries)
                {
                    before.Add(await FingerprintAsync(app, query));
                }
            }

            await using (var restarted = new GroundworkApp(dataPath: dataPath))
            {
                using var client = restarted.CreateClient();
                await restarted.Services.GetRequiredService<KeywordIndexes>().Built.WaitAsync(TestContext.Current.CancellationToken);
                Assert.True(restarted.Services.GetRequiredService<KeywordIndexes>().TryGetReady(await DefaultTenantAsync(restarted), out _));
                foreach (var (query, i) in queries.Select((q, i) => (q, i)))
                {
                    Assert.Equal(before[i], await FingerprintAsync(restarted, query));
                }
            }
        }
        finally
        {
            Directory.Delete(dataPath, recursive: true);
        }
    }

    [Fact]
    public async Task WhileATenantsIndexIsBuiltSearchesAnswerFromFts5()
    {
        await using var app = new GroundworkApp();
        var ids = await AddCorpusAsync(app);
        string[] queries = ["turbine bearings inspected zeppelin", "helium turbine", "inspected cables", "storm valve"];
        var fromIndex = new List<long[]>();
        foreach (var query in queries)
        {
            fromIndex.Add(await SearchAsync(app, query, topK: 9));
        }

        var index = app.Services.GetRequiredService<KeywordIndexes>().BeginBuild(await DefaultTenantAsync(app));
        try
        {
            Assert.False(index.IsReady);
            // The same best chunk and the same chunks; equal scores may come in another order (FTS5 breaks ties by row).
            for (var i = 0; i < queries.Length; i++)
            {
                var fromFts5 = await SearchAsync(app, queries[i], topK: 9);
                Assert.Equal(fromIndex[i][0], fromFts5[0]);
                Assert.Equal(fromIndex[i].Order(), fromFts5.Order());
            }

            // A document added meanwhile is found by both.
            var added = await app.AddDocumentAsync("Airships", "The zeppelin is moored at the mast.");
            Assert.Equal([added], await SearchAsync(app, "zeppelin", topK: 9));
        }
        finally
        {
            index.EndBuild();
        }

        Assert.Equal(fromIndex[1], await SearchAsync(app, queries[1], topK: 9));
        Assert.Contains(ids[8], fromIndex[1]);
    }

    private static async Task<string> FingerprintAsync(GroundworkApp app, string query)
    {
        using var client = app.CreateClient();
        var response = await client.PostAsJsonAsync("/search", new { query, mode = "keyword", top_k = 9 }, GroundworkApp.Json,
            TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return string.Join("; ", body.GetProperty("results").EnumerateArray()
            .Select(r => $"{r.GetProperty("chunk_id").GetInt64()}:{r.GetProperty("score").GetDouble():R}"));
    }

    private static async Task<long> DefaultTenantAsync(GroundworkApp app)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        return await db.Chunks.Select(c => c.TenantId).FirstAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task OnlyTheFirst32DistinctWordsOfALongQueryAreSearched()
    {
        await using var app = new GroundworkApp();
        var ids = await AddCorpusAsync(app);
        var filler = string.Join(' ', Enumerable.Range(1, 32).Select(i => $"filler{i}"));

        Assert.Equal([ids[8]], await SearchAsync(app, "helium " + filler, topK: 9));
        Assert.Empty(await SearchAsync(app, filler + " helium", topK: 9));
    }

    [Fact]
    public async Task AWordNoChunkHadIsFoundAsSoonAsADocumentWithItIsReady()
    {
        await using var app = new GroundworkApp();
        await AddCorpusAsync(app);
        // Counted as in no chunk, and remembered as such.
        Assert.Empty(await SearchAsync(app, "zeppelin", topK: 9));
        Assert.Empty(await SearchAsync(app, "zeppelin", topK: 9));

        var added = await app.AddDocumentAsync("Airships", "The zeppelin is moored at the mast.");

        Assert.Equal([added], await SearchAsync(app, "zeppelin", topK: 9));
    }

    private static async Task<long[]> AddCorpusAsync(GroundworkApp app)
    {
        var ids = new long[Corpus.Length];
        for (var i = 0; i < Corpus.Length; i++)
        {
            ids[i] = await app.AddDocumentAsync($"Note {i}", Corpus[i]);
        }

        return ids;
    }

    private static async Task<long[]> SearchAsync(GroundworkApp app, string query, int topK, object? filter = null) =>
        [.. (await ChunksAsync(app, query, topK, filter)).Select(c => c.Document)];

    private static async Task<(long Document, long Chunk)[]> ChunksAsync(GroundworkApp app, string query, int topK, object? filter = null,
        string mode = "keyword")
    {
        using var client = app.CreateClient();
        var response = await client.PostAsJsonAsync("/search", new { query, mode, top_k = topK, filter }, GroundworkApp.Json,
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return [.. body.GetProperty("results").EnumerateArray().Select(r => (r.GetProperty("document_id").GetInt64(), r.GetProperty("chunk_id").GetInt64()))];
    }
}
