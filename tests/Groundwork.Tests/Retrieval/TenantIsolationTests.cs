using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Retrieval;

/// <summary>
/// Tenants beside each other in one service, over real HTTP, SQLite and the real model: each tenant's search, scores,
/// duplicates and documents are its own, whatever other tenants hold.
/// </summary>
public sealed class TenantIsolationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Modes = ["vector", "keyword", "hybrid"];

    private static async Task<long> AddAsync(HttpClient client, object document, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await client.PostAsJsonAsync("/documents?wait=true", document, GroundworkApp.Json, Ct);
        Assert.Equal(expected, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("id").GetInt64();
    }

    private static async Task<JsonElement[]> SearchAsync(HttpClient client, string query, string mode, object? filter, int topK = 5)
    {
        var response = await client.PostAsJsonAsync("/search", new { query, mode, top_k = topK, filter }, GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("results").EnumerateArray()];
    }

    /// <summary>What identifies a result and what it scored: equal before and after other tenants' uploads.</summary>
    private static string Fingerprint(JsonElement[] results) =>
        string.Join("; ", results.Select(r =>
            $"{r.GetProperty("chunk_id").GetInt64()}:{r.GetProperty("score").GetDouble():R}:{r.GetProperty("relevance").GetDouble():R}"));

    [Fact]
    public async Task ASmallTenantsResultsAndScoresAreItsOwnWhateverABigTenantAdds()
    {
        await using var app = new GroundworkApp();
        using var small = await app.CreateTenantClientAsync("editor");
        using var big = await app.CreateTenantClientAsync("editor");
        var smallDocuments = new HashSet<long>();
        string[] smallTexts =
        [
            "The reactor coolant pump circulates water through the primary loop.",
            "Reactor cooling relies on two redundant heat exchangers in the basement.",
            "The cafeteria serves soup on Mondays and fish on Fridays.",
            "Coolant leaks are reported to the shift supervisor at once.",
            "Parking permits are renewed every January at the front desk.",
            "The reactor hall is cleaned every night by the facilities team.",
        ];
        for (var i = 0; i < smallTexts.Length; i++)
        {
            smallDocuments.Add(await AddAsync(small.Http, new { title = $"Note {i}", text = smallTexts[i], tags = new[] { i % 2 == 0 ? "ops" : "misc" } }));
        }

        string[] queries = ["How is the reactor cooled?", "reactor coolant pump", "cafeteria soup"];
        object?[] filters = [null, new { tags = new { any = new[] { "ops" } } }];
        var before = new Dictionary<string, string>();
        foreach (var query in queries)
        {
            foreach (var mode in Modes)
            {
                foreach (var filter in filters)
                {
                    var results = await SearchAsync(small.Http, query, mode, filter);
                    Assert.NotEmpty(results);
                    before[$"{query}|{mode}|{filter is not null}"] = Fingerprint(results);
                }
            }
        }

        // The big tenant's chunks match every query better than the small tenant's, and carry the same tags.
        var bigTexts = Enumerable.Range(0, 120).Select(i =>
            $"How is the reactor cooled? The reactor coolant pump {i} cools the reactor; reactor coolant, reactor cooling, cafeteria soup {i}.").ToList();
        var bigDocuments = new HashSet<long>();
        foreach (var batch in bigTexts.Chunk(20))
        {
            var uploads = batch.Select(text => AddAsync(big.Http, new { title = "Big note", text, tags = new[] { "ops" } }));
            foreach (var id in await Task.WhenAll(uploads))
            {
                bigDocuments.Add(id);
            }
        }

        foreach (var query in queries)
        {
            foreach (var mode in Modes)
            {
                foreach (var filter in filters)
                {
                    var results = await SearchAsync(small.Http, query, mode, filter);
                    Assert.All(results, r => Assert.Contains(r.GetProperty("document_id").GetInt64(), smallDocuments));
                    // Same chunks, same order, same BM25/cosine/fused scores and relevance: the big tenant changed nothing.
                    Assert.Equal(before[$"{query}|{mode}|{filter is not null}"], Fingerprint(results));

                    var theirs = await SearchAsync(big.Http, query, mode, filter);
                    Assert.Equal(5, theirs.Length);
                    Assert.All(theirs, r => Assert.Contains(r.GetProperty("document_id").GetInt64(), bigDocuments));
                }
            }
        }

        // Top-k is filled from the tenant's own chunks: all of its filtered ones when it has fewer than k.
        var ops = await SearchAsync(small.Http, "reactor", "vector", filters[1], topK: 10);
        Assert.Equal(3, ops.Length);
    }

    [Fact]
    public async Task AddingManyDocumentsToOneTenantLeavesAnotherTenantsKeywordScoresAlone()
    {
        await using var app = new GroundworkApp();
        using var a = await app.CreateTenantClientAsync("editor");
        using var b = await app.CreateTenantClientAsync("editor");
        await AddAsync(a.Http, new { title = "Valves", text = "The valve on the boiler was replaced after the valve inspection." });
        await AddAsync(a.Http, new { title = "Boiler", text = "The boiler room is locked at night." });
        await AddAsync(a.Http, new { title = "Garden", text = "Roses are pruned in March." });
        var before = Fingerprint(await SearchAsync(a.Http, "boiler valve", "keyword", null));

        // In B, "boiler" is in every chunk (BM25 would weigh it at zero over a shared table) and "valve" in none.
        foreach (var batch in Enumerable.Range(0, 60).Chunk(20))
        {
            await Task.WhenAll(batch.Select(i => AddAsync(b.Http, new { title = $"B{i}", text = $"Boiler log entry {i}: the boiler ran for {i} hours." })));
        }

        Assert.Equal(before, Fingerprint(await SearchAsync(a.Http, "boiler valve", "keyword", null)));
        Assert.Equal(before, Fingerprint(await SearchAsync(a.Http, "boiler valve", "keyword", null)));
    }

    [Fact]
    public async Task TheSameContentInTwoTenantsIsTwoDocumentsAndExternalIdsArePerTenant()
    {
        await using var app = new GroundworkApp();
        using var x = await app.CreateTenantClientAsync("editor");
        using var y = await app.CreateTenantClientAsync("editor");
        var text = "The quarterly report is due on the fifth working day.";

        var inX = await AddAsync(x.Http, new { title = "Report", text });
        var inY = await AddAsync(y.Http, new { title = "Report", text });
        Assert.NotEqual(inX, inY);
        // Within a tenant the same content is a duplicate of its own document.
        Assert.Equal(inX, await AddAsync(x.Http, new { title = "Report", text }, HttpStatusCode.OK));
        Assert.Equal(inY, await AddAsync(y.Http, new { title = "Report", text }, HttpStatusCode.OK));

        var xV1 = await AddAsync(x.Http, new { title = "Manual", text = "Version one of the manual.", external_id = "manual" });
        var yV1 = await AddAsync(y.Http, new { title = "Manual", text = "Version two of the manual.", external_id = "manual" });
        Assert.Equal(HttpStatusCode.OK, (await x.Http.GetAsync($"/documents/{xV1}", Ct)).StatusCode);
        // Y sending X's content under the same external id is a new document of Y's, replacing Y's own version only.
        var yV2 = await AddAsync(y.Http, new { title = "Manual", text = "Version one of the manual.", external_id = "manual" });
        Assert.NotEqual(xV1, yV2);
        Assert.Equal(HttpStatusCode.NotFound, (await y.Http.GetAsync($"/documents/{yV1}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await x.Http.GetAsync($"/documents/{xV1}", Ct)).StatusCode);

        var listed = await x.Http.GetFromJsonAsync<JsonElement>("/documents?external_id=manual", GroundworkApp.Json, Ct);
        Assert.Equal([xV1], listed.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("id").GetInt64()));

        var xV2 = await AddAsync(x.Http, new { title = "Manual", text = "Version three of the manual.", external_id = "manual" });
        Assert.Equal(HttpStatusCode.NotFound, (await x.Http.GetAsync($"/documents/{xV1}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await x.Http.GetAsync($"/documents/{xV2}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await y.Http.GetAsync($"/documents/{yV2}", Ct)).StatusCode);
    }

    [Fact]
    public async Task AnotherTenantsDocumentIsNotFoundExactlyAsAnUnknownOne()
    {
        await using var app = new GroundworkApp();
        using var owner = await app.CreateTenantClientAsync("editor");
        using var other = await app.CreateTenantClientAsync("editor");
        var id = await AddAsync(owner.Http, new { title = "Secret plan", text = "The plan is kept in the owner's tenant." });
        var unknown = id ^ 1;

        async Task<string> BodyAsync(HttpResponseMessage response, long requested)
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
            // Everything but the trace id, with the requested id written as a placeholder.
            return string.Join("|", body.EnumerateObject().Where(p => p.Name is not ("traceId" or "trace_id"))
                .Select(p => p.Name + "=" + p.Value.ToString().Replace(requested.ToString(System.Globalization.CultureInfo.InvariantCulture), "{id}")));
        }

        var getOthers = await BodyAsync(await other.Http.GetAsync($"/documents/{id}", Ct), id);
        var getUnknown = await BodyAsync(await other.Http.GetAsync($"/documents/{unknown}", Ct), unknown);
        Assert.Equal(getUnknown, getOthers);
        var deleteOthers = await BodyAsync(await other.Http.DeleteAsync($"/documents/{id}", Ct), id);
        var deleteUnknown = await BodyAsync(await other.Http.DeleteAsync($"/documents/{unknown}", Ct), unknown);
        Assert.Equal(deleteUnknown, deleteOthers);

        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync($"/documents/{id}", Ct)).StatusCode);
        var stats = await other.Http.GetFromJsonAsync<JsonElement>("/documents/stats", GroundworkApp.Json, Ct);
        Assert.Equal(0, stats.GetProperty("chunks").GetInt64());
        Assert.Equal(0, stats.GetProperty("indexed_vectors").GetInt64());
        Assert.Equal(0, stats.GetProperty("documents").GetProperty("ready").GetInt32());
        var list = await other.Http.GetFromJsonAsync<JsonElement>("/documents", GroundworkApp.Json, Ct);
        Assert.Equal(0, list.GetProperty("total").GetInt32());
    }
}
