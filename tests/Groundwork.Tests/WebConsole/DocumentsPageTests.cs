using Bunit;
using Groundwork.Client;
using DocumentDetail = Groundwork.WebConsole.Components.Pages.DocumentDetail;
using DocumentsPage = Groundwork.WebConsole.Components.Pages.Documents;
using Microsoft.AspNetCore.Components.Forms;
using TestContext = Xunit.TestContext;

namespace Groundwork.Tests.WebConsole;

/// <summary>The console's Documents and document pages, driven through bUnit against the real service.</summary>
public sealed class DocumentsPageTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly GroundworkApp _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static IRenderedComponent<DocumentsPage> RenderDocuments(ConsoleComponentHost host) =>
        host.Context.Render<DocumentsPage>(parameters => parameters.Add(p => p.PollInterval, TimeSpan.FromMilliseconds(200)));

    private static string Status(AngleSharp.Dom.IElement row) => row.GetAttribute("data-status") ?? "";

    [Fact]
    public async Task UploadedFilesEachShowTheirProgressAndEndReadyWithTheirChunks()
    {
        var editor = await _app.CreateTenantClientAsync("editor");
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, editor.Key);
        var cut = RenderDocuments(host);
        cut.WaitForAssertion(() => cut.Find("[data-testid=no-documents]"), Patience);

        cut.Find("#upload-tags").Change("ops, manuals");
        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromText("# Reactor\n\nThe reactor is cooled by helium kept at four kelvin. Its rods are hafnium.", "reactor.md", contentType: "text/markdown"),
            InputFileContent.CreateFromText("The canteen serves lentil soup on Thursdays and barley on Fridays.", "canteen.txt", contentType: "text/plain"));

        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("[data-testid=upload-row]");
            Assert.Equal(2, rows.Count);
            Assert.All(rows, row => Assert.Equal("ready", Status(row)));
            Assert.All(rows, row => Assert.Matches(@"\d+ chunks? embedded", row.TextContent));
        }, Patience);
        // The list shows them once they are ready, with the upload's tags.
        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("[data-testid=document-row]");
            Assert.Equal(2, rows.Count);
            Assert.All(rows, row => Assert.Contains("manuals", row.TextContent));
        }, Patience);
        var listed = await host.Api.ListDocumentsAsync(new DocumentQuery { Tag = "ops" }, TestContext.Current.CancellationToken);
        Assert.Equal(2, listed.Total);
        Assert.All(listed.Items, d => Assert.True(d.ChunkCount > 0));
    }

    [Fact]
    public async Task AFileThatCannotBeReadShowsWhy()
    {
        var editor = await _app.CreateTenantClientAsync("editor");
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, editor.Key);
        var cut = RenderDocuments(host);
        cut.WaitForAssertion(() => cut.Find("[data-testid=no-documents]"), Patience);

        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromText("", "empty.txt", contentType: "text/plain"),
            InputFileContent.CreateFromBinary([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13], "picture.png", contentType: "image/png"));

        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("[data-testid=upload-row]");
            Assert.Equal(2, rows.Count);
            Assert.All(rows, row => Assert.Equal("failed", Status(row)));
            Assert.All(rows, row => Assert.False(string.IsNullOrWhiteSpace(row.QuerySelector("[data-testid=upload-error]")?.TextContent)));
        }, Patience);
        var empty = cut.FindAll("[data-testid=upload-row]").Single(r => r.TextContent.Contains("empty.txt"));
        Assert.Contains("empty", empty.QuerySelector("[data-testid=upload-error]")!.TextContent, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TheListFiltersByTitleAndTagAndDeletesAfterConfirmation()
    {
        var editor = await _app.CreateTenantClientAsync("editor");
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, editor.Key);
        var cancel = TestContext.Current.CancellationToken;
        await host.Api.CreateDocumentAsync(new CreateDocumentRequest("Reactor manual", "The reactor is cooled by helium.", Tags: ["ops"]), wait: true, cancel);
        await host.Api.CreateDocumentAsync(new CreateDocumentRequest("Canteen menu", "Lentil soup on Thursdays.", Tags: ["food"]), wait: true, cancel);
        await host.Api.CreateDocumentAsync(new CreateDocumentRequest("Ops handbook", "Night shifts check the boiler.", Tags: ["ops"]), wait: true, cancel);
        var cut = RenderDocuments(host);
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=document-row]").Count), Patience);

        cut.Find("[data-testid=document-filter-title]").Change("MANUAL");
        await cut.Find("form.doc-filters").SubmitAsync();
        cut.WaitForAssertion(() => Assert.Equal(["Reactor manual"], Titles(cut)), Patience);

        cut.Find("[data-testid=document-filter-title]").Change("");
        cut.Find("[data-testid=document-filter-tag]").Change("ops");
        await cut.Find("form.doc-filters").SubmitAsync();
        cut.WaitForAssertion(() => Assert.Equal(["Ops handbook", "Reactor manual"], Titles(cut)), Patience);

        var handbook = cut.FindAll("[data-testid=document-row]").Single(r => r.TextContent.Contains("Ops handbook"));
        await handbook.QuerySelector("[data-testid=delete-document]")!.ClickAsync(new());
        await cut.Find("[data-testid=confirm-delete]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Equal(["Reactor manual"], Titles(cut)), Patience);
        Assert.Equal(2, (await host.Api.ListDocumentsAsync(cancellationToken: cancel)).Total);
    }

    [Fact]
    public async Task AReaderSeesTheListButNoUploadOrDelete()
    {
        var editor = await _app.CreateTenantClientAsync("editor");
        var reader = await _app.CreateTenantClientAsync("reader", editor.TenantId);
        await using (var editorHost = await ConsoleComponentHost.SignedInAsync(_app, editor.Key))
        {
            await editorHost.Api.CreateDocumentAsync(new CreateDocumentRequest("Reactor manual", "The reactor is cooled by helium."), wait: true,
                TestContext.Current.CancellationToken);
        }

        await using var host = await ConsoleComponentHost.SignedInAsync(_app, reader.Key);
        var cut = RenderDocuments(host);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=document-row]")), Patience);
        Assert.Empty(cut.FindAll("[data-testid=upload-input]"));
        Assert.Empty(cut.FindAll("[data-testid=delete-document]"));
        Assert.Contains("editor", cut.Find("[data-testid=read-only-notice]").TextContent);
    }

    [Fact]
    public async Task TheDetailShowsChunksAndHighlightsTheSelectedOneInTheText()
    {
        var editor = await _app.CreateTenantClientAsync("editor");
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, editor.Key);
        var text = "# Cooling\n\n" + string.Join(' ', Enumerable.Range(1, 50).Select(i => $"Sentence {i} says the helium loop is checked.")) +
                   "\n\n# Rods\n\n" + string.Join(' ', Enumerable.Range(1, 50).Select(i => $"Line {i} says the hafnium rods are inspected."));
        var document = await host.Api.CreateDocumentAsync(new CreateDocumentRequest("Reactor", text, Metadata: new Dictionary<string, System.Text.Json.JsonElement>
        {
            ["team"] = System.Text.Json.JsonSerializer.SerializeToElement("ops"),
        }), wait: true, TestContext.Current.CancellationToken);
        var chunks = (await host.Api.GetChunksAsync(document.Id, TestContext.Current.CancellationToken)).Chunks;

        var cut = host.Context.Render<DocumentDetail>(parameters => parameters.Add(p => p.Id, document.Id));

        cut.WaitForAssertion(() => Assert.Equal(chunks.Count, cut.FindAll("[data-testid=chunk-row]").Count), Patience);
        Assert.True(chunks.Count > 1);
        Assert.Contains("team", cut.Find("[data-testid=document-metadata]").TextContent);
        Assert.Empty(cut.FindAll("mark.console-highlight"));
        Assert.Equal(text, cut.Find("[data-testid=document-text]").TextContent);

        await cut.FindAll("[data-testid=chunk-row]")[1].ClickAsync(new());

        var mark = cut.Find("[data-testid=document-text] mark.console-highlight");
        Assert.Equal(chunks[1].Text, mark.TextContent);
        Assert.Equal(text, cut.Find("[data-testid=document-text]").TextContent);
        Assert.Contains(chunks[^1].HeadingPath, cut.FindAll("[data-testid=chunk-row]")[^1].TextContent);
    }

    [Fact]
    public async Task AnUnknownDocumentShowsTheServicesProblem()
    {
        var editor = await _app.CreateTenantClientAsync("editor");
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, editor.Key);

        var cut = host.Context.Render<DocumentDetail>(parameters => parameters.Add(p => p.Id, 12345));

        cut.WaitForAssertion(() => Assert.Contains("Document not found", cut.Find("[role=alert]").TextContent), Patience);
    }

    private static string[] Titles(IRenderedComponent<DocumentsPage> cut) =>
        [.. cut.FindAll("[data-testid=document-row] a").Select(a => a.TextContent.Trim()).Order(StringComparer.Ordinal)];
}
