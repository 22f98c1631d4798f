using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Documents;

/// <summary>GET /documents filters (title, tag, source, created dates, metadata) and GET /documents/{id}/chunks, over real HTTP.</summary>
public sealed class DocumentListFilterTests : AppTest
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<long> AddAsync(HttpClient client, object document)
    {
        var response = await client.PostAsJsonAsync("/documents?wait=true", document, GroundworkApp.Json, Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("id").GetInt64();
    }

    private async Task<string[]> TitlesAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync("/documents?" + query, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var titles = page.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("title").GetString()!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(titles.Length, page.GetProperty("total").GetInt32());
        return titles;
    }

    private async Task SeedAsync(HttpClient client)
    {
        await AddAsync(client, new
        {
            title = "Reactor Manual", text = "The reactor is cooled by helium kept at four kelvin.", tags = new[] { "ops", "say \"hi\"" },
            source = "https://wiki.example/ops/reactor", created_at = "2025-03-10T08:00:00Z",
            metadata = new Dictionary<string, object> { ["team"] = "ops", ["revision"] = 3, ["reviewed"] = true },
        });
        await AddAsync(client, new
        {
            title = "Canteen menu", text = "The canteen serves lentil soup on Thursdays.", tags = new[] { "food", "50%_off" },
            source = "https://wiki.example/food/menu", created_at = "2025-06-01T12:00:00Z",
            metadata = new Dictionary<string, object> { ["team"] = "kitchen", ["revision"] = 12, ["reviewed"] = false },
        });
        await AddAsync(client, new
        {
            title = "Ops handbook", text = "Night shifts check the boiler every two hours.", tags = new[] { "Ops" },
            source = "file:///share/handbook.md", created_at = "2025-06-02T00:00:00Z",
        });
    }

    [Fact]
    public async Task TitleMatchesAnyPartIgnoringCaseAndTreatsWildcardsLiterally()
    {
        await SeedAsync(Client);

        Assert.Equal(["Ops handbook"], await TitlesAsync(Client, "title=BOOK"));
        Assert.Equal(["Canteen menu", "Ops handbook", "Reactor Manual"], await TitlesAsync(Client, "title=an"));
        Assert.Equal(["Reactor Manual"], await TitlesAsync(Client, "title=reactor%20man"));
        Assert.Empty(await TitlesAsync(Client, "title=%25"));
        Assert.Empty(await TitlesAsync(Client, "title=_"));
    }

    [Fact]
    public async Task TagIsMatchedExactlyEvenWithQuotesAndWildcards()
    {
        await SeedAsync(Client);

        Assert.Equal(["Reactor Manual"], await TitlesAsync(Client, "tag=ops"));
        Assert.Equal(["Ops handbook"], await TitlesAsync(Client, "tag=Ops"));
        Assert.Equal(["Reactor Manual"], await TitlesAsync(Client, "tag=" + Uri.EscapeDataString("say \"hi\"")));
        Assert.Equal(["Canteen menu"], await TitlesAsync(Client, "tag=" + Uri.EscapeDataString("50%_off")));
        Assert.Empty(await TitlesAsync(Client, "tag=" + Uri.EscapeDataString("%")));
        Assert.Empty(await TitlesAsync(Client, "tag=" + Uri.EscapeDataString("\"ops\"")));
    }

    [Fact]
    public async Task SourceIsAPrefixComparedExactly()
    {
        await SeedAsync(Client);

        Assert.Equal(["Canteen menu", "Reactor Manual"], await TitlesAsync(Client, "source=" + Uri.EscapeDataString("https://wiki.example/")));
        Assert.Equal(["Reactor Manual"], await TitlesAsync(Client, "source=" + Uri.EscapeDataString("https://wiki.example/ops/reactor")));
        Assert.Empty(await TitlesAsync(Client, "source=" + Uri.EscapeDataString("HTTPS://wiki.example/")));
        Assert.Empty(await TitlesAsync(Client, "source=" + Uri.EscapeDataString("https://wiki.example/ops/reactor/more")));
    }

    [Fact]
    public async Task CreatedDatesAreInclusiveAndADateAloneCoversTheDay()
    {
        await SeedAsync(Client);

        Assert.Equal(["Canteen menu", "Ops handbook"], await TitlesAsync(Client, "created_from=2025-06-01"));
        Assert.Equal(["Canteen menu", "Reactor Manual"], await TitlesAsync(Client, "created_to=2025-06-01"));
        Assert.Equal(["Canteen menu"], await TitlesAsync(Client, "created_from=2025-06-01T12:00:00Z&created_to=2025-06-01T12:00:00Z"));
        Assert.Equal(["Reactor Manual"], await TitlesAsync(Client, "created_from=2025-03-10T09:00:00%2B01:00&created_to=2025-03-31"));
    }

    [Fact]
    public async Task MetadataValuesAreComparedAsText()
    {
        await SeedAsync(Client);

        Assert.Equal(["Reactor Manual"], await TitlesAsync(Client, "metadata.team=ops"));
        Assert.Equal(["Canteen menu"], await TitlesAsync(Client, "metadata.revision=12"));
        Assert.Equal(["Canteen menu"], await TitlesAsync(Client, "metadata.reviewed=false"));
        Assert.Equal(["Reactor Manual"], await TitlesAsync(Client, "metadata.reviewed=true&metadata.revision=3"));
        Assert.Empty(await TitlesAsync(Client, "metadata.reviewed=true&metadata.revision=12"));
        Assert.Empty(await TitlesAsync(Client, "metadata.missing=ops"));
        // Filters combine with the others.
        Assert.Equal(["Reactor Manual"], await TitlesAsync(Client, "metadata.team=ops&tag=ops&title=manual&status=ready"));
    }

    [Fact]
    public async Task InvalidParametersAreEachNamed()
    {
        var response = await Client.GetAsync(
            "/documents?created_from=yesterday&created_to=2025-13-01&metadata.=x&tag=" + new string('t', 101) + "&status=done", Cancel);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("errors");
        Assert.Equal(["created_from", "created_to", "metadata.", "status", "tag"],
            errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());

        var backwards = await Client.GetAsync("/documents?created_from=2025-06-02&created_to=2025-06-01", Cancel);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, backwards.StatusCode);
        Assert.True((await backwards.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("errors").TryGetProperty("created_to", out _));

        var repeated = await Client.GetAsync("/documents?metadata.team=a&metadata.team=b", Cancel);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, repeated.StatusCode);
    }

    [Fact]
    public async Task FiltersNeverReachAnotherTenantsDocuments()
    {
        using var other = await App.CreateTenantClientAsync("editor");
        await SeedAsync(Client);
        await AddAsync(other.Http, new { title = "Other manual", text = "Another tenant's helium notes.", tags = new[] { "ops" },
            source = "https://wiki.example/ops/other", metadata = new Dictionary<string, object> { ["team"] = "ops" } });

        Assert.Equal(["Other manual"], await TitlesAsync(other.Http, "tag=ops"));
        Assert.Equal(["Other manual"], await TitlesAsync(other.Http, "metadata.team=ops"));
        Assert.Equal(["Other manual"], await TitlesAsync(other.Http, "title=manual&source=https://wiki.example/"));
        Assert.Equal(["Reactor Manual"], await TitlesAsync(Client, "tag=ops&metadata.team=ops"));
    }

    [Fact]
    public async Task ChunksComeInOrderWithOffsetsIntoTheTextAndTokens()
    {
        var text = "# Cooling\n\n" + string.Join(' ', Enumerable.Range(1, 60).Select(i => $"Sentence {i} says the helium loop is checked.")) +
                   "\n\n# Rods\n\n" + string.Join(' ', Enumerable.Range(1, 60).Select(i => $"Line {i} says the hafnium rods are inspected."));
        var id = await AddAsync(Client, new { title = "Reactor", text });

        var response = await Client.GetAsync($"/documents/{id}/chunks", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var chunks = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("chunks").EnumerateArray().ToList();
        Assert.True(chunks.Count > 1);
        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => c.GetProperty("ordinal").GetInt32()));
        foreach (var chunk in chunks)
        {
            var start = chunk.GetProperty("start_offset").GetInt32();
            var end = chunk.GetProperty("end_offset").GetInt32();
            Assert.Equal(text[start..end], chunk.GetProperty("text").GetString());
            Assert.True(chunk.GetProperty("tokens").GetInt32() > 0);
            Assert.True(chunk.GetProperty("id").GetInt64() != 0);
            Assert.Equal(JsonValueKind.Null, chunk.GetProperty("page_start").ValueKind);
        }

        Assert.StartsWith("Rods", chunks[^1].GetProperty("heading_path").GetString());
    }

    [Fact]
    public async Task ChunksOfAnotherTenantsOrAnUnknownDocumentAreNotFound()
    {
        var id = await AddAsync(Client, new { title = "Reactor", text = "The reactor is cooled by helium kept at four kelvin." });
        using var other = await App.CreateTenantClientAsync("reader");

        Assert.Equal(HttpStatusCode.NotFound, (await other.Http.GetAsync($"/documents/{id}/chunks", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/documents/{id + 1}/chunks", Cancel)).StatusCode);
        using var reader = await App.CreateTenantClientAsync("reader", tenantId: (await Client.GetFromJsonAsync<JsonElement>("/me", Cancel))
            .GetProperty("tenant").GetProperty("id").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await reader.Http.GetAsync($"/documents/{id}/chunks", Cancel)).StatusCode);
    }
}
