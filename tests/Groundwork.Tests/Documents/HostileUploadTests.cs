using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Groundwork.Tests.Documents.Extraction;

namespace Groundwork.Tests.Documents;

/// <summary>Runs alone, so that the process's memory measured around each upload is the upload's own.</summary>
[CollectionDefinition(nameof(HostileUploadCollection), DisableParallelization = true)]
public sealed class HostileUploadCollection;

/// <summary>
/// Files crafted to crash, exhaust or stall extraction, uploaded over real HTTP: each is answered quickly and kept as a
/// <c>failed</c> document with its reason (or read), the process stays up and its resident memory grows by less than
/// <see cref="MaxRssGrowthBytes"/>.
/// </summary>
[Collection(nameof(HostileUploadCollection))]
public sealed partial class HostileUploadTests(HostileUploadTests.App app) : IClassFixture<HostileUploadTests.App>
{
    private const long MaxRssGrowthBytes = 300L << 20;
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    public sealed class App : IAsyncLifetime
    {
        public GroundworkApp Service { get; } = new();
        public ValueTask InitializeAsync() => ValueTask.CompletedTask;
        public ValueTask DisposeAsync() => Service.DisposeAsync();
    }

    /// <summary>The upload's status code, and its one document's status and error (or a problem's detail).</summary>
    private sealed record Answer(HttpStatusCode Status, string? DocumentStatus, string Detail, long? DocumentId);

    private static void AssertKeptAsFailed(Answer answer, string reason)
    {
        Assert.Equal(HttpStatusCode.Created, answer.Status);
        Assert.Equal("failed", answer.DocumentStatus);
        Assert.Contains(reason, answer.Detail);
    }

    private async Task<Answer> UploadAsync(byte[] bytes, string fileName, string contentType)
    {
        using var client = app.Service.CreateClient();
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(part, "files", fileName);

        var before = ResidentMemory.Current();
        ResidentMemory.ResetPeak();
        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsync("/documents", form, TestContext.Current.CancellationToken)
            .WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        clock.Stop();
        var growth = ResidentMemory.Peak() - before;
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        JsonElement? document = body.TryGetProperty("documents", out var documents) ? documents[0] : null;
        var detail = (document is { } d ? d.GetProperty("error").GetString() : body.TryGetProperty("detail", out var value) ? value.GetString() : null) ?? "";
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{fileName} ({bytes.Length:N0} bytes): {(int)response.StatusCode} in {clock.ElapsedMilliseconds} ms, RSS growth {growth >> 20} MiB: {detail}"));

        Assert.True(growth < MaxRssGrowthBytes, $"Resident memory grew by {growth >> 20} MiB reading {fileName}.");
        Assert.DoesNotMatch(ExceptionName(), detail);
        return new Answer(response.StatusCode, document?.GetProperty("status").GetString(), detail, document?.GetProperty("id").GetInt64());
    }

    [GeneratedRegex(@"\w+Exception\b")]
    private static partial Regex ExceptionName();

    // Generating it takes seconds, so the tests that need it share one.
    private static readonly Lazy<byte[]> ParagraphBomb = new(() => HostileFiles.DocxBomb(1L << 30, HostileFiles.Paragraph));

    [Theory]
    [InlineData(10_000, CompressionLevel.Optimal, "nested deeper than 256 levels")]
    [InlineData(100_000, CompressionLevel.NoCompression, "nested deeper than 256 levels")]
    [InlineData(100_000, CompressionLevel.Optimal, "expands more than 100 times its compressed size")]
    public async Task DocxWithDeeplyNestedContentControlsFails(int levels, CompressionLevel compression, string reason)
    {
        var answer = await UploadAsync(HostileFiles.NestedContentControlsDocx(levels, compression), "nested.docx", DocumentTextExtractorContentType.Docx);

        AssertKeptAsFailed(answer, reason);
    }

    [Fact]
    public async Task DocxInflatingToOneGibibyteOfParagraphsFailsBeforeItIsInflated()
    {
        var answer = await UploadAsync(ParagraphBomb.Value, "bomb.docx", DocumentTextExtractorContentType.Docx);

        AssertKeptAsFailed(answer, "expands");
    }

