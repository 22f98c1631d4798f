using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Documents;

public sealed class DocumentsTests : AppTest
{
    private const string ReactorText =
        "The Zorblax reactor is cooled by liquid helium kept at four kelvin. " +
        "Its control rods are made of hafnium and are inspected every ninety days.\n\n" +
        "The reactor was commissioned in 2031 at the Tarn research station.";

    [Fact]
    public async Task AddedDocumentIsListedAndReadBackWithItsMetadata()
    {
        var response = await Client.PostAsJsonAsync("/documents?wait=true",
            new { title = "Reactor manual", text = ReactorText, metadata = new Dictionary<string, string> { ["team"] = "ops" } },
            GroundworkApp.Json, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var id = created.GetProperty("id").GetInt64();
        Assert.True(created.GetProperty("chunk_count").GetInt32() >= 1);

        var document = await Client.GetFromJsonAsync<JsonElement>($"/documents/{id}", TestContext.Current.CancellationToken);
        Assert.Equal(ReactorText, document.GetProperty("text").GetString());
        Assert.Equal("ops", document.GetProperty("metadata").GetProperty("team").GetString());

        var page = await Client.GetFromJsonAsync<JsonElement>("/documents", TestContext.Current.CancellationToken);
        Assert.Equal(1, page.GetProperty("total").GetInt32());
        Assert.Equal(id, page.GetProperty("items")[0].GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task LocalAnswerQuotesTheDocumentAndCitesItAsASource()
    {
        var reactor = await App.AddDocumentAsync("Reactor manual", ReactorText);
        await App.AddDocumentAsync("Bakery notes", "Sourdough bread needs a starter fed with flour and water every day.");

        var answer = await App.GenerateAsync(new { text = "What is the Zorblax reactor cooled by?", model = "local" });

        var text = answer.GetProperty("text").GetString()!;
        Assert.Contains("liquid helium", text);
        Assert.Contains("[1]", text);
        Assert.Contains("local extractive model", text);
        var first = answer.GetProperty("sources")[0];
        Assert.Equal(reactor, first.GetProperty("document_id").GetInt64());
        Assert.Equal("Reactor manual", first.GetProperty("title").GetString());
        Assert.Contains("liquid helium", first.GetProperty("snippet").GetString());
        Assert.Equal("local", answer.GetProperty("model").GetString());
        var usage = answer.GetProperty("usage");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64() + usage.GetProperty("completion_tokens").GetInt64(),
            usage.GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public async Task DeletedDocumentNoLongerAppearsInAnswers()
    {
        var reactor = await App.AddDocumentAsync("Reactor manual", ReactorText);
        var bakery = await App.AddDocumentAsync("Bakery notes", "Sourdough bread needs a starter fed with flour and water every day.");

        var deleted = await Client.DeleteAsync($"/documents/{reactor}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/documents/{reactor}", TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.DeleteAsync($"/documents/{reactor}", TestContext.Current.CancellationToken)).StatusCode);

        var answer = await App.GenerateAsync(new { text = "What is the Zorblax reactor cooled by?", model = "local" });
        var sources = answer.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("document_id").GetInt64()).ToArray();
        Assert.Equal([bakery], sources);
        Assert.DoesNotContain("helium", answer.GetProperty("text").GetString());
    }

    [Fact]
    public async Task LongDocumentIsSplitIntoChunksThatEachFitTheModelWindow()
    {
        var paragraphs = Enumerable.Range(1, 60).Select(i =>
            $"Paragraph {i} describes maintenance step {i} of the cooling loop in careful detail, including valve {i * 7} and gauge {i * 3}.");
        var text = string.Join("\n\n", paragraphs);
        var id = await App.AddDocumentAsync("Maintenance", text);
        var document = await Client.GetFromJsonAsync<JsonElement>($"/documents/{id}", TestContext.Current.CancellationToken);
        Assert.True(document.GetProperty("chunk_count").GetInt32() > 3);

        var answer = await App.GenerateAsync(new { text = "Which valve belongs to maintenance step 42?", model = "local" });
        Assert.Contains("valve 294", answer.GetProperty("text").GetString());
    }

    [Fact]
    public async Task InvalidDocumentNamesEveryBadField()
    {
        var response = await Client.PostAsJsonAsync("/documents", new { title = "", text = "", metadata = new { n = new[] { 1 } } },
            GroundworkApp.Json, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(["metadata", "text", "title"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray());
    }
}
