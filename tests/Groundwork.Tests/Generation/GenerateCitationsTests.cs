using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Generation;

/// <summary>/generate with the built-in local model: hybrid retrieval, sources that locate their chunks, citations that map to them.</summary>
public sealed class GenerateCitationsTests : AppTest
{
    private const string HandbookText =
        "New employees receive their laptop from the Orion help desk on the first morning. " +
        "The help desk is on the third floor next to the library.";

    private const string BakeryText = "Sourdough bread needs a starter fed with flour and water every day.";

    [Fact]
    public async Task LocalAnswerCitationsPointAtTheirMarkersAndTheSourcesTheSentencesCameFrom()
    {
        var handbook = await App.AddDocumentAsync("Employee handbook", HandbookText);
        var bakery = await App.AddDocumentAsync("Bakery notes", BakeryText);

        var answer = await App.GenerateAsync(new { text = "Where is the Orion help desk?", model = "local" });

        var text = answer.GetProperty("text").GetString()!;
        var sources = answer.GetProperty("sources").EnumerateArray().ToArray();
        Assert.Equal(Enumerable.Range(1, sources.Length), sources.Select(s => s.GetProperty("number").GetInt32()));
        var citations = answer.GetProperty("citations").EnumerateArray().ToArray();
        Assert.NotEmpty(citations);
        Assert.Empty(answer.GetProperty("unmatched_citations").EnumerateArray());

        var quotedFrom = 0;
        foreach (var citation in citations)
        {
            var number = citation.GetProperty("number").GetInt32();
            var start = citation.GetProperty("start").GetInt32();
            var end = citation.GetProperty("end").GetInt32();
            Assert.Equal($"[{number}]", text[start..end]);

            var source = sources[number - 1];
            Assert.Equal(source.GetProperty("document_id").GetInt64(), citation.GetProperty("document_id").GetInt64());
            Assert.Equal(source.GetProperty("chunk_id").GetInt64(), citation.GetProperty("chunk_id").GetInt64());
            Assert.True(source.GetProperty("cited").GetBoolean());

            // The local model quotes whole sentences: the one before the marker is in the cited chunk.
            var sentence = text[quotedFrom..start].Trim();
            Assert.Contains(sentence, source.GetProperty("snippet").GetString());
            quotedFrom = end;
        }

        Assert.Contains("third floor", text);
        Assert.Contains("local extractive model", text);
        var handbookSource = Assert.Single(sources, s => s.GetProperty("document_id").GetInt64() == handbook);
        Assert.True(handbookSource.GetProperty("cited").GetBoolean());
        var bakerySource = Assert.Single(sources, s => s.GetProperty("document_id").GetInt64() == bakery);
        Assert.False(bakerySource.GetProperty("cited").GetBoolean());
    }

