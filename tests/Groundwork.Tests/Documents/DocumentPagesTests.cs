using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Documents;

/// <summary>GET /documents/{id} says where each page's text is for documents with pages, and nothing for others.</summary>
public sealed class DocumentPagesTests : IAsyncLifetime
{
    private readonly GroundworkApp _app = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task APdfHasItsPagesAsSpansOfItsText()
    {
        using var client = _app.CreateClient();
        var pdf = TestDocuments.BuildPdf("Plant log", "The boiler was checked by the night shift.", "The turbine was inspected at dawn.");
        var upload = await client.PostAsync("/documents?wait=true", TestDocuments.Form([(pdf, "log.pdf", "application/pdf")]), Ct);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var id = (await upload.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("documents")[0].GetProperty("id").GetInt64();

        var document = await client.GetFromJsonAsync<JsonElement>($"/documents/{id}", Ct);

        var text = document.GetProperty("text").GetString()!;
        var pages = document.GetProperty("pages").EnumerateArray()
            .Select(p => (Page: p.GetProperty("page").GetInt32(), Start: p.GetProperty("start").GetInt32(), End: p.GetProperty("end").GetInt32()))
            .ToList();
        Assert.Equal([1, 2], pages.Select(p => p.Page));
        Assert.Contains("boiler", text[pages[0].Start..pages[0].End]);
        Assert.DoesNotContain("turbine", text[pages[0].Start..pages[0].End]);
        Assert.Contains("turbine", text[pages[1].Start..pages[1].End]);
        Assert.True(pages[0].End <= pages[1].Start);
    }

    [Fact]
    public async Task ADocumentWithoutPagesHasNoPagesAndTheListHasNone()
    {
        var id = await _app.AddDocumentAsync("Reactor manual", "The Zorblax reactor is cooled by liquid helium.");
        using var client = _app.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>($"/documents/{id}", Ct);
        var list = await client.GetFromJsonAsync<JsonElement>("/documents", Ct);

        Assert.False(document.TryGetProperty("pages", out _));
        Assert.All(list.GetProperty("items").EnumerateArray(), item => Assert.False(item.TryGetProperty("pages", out _)));
    }
}
