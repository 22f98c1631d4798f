using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Groundwork.Documents;

namespace Groundwork.Tests.Documents;

/// <summary>Headings as uploaded documents are chunked: with the text under them, and as each chunk's heading path.</summary>
public sealed class HeadingChunkTests : AppTest
{
    private const string Handbook = """
        # Employee Handbook 2026

        ## Team notes

        ### Leave

        Everyone gets thirty days of paid leave a year; ask your manager a month ahead.

        ### Sick days

        Call in before nine.

        ## Equipment

        ### Laptops

        Laptops come from the Orion help desk on the third floor on your first morning.

        ## Contacts
        """;

    private static readonly (string? Style, string Text)[] ServiceManual =
    [
        ("Title", "Service Manual"),
        ("Heading1", "Installation"),
        ("Heading2", "Wiring"),
        (null, "The red wire goes to terminal L1 and the blue wire to terminal N."),
        ("Heading2", "Fuses"),
        (null, "Use 10 A fuses."),
        ("Heading1", "Maintenance"),
        (null, "Clean the intake filter every three months with warm water."),
    ];

    private async Task<JsonElement> UploadAsync(byte[] bytes, string fileName, string contentType)
    {
        var response = await Client.PostAsync("/documents?wait=true", TestDocuments.Form([(bytes, fileName, contentType)]),
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return Assert.Single(body.GetProperty("documents").EnumerateArray());
    }

    private async Task<List<JsonElement>> SearchAsync(string query, int topK, object? filter = null)
    {
        var response = await Client.PostAsJsonAsync("/search", new { query, mode = "vector", top_k = topK, filter }, GroundworkApp.Json,
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return [.. body.GetProperty("results").EnumerateArray()];
    }

    /// <summary>Every chunk of the document, in document order.</summary>
    private async Task<List<JsonElement>> ChunksAsync(long documentId) =>
        [.. (await SearchAsync("anything", 50, new { document_id = documentId })).OrderBy(c => c.GetProperty("start_offset").GetInt32())];

    private async Task<string> TextAsync(long documentId) =>
        (await Client.GetFromJsonAsync<JsonElement>($"/documents/{documentId}", TestContext.Current.CancellationToken))
        .GetProperty("text").GetString()!;

    [Fact]
    public async Task MarkdownWithSeveralHeadingsAndShortSectionsHasNoHeadingOnlyChunk()
    {
        var document = await UploadAsync(Encoding.UTF8.GetBytes(Handbook), "handbook.md", "text/markdown");
        var id = document.GetProperty("id").GetInt64();

        var chunks = await ChunksAsync(id);
        var text = await TextAsync(id);

        Assert.Equal(2, document.GetProperty("chunk_count").GetInt32());
        Assert.Equal(2, chunks.Count);
        Assert.All(chunks, c =>
        {
            var chunk = c.GetProperty("text").GetString()!;
            Assert.Equal(text[c.GetProperty("start_offset").GetInt32()..c.GetProperty("end_offset").GetInt32()], chunk);
            Assert.True(TestDocuments.ProseCharacters(chunk) >= Chunker.MinProseCharacters, $"too little prose: {chunk}");
        });
        Assert.StartsWith("# Employee Handbook 2026\n\n## Team notes\n\n### Leave\n\nEveryone", chunks[0].GetProperty("text").GetString());
        Assert.EndsWith("### Sick days\n\nCall in before nine.", chunks[0].GetProperty("text").GetString());
        Assert.EndsWith("first morning.\n\n## Contacts", chunks[1].GetProperty("text").GetString());
        Assert.Equal(["Employee Handbook 2026 › Team notes › Leave", "Employee Handbook 2026 › Equipment › Laptops"],
            chunks.Select(c => c.GetProperty("heading_path").GetString()));
    }

    [Fact]
    public async Task UnrelatedQuestionFindsNoHeadingOnlyPassages()
    {
        await UploadAsync(Encoding.UTF8.GetBytes(Handbook), "handbook.md", "text/markdown");
        await App.AddDocumentAsync("Canteen", "The canteen on the ground floor serves lentil soup on Thursdays and fish on Fridays.");

        var results = await SearchAsync("What does the canteen serve on Thursdays?", 5);

        Assert.Equal(3, results.Count);
        Assert.Equal("Canteen", results[0].GetProperty("title").GetString());
        Assert.All(results, r => Assert.True(TestDocuments.ProseCharacters(r.GetProperty("text").GetString()!) >= Chunker.MinProseCharacters));
    }

    [Fact]
    public async Task DocxWithHeadingsHasNoHeadingOnlyChunkAndKeepsItsHeadingPaths()
    {
        var document = await UploadAsync(TestDocuments.BuildDocx(null, ServiceManual), "manual.docx", TestDocuments.Docx);
        var id = document.GetProperty("id").GetInt64();

        var chunks = await ChunksAsync(id);

        Assert.Equal("Service Manual", document.GetProperty("title").GetString());
        Assert.All(chunks, c => Assert.True(TestDocuments.ProseCharacters(c.GetProperty("text").GetString()!) >= Chunker.MinProseCharacters));
        // The Title paragraph is a level-1 heading like Heading 1, so Installation replaces it in the path.
        Assert.Equal(["Installation › Wiring", "Maintenance"], chunks.Select(c => c.GetProperty("heading_path").GetString()));
        Assert.Equal("# Service Manual\n\n# Installation\n\n## Wiring\n\nThe red wire goes to terminal L1 and the blue wire to terminal N.\n\n" +
                     "## Fuses\n\nUse 10 A fuses.", chunks[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task SearchResultsAndGenerateSourcesCarryTheHeadingPath()
    {
        await UploadAsync(TestDocuments.BuildDocx(null, ServiceManual), "manual.docx", TestDocuments.Docx);
        await UploadAsync(Encoding.UTF8.GetBytes(Handbook), "handbook.md", "text/markdown");

        var hit = (await SearchAsync("Where do laptops come from?", 1))[0];
        var answer = await App.GenerateAsync(new { text = "Which terminal does the red wire go to?", model = "local" });

        Assert.Equal("Employee Handbook 2026 › Equipment › Laptops", hit.GetProperty("heading_path").GetString());
        var source = answer.GetProperty("sources")[0];
        Assert.Equal("Service Manual", source.GetProperty("title").GetString());
        Assert.Equal("Installation › Wiring", source.GetProperty("heading_path").GetString());
        Assert.Contains("terminal L1", answer.GetProperty("text").GetString());
    }

    [Fact]
    public async Task DocumentWithoutHeadingsHasEmptyHeadingPaths()
    {
        await App.AddDocumentAsync("Reactor manual", "The Zorblax reactor is cooled by liquid helium kept at four kelvin.");

        var hit = Assert.Single(await SearchAsync("What cools the reactor?", 5));

        Assert.Equal("", hit.GetProperty("heading_path").GetString());
    }
}