    [Fact]
    public async Task HybridRetrievalFindsAnExactProductCodeThatVectorSearchMisses()
    {
        var catalogue = await AddWarrantyCorpusAsync(App);
        // The premise: by meaning alone the catalogue entry is not among the top 5; by words it is the best match.
        Assert.DoesNotContain(catalogue, await SearchDocumentIdsAsync(WarrantyQuestion, "vector"));
        Assert.Equal(catalogue, (await SearchDocumentIdsAsync(WarrantyQuestion, "keyword"))[0]);

        var answer = await App.GenerateAsync(new { text = WarrantyQuestion, model = "local" });

        Assert.Contains(catalogue, answer.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("document_id").GetInt64()));
    }

    [Fact]
    public async Task GenerateModeVectorRetrievesByMeaningOnly()
    {
        await using var app = new GroundworkApp(new Dictionary<string, string?> { ["Search:GenerateMode"] = "vector" });
        var catalogue = await AddWarrantyCorpusAsync(app);

        var answer = await app.GenerateAsync(new { text = WarrantyQuestion, model = "local" });

        var sources = answer.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("document_id").GetInt64()).ToArray();
        Assert.Equal(5, sources.Length);
        Assert.DoesNotContain(catalogue, sources);
    }

    private const string WarrantyQuestion = "Which warranty covers XR-7730?";

    /// <summary>Seven guarantee policies and one catalogue entry that only shares the product code with the question.</summary>
    private static async Task<long> AddWarrantyCorpusAsync(GroundworkApp app)
    {
        var catalogue = await app.AddDocumentAsync("Catalogue", "Catalogue entry XR-7730: a brass hinge for garden gates, sold in packs of four.");
        string[] guarantees =
        [
            "Kettles come with a two-year guarantee against manufacturing defects.",
            "Laptops are protected by a three-year repair guarantee from date of purchase.",
            "Guarantee claims need an original receipt and a description of a fault.",
            "Extended guarantee plans can be bought within thirty days of buying an appliance.",
            "Vacuum cleaners carry a five-year guarantee on their motors.",
            "Faulty toasters are replaced free of charge within one year under our guarantee.",
            "A guarantee period starts on delivery, not on order.",
        ];
        foreach (var (text, i) in guarantees.Select((text, i) => (text, i)))
        {
            await app.AddDocumentAsync($"Guarantee policy {i + 1}", text);
        }

        return catalogue;
    }

    [Fact]
    public async Task SourceOffsetsLocateTheChunkInTheDocumentText()
    {
        var paragraphs = Enumerable.Range(1, 40).Select(i =>
            $"Paragraph {i} describes maintenance step {i} of the cooling loop in careful detail, including valve {i * 7} and gauge {i * 3}.");
        var manual = await App.AddDocumentAsync("Maintenance", string.Join("\n\n", paragraphs));
        await App.AddDocumentAsync("Bakery notes", BakeryText);
        const string question = "Which valve belongs to maintenance step 27?";

        var answer = await App.GenerateAsync(new { text = question, model = "local" });

        var searched = await Client.PostAsJsonAsync("/search", new { query = question, top_k = 5, mode = "hybrid" },
            GroundworkApp.Json, TestContext.Current.CancellationToken);
        var chunkTexts = (await searched.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken))
            .GetProperty("results").EnumerateArray()
            .ToDictionary(hit => hit.GetProperty("chunk_id").GetInt64(), hit => hit.GetProperty("text").GetString());
        var sources = answer.GetProperty("sources").EnumerateArray().ToArray();
        Assert.Equal(chunkTexts.Keys.Order(), sources.Select(s => s.GetProperty("chunk_id").GetInt64()).Order());
        Assert.Contains(sources, s => s.GetProperty("document_id").GetInt64() == manual && s.GetProperty("start_offset").GetInt32() > 0);

        foreach (var source in sources)
        {
            var document = await Client.GetFromJsonAsync<JsonElement>($"/documents/{source.GetProperty("document_id").GetInt64()}",
                TestContext.Current.CancellationToken);
            var documentText = document.GetProperty("text").GetString()!;
            var chunk = documentText[source.GetProperty("start_offset").GetInt32()..source.GetProperty("end_offset").GetInt32()];
            Assert.Equal(chunkTexts[source.GetProperty("chunk_id").GetInt64()], chunk);
            Assert.StartsWith(source.GetProperty("snippet").GetString()!.TrimEnd('…'), chunk);
            Assert.Equal(JsonValueKind.Null, source.GetProperty("page_start").ValueKind);
            Assert.Equal(JsonValueKind.Null, source.GetProperty("page_end").ValueKind);
        }
    }

    private async Task<long[]> SearchDocumentIdsAsync(string query, string mode)
    {
        var response = await Client.PostAsJsonAsync("/search", new { query, top_k = 5, mode }, GroundworkApp.Json, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return [.. body.GetProperty("results").EnumerateArray().Select(hit => hit.GetProperty("document_id").GetInt64())];
    }
}
