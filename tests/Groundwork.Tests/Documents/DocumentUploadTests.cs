using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PageSize = UglyToad.PdfPig.Content.PageSize;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Groundwork.Tests.Documents;

/// <summary>Files uploaded as multipart/form-data to POST /documents, answered over real HTTP.</summary>
public sealed class DocumentUploadTests : AppTest
{
    private static byte[] Pdf(string title, params string[] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var text in pages)
        {
            builder.AddPage(PageSize.A4).AddText(text, 12, new PdfPoint(50, 750), font);
        }

        builder.DocumentInformation.Title = title;
        return builder.Build();
    }

    private static MultipartFormDataContent Files(params (byte[] Bytes, string FileName, string ContentType)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (bytes, fileName, contentType) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            form.Add(part, "files", fileName);
        }

        return form;
    }

    private Task<HttpResponseMessage> UploadAsync(MultipartFormDataContent form) =>
        Client.PostAsync("/documents?wait=true", form, TestContext.Current.CancellationToken);

    [Fact]
    public async Task PdfChunksKeepTheirPagesAndAnswersCiteThem()
    {
        // Pages long enough to be a chunk each, so each chunk lies on one page.
        string Page(string topic) => string.Join(' ', Enumerable.Range(1, 12).Select(i => $"The {topic} record {i} was checked by the night shift."));
        var pdf = Pdf("Plant log", Page("boiler"), Page("chiller"), "The Zephyr-9 turbine is balanced with brass weights. " + Page("turbine"));

        var response = await UploadAsync(Files((pdf, "log.pdf", "application/pdf")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = await App.GenerateAsync(new { text = "What is the Zephyr-9 turbine balanced with?", model = "local" });
        var source = answer.GetProperty("sources")[0];
        Assert.Equal(3, source.GetProperty("page_start").GetInt32());
        Assert.Equal(3, source.GetProperty("page_end").GetInt32());
        Assert.Contains("brass weights", answer.GetProperty("text").GetString());
    }

    [Fact]
    public async Task UploadedPdfAndHtmlBecomeDocumentsThatAnswersQuote()
    {
        var pdf = Pdf("Pump handbook", "The Kestrel pump is primed with glycol before each start.", "Its seals are replaced every 400 hours.");
        var html = Encoding.UTF8.GetBytes(
            "<html><head><title>Canteen</title><script>var secret = 'do not index';</script></head>" +
            "<body><nav>Home | About</nav><main><h1>Canteen</h1><p>The canteen serves lentil soup on Thursdays.</p></main>" +
            "<footer>Copyright</footer></body></html>");

        var response = await UploadAsync(Files((pdf, "pump.pdf", "application/pdf"), (html, "canteen.html", "text/html")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var documents = body.GetProperty("documents");
        Assert.Equal(["Pump handbook", "Canteen"], documents.EnumerateArray().Select(d => d.GetProperty("title").GetString()).ToArray());
        Assert.Equal("application/pdf", documents[0].GetProperty("metadata").GetProperty("content_type").GetString());

        var canteen = await Client.GetFromJsonAsync<JsonElement>($"/documents/{documents[1].GetProperty("id").GetInt64()}",
            TestContext.Current.CancellationToken);
        Assert.DoesNotContain("secret", canteen.GetProperty("text").GetString());
        Assert.DoesNotContain("Home | About", canteen.GetProperty("text").GetString());

        var answer = await App.GenerateAsync(new { text = "How often are the Kestrel pump seals replaced?", model = "local" });
        Assert.Contains("400 hours", answer.GetProperty("text").GetString());
        Assert.Equal(documents[0].GetProperty("id").GetInt64(), answer.GetProperty("sources")[0].GetProperty("document_id").GetInt64());
    }

    [Fact]
    public async Task UnsupportedFileRejectsTheWholeUploadNamingTheSupportedTypes()
    {
        var response = await UploadAsync(Files(
            (Encoding.UTF8.GetBytes("Fine text."), "notes.txt", "text/plain"),
            ([0x4D, 0x5A, 0x90, 0x00], "tool.exe", "application/octet-stream")));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Contains("PDF", problem.GetProperty("detail").GetString());
        var page = await Client.GetFromJsonAsync<JsonElement>("/documents", TestContext.Current.CancellationToken);
        Assert.Equal(0, page.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task UnreadableFileIsKeptAsFailedWithItsReasonWhileTheOtherFilesGoOn()
    {
        var response = await UploadAsync(Files(
            ([], "empty.txt", "text/plain"),
            (Encoding.UTF8.GetBytes("The loading dock opens at six in the morning on weekdays."), "dock.txt", "text/plain"),
            ("%PDF-1.7\n"u8.ToArray(), "broken.pdf", "application/pdf")));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var documents = (await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("documents");
        Assert.Equal(["failed", "ready", "failed"], documents.EnumerateArray().Select(d => d.GetProperty("status").GetString()));
        Assert.Equal("'empty.txt' cannot be read: the file is empty.", documents[0].GetProperty("error").GetString());
        Assert.StartsWith("'broken.pdf' cannot be read: ", documents[2].GetProperty("error").GetString());
        Assert.Equal("empty.txt", documents[0].GetProperty("title").GetString());

        // Kept: listed among the failed documents, with the reason, and never part of an answer.
        var failed = await Client.GetFromJsonAsync<JsonElement>("/documents?status=failed", TestContext.Current.CancellationToken);
        Assert.Equal(["broken.pdf", "empty.txt"], failed.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("title").GetString()).Order());
        var kept = await Client.GetFromJsonAsync<JsonElement>($"/documents/{documents[2].GetProperty("id").GetInt64()}", TestContext.Current.CancellationToken);
        Assert.Equal("failed", kept.GetProperty("status").GetString());
        Assert.Equal(0, kept.GetProperty("chunk_count").GetInt32());
    }

    [Fact]
    public async Task UploadWithoutFilesIsUnprocessable()
    {
        var form = new MultipartFormDataContent { { new StringContent("x"), "note" } };
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await UploadAsync(form)).StatusCode);
    }

    [Fact]
    public async Task OpenApiDescribesBothKindsOfBody()
    {
        var document = await Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", TestContext.Current.CancellationToken);
        var content = document.GetProperty("paths").GetProperty("/documents").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.Equal(["application/json", "multipart/form-data"], content.EnumerateObject().Select(c => c.Name).Order().ToArray());
        Assert.Equal("binary", content.GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties")
            .GetProperty("files").GetProperty("items").GetProperty("format").GetString());
    }

    [Fact]
    public async Task BodyThatIsNeitherJsonNorFilesIsAnUnsupportedMediaType()
    {
        var response = await Client.PostAsync("/documents", new StringContent("plain words", Encoding.UTF8, "text/plain"),
            TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }
}
