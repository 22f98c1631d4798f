using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Groundwork.Tests.Documents;

/// <summary>
/// A document's title: the explicit one (JSON title, multipart title field), else the file's own (DOCX core or Title
/// paragraph, PDF metadata, HTML title; placeholders ignored), else its first heading, else its file name. And its
/// content type: the one it was read as, with the client's kept only when different.
/// </summary>
public sealed class DocumentTitleTests : AppTest
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private async Task<HttpResponseMessage> PostAsync(MultipartFormDataContent form) =>
        await Client.PostAsync("/documents?wait=true", form, TestContext.Current.CancellationToken);

    private async Task<JsonElement> UploadAsync(byte[] bytes, string fileName, string contentType, params (string, string)[] fields)
    {
        var response = await PostAsync(TestDocuments.Form([(bytes, fileName, contentType)], fields));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return Assert.Single(body.GetProperty("documents").EnumerateArray());
    }

    private async Task<string?> TitleOfUploadAsync(byte[] bytes, string fileName, string contentType, params (string, string)[] fields) =>
        (await UploadAsync(bytes, fileName, contentType, fields)).GetProperty("title").GetString();

    [Fact]
    public async Task JsonTitleIsTheTitle()
    {
        var id = await App.AddDocumentAsync("Reactor manual", "# Cooling\n\nThe Zorblax reactor is cooled by liquid helium.");

        var document = await Client.GetFromJsonAsync<JsonElement>($"/documents/{id}", TestContext.Current.CancellationToken);

        Assert.Equal("Reactor manual", document.GetProperty("title").GetString());
        Assert.Equal(JsonValueKind.Null, document.GetProperty("content_type").ValueKind);
        Assert.Equal(JsonValueKind.Null, document.GetProperty("declared_content_type").ValueKind);
    }

    [Fact]
    public async Task MultipartTitleFieldWinsOverTheFilesOwnTitle()
    {
        var docx = TestDocuments.BuildDocx("Core title", ("Title", "Title paragraph"), (null, "The pump is primed with glycol before each start."));

        Assert.Equal("Pump handbook 2026", await TitleOfUploadAsync(docx, "pump.docx", TestDocuments.Docx, ("title", "  Pump handbook 2026 ")));
    }

    [Fact]
    public async Task MultipartTitleFieldWithSeveralFilesIsUnprocessableNamingTheField()
    {
        var response = await PostAsync(TestDocuments.Form(
            [(Utf8("The first note is long enough to be read."), "a.txt", "text/plain"), (Utf8("The second note is long enough too."), "b.txt", "text/plain")],
            ("title", "Notes")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(["title"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        var page = await Client.GetFromJsonAsync<JsonElement>("/documents", TestContext.Current.CancellationToken);
        Assert.Equal(0, page.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task DocxCorePropertiesTitleComesBeforeItsTitleParagraph()
    {
        var docx = TestDocuments.BuildDocx("Kestrel pump handbook", ("Title", "Pumps"), (null, "The pump is primed with glycol before each start."));

        Assert.Equal("Kestrel pump handbook", await TitleOfUploadAsync(docx, "pump.docx", TestDocuments.Docx));
    }

    [Fact]
    public async Task DocxTitleParagraphIsTheTitleWithoutCoreProperties()
    {
        var docx = TestDocuments.BuildDocx(null, ("Heading1", "Preface"), (null, "Read this first, it explains the whole handbook."),
            ("Title", "Kestrel pump handbook"), (null, "The pump is primed with glycol before each start."));

        Assert.Equal("Kestrel pump handbook", await TitleOfUploadAsync(docx, "pump.docx", TestDocuments.Docx));
    }

    [Fact]
    public async Task DocxPlaceholderCoreTitleGivesWayToTheFirstHeading()
    {
        var docx = TestDocuments.BuildDocx("Document1", ("Heading1", "Pump maintenance"), (null, "The pump is primed with glycol before each start."));

        Assert.Equal("Pump maintenance", await TitleOfUploadAsync(docx, "pump.docx", TestDocuments.Docx));
    }

    [Fact]
    public async Task PdfMetadataTitleIsTheTitle()
    {
        var pdf = TestDocuments.BuildPdf("Plant log 2031", "The boiler was checked by the night shift.");

        Assert.Equal("Plant log 2031", await TitleOfUploadAsync(pdf, "log.pdf", "application/pdf"));
    }

    [Theory]
    [InlineData("Enscript Output", "log.pdf")]
    [InlineData("Untitled", "log.pdf")]
    [InlineData("Document1", "log.pdf")]
    [InlineData("   ", "log.pdf")]
    [InlineData("log.pdf", "log.pdf")]
    [InlineData("Microsoft Word - log.docx", "log.pdf")]
    [InlineData("Microsoft Word - Plant log 2031.docx", "Plant log 2031")]
    public async Task PdfPlaceholderTitleIsIgnored(string infoTitle, string expected)
    {
        var pdf = TestDocuments.BuildPdf(infoTitle, "The boiler was checked by the night shift.");

        Assert.Equal(expected, await TitleOfUploadAsync(pdf, "log.pdf", "application/pdf"));
    }

    [Fact]
    public async Task HtmlTitleElementComesBeforeItsFirstHeading()
    {
        var html = Utf8("<html><head><title>Canteen menu</title></head><body><h2>Thursday</h2><p>Lentil soup is served at noon.</p></body></html>");

        Assert.Equal("Canteen menu", await TitleOfUploadAsync(html, "menu.html", "text/html"));
    }

    [Theory]
    [InlineData("<html><head><title>Untitled</title></head><body><h2>Thursday</h2><p>Lentil soup is served at noon.</p></body></html>", "menu.html", "text/html", "Thursday")]
    [InlineData("Intro line that is no heading.\n\n## Cooling\n\nHelium cools the reactor.\n\n# Rods", "notes.md", "text/markdown", "Cooling")]
    public async Task FirstHeadingIsTheTitleWhenTheFileDeclaresNone(string content, string fileName, string contentType, string expected)
    {
        Assert.Equal(expected, await TitleOfUploadAsync(Utf8(content), fileName, contentType));
    }

    [Theory]
    [InlineData("The reactor is cooled by liquid helium kept at four kelvin.", "notes.txt", "text/plain")]
    [InlineData("<html><body><p>The reactor is cooled by liquid helium kept at four kelvin.</p></body></html>", "notes.html", "text/html")]
    public async Task FileNameIsTheTitleWithoutAnyOther(string content, string fileName, string contentType)
    {
        Assert.Equal(fileName, await TitleOfUploadAsync(Utf8(content), fileName, contentType));
    }

    [Fact]
    public async Task ContentTypeIsTheDetectedTypeAndTheDeclaredOneIsKeptWhenItDiffers()
    {
        var pdf = TestDocuments.BuildPdf("Plant log", "The boiler was checked by the night shift.");

        var document = await UploadAsync(pdf, "log.pdf", "application/octet-stream");
        var stored = await Client.GetFromJsonAsync<JsonElement>($"/documents/{document.GetProperty("id").GetInt64()}",
            TestContext.Current.CancellationToken);

        foreach (var view in new[] { document, stored })
        {
            Assert.Equal("application/pdf", view.GetProperty("content_type").GetString());
            Assert.Equal("application/octet-stream", view.GetProperty("declared_content_type").GetString());
            Assert.Equal("application/pdf", view.GetProperty("metadata").GetProperty("content_type").GetString());
        }
    }

    [Theory]
    [InlineData("notes.md", "text/markdown; charset=utf-8", "text/markdown", null)]
    [InlineData("notes.md", "text/plain", "text/markdown", "text/plain")]
    [InlineData("notes.txt", "TEXT/PLAIN", "text/plain", null)]
    public async Task DeclaredContentTypeIsNullWhenItNamesTheDetectedType(string fileName, string declared, string detected, string? kept)
    {
        var document = await UploadAsync(Utf8("The reactor is cooled by liquid helium kept at four kelvin."), fileName, declared);

        Assert.Equal(detected, document.GetProperty("content_type").GetString());
        Assert.Equal(kept, document.GetProperty("declared_content_type").GetString());
    }
}