    [Fact]
    public async Task DocxInflatingToOneGibibyteOfWhitespaceFailsBeforeItIsInflated()
    {
        var answer = await UploadAsync(HostileFiles.DocxBomb(1L << 30, "        "), "blank-bomb.docx", DocumentTextExtractorContentType.Docx);

        AssertKeptAsFailed(answer, "expands");
    }

    [Fact]
    public async Task DocxWhoseDirectoryUnderstatesItsSizeIsNotInflatedPastIt()
    {
        var bomb = HostileFiles.WithDeclaredSize(ParagraphBomb.Value, HostileFiles.DocumentPart, 1_000);

        var answer = await UploadAsync(bomb, "lying-bomb.docx", DocumentTextExtractorContentType.Docx);

        // The zip reader stops at the declared size, which cuts the XML short.
        AssertKeptAsFailed(answer, "the DOCX is corrupt or unsupported");
    }

    [Theory]
    [InlineData("<div>", "</div>")]
    [InlineData("<div>", "")]
    [InlineData("<b>", "")]
    public async Task HtmlNested100000LevelsFailsForItsDepth(string open, string close)
    {
        var answer = await UploadAsync(HostileFiles.NestedHtml(100_000, open, close), "deep.html", "text/html");

        AssertKeptAsFailed(answer, "nested deeper than 256 levels");
    }

    [Fact]
    public async Task PdfWithTenThousandEmptyPagesFailsForItsPageCount()
    {
        var answer = await UploadAsync(HostileFiles.Pdf(10_000, text: null), "empty-pages.pdf", "application/pdf");

        AssertKeptAsFailed(answer, "has more than 5,000 pages");
    }

    [Fact]
    public async Task PdfWhoseContentStreamInflatesToOneGibibyteFailsBeforeItIsInflated()
    {
        var answer = await UploadAsync(HostileFiles.PdfWithFlateBomb(1L << 30), "bomb.pdf", "application/pdf");

        AssertKeptAsFailed(answer, "expands to more than 64 MiB");
    }

    [Fact]
    public async Task PdfWithASmallFlateContentStreamIsRead()
    {
        var answer = await UploadAsync(HostileFiles.PdfWithFlateBomb(1 << 20), "small.pdf", "application/pdf");

        Assert.Equal(HttpStatusCode.Accepted, answer.Status);
    }

    [Fact]
    public async Task TextOverTheCharacterLimitFails()
    {
        var answer = await UploadAsync(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("word ", 420_000))), "long.txt", "text/plain");

        AssertKeptAsFailed(answer, "has more than 2,000,000 characters of text");
    }

    [Theory]
    [InlineData("random.txt", "text/plain", "")]
    [InlineData("random.md", "text/markdown", "")]
    [InlineData("random.html", "text/html", "")]
    [InlineData("random.pdf", "application/pdf", "")]
    [InlineData("random.pdf", "application/pdf", "%PDF-1.7\n")]
    [InlineData("random.docx", DocumentTextExtractorContentType.Docx, "")]
    [InlineData("random.docx", DocumentTextExtractorContentType.Docx, "PK\u0003\u0004")]
    public async Task RandomBytesAreReadOrFailWithAReason(string fileName, string contentType, string header)
    {
        var bytes = HostileFiles.RandomBytes(64 * 1024, seed: fileName.Length + header.Length);
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, 0);

        var answer = await UploadAsync(bytes, fileName, contentType);

        Assert.True(answer.Status is HttpStatusCode.Accepted || answer.DocumentStatus == "failed", $"{answer.Status}: {answer.Detail}");
        if (answer.DocumentStatus == "failed")
        {
            AssertKeptAsFailed(answer, $"'{fileName}' cannot be read: ");
        }
    }
}

internal static class DocumentTextExtractorContentType
{
    public const string Docx = Groundwork.Documents.Extraction.DocumentTextExtractor.DocxContentType;
}

/// <summary>This process's resident memory (Linux), and its peak since the last reset.</summary>
internal static class ResidentMemory
{
    public static long Current() => Read("VmRSS:") ?? Environment.WorkingSet;

    /// <summary>The peak since <see cref="ResetPeak"/>, where the kernel lets it be reset; else the current size.</summary>
    public static long Peak() => Read("VmHWM:") ?? Environment.WorkingSet;

    public static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static long? Read(string field)
    {
        if (!File.Exists("/proc/self/status"))
        {
            return null;
        }

        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? null : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
