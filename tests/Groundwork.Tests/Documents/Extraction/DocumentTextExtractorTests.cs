using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Groundwork.Documents.Extraction;
using PageSize = UglyToad.PdfPig.Content.PageSize;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Groundwork.Tests.Documents.Extraction;

public sealed class DocumentTextExtractorTests
{
    private readonly DocumentTextExtractor _extractor = new();

    private Task<ExtractedDocument> ExtractAsync(byte[] bytes, string fileName, string? contentType) =>
        _extractor.ExtractAsync(new MemoryStream(bytes), fileName, contentType, TestContext.Current.CancellationToken);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task PdfTextIsReadPageByPageWithSpansPointingAtEachPage()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var first = builder.AddPage(PageSize.A4);
        first.AddText("The Zorblax reactor is cooled by helium.", 12, new PdfPoint(50, 750), font);
        var second = builder.AddPage(PageSize.A4);
        second.AddText("Control rods are made of hafnium.", 12, new PdfPoint(50, 750), font);
        builder.DocumentInformation.Title = "Reactor manual";

        var document = await ExtractAsync(builder.Build(), "manual.pdf", "application/pdf");

        Assert.Equal(2, document.Pages.Count);
        Assert.Equal(new PageSpan(1, 0, document.Pages[0].End), document.Pages[0]);
        Assert.Equal(2, document.Pages[1].PageNumber);
        Assert.Equal("The Zorblax reactor is cooled by helium.", document.Text[document.Pages[0].Start..document.Pages[0].End]);
        Assert.Equal("Control rods are made of hafnium.", document.Text[document.Pages[1].Start..document.Pages[1].End]);
        Assert.Equal("The Zorblax reactor is cooled by helium.\n\nControl rods are made of hafnium.", document.Text);
        Assert.Equal("Reactor manual", document.Title);
    }

    [Fact]
    public async Task PdfTitleComesFromXmpMetadataWhenTheInfoDictionaryHasNone()
    {
        const string xmp = """
            <?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
            <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt><rdf:li xml:lang="x-default">Reactor manual from XMP</rdf:li></rdf:Alt></dc:title></rdf:Description>
            </rdf:RDF></x:xmpmeta><?xpacket end="w"?>
            """;

        var document = await ExtractAsync(PdfWithXmp(xmp, "The Zorblax reactor is cooled by helium."), "manual.pdf", "application/pdf");

        Assert.Equal("The Zorblax reactor is cooled by helium.", document.Text);
        Assert.Equal("Reactor manual from XMP", document.Title);
        Assert.Equal("application/pdf", document.ContentType);
    }

    /// <summary>A one-page PDF without an information dictionary whose catalog points at an XMP metadata stream.</summary>
    private static byte[] PdfWithXmp(string xmp, string line)
    {
        var content = $"BT /F1 12 Tf 50 750 Td ({line}) Tj ET";
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 6 0 R >> >> >>",
            $"<< /Length {Encoding.ASCII.GetByteCount(content)} >>\nstream\n{content}\nendstream",
            $"<< /Type /Metadata /Subtype /XML /Length {Encoding.UTF8.GetByteCount(xmp)} >>\nstream\n{xmp}\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ];
        var pdf = new StringBuilder("%PDF-1.7\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(Encoding.UTF8.GetByteCount(pdf.ToString()));
            pdf.Append($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = Encoding.UTF8.GetByteCount(pdf.ToString());
        pdf.Append($"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append($"{offset:D10} 00000 n \n");
        }

        pdf.Append($"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.UTF8.GetBytes(pdf.ToString());
    }

    [Theory]
    [InlineData("Microsoft Word - Reactor manual.docx", "Reactor manual")]
    [InlineData("Microsoft Word - manual.doc", null)]
    [InlineData("Enscript Output", null)]
    [InlineData("Untitled-3", null)]
    [InlineData("MANUAL", null)]
    [InlineData("  Reactor \n manual  ", "Reactor manual")]
    public async Task PdfInfoTitleIsTakenUnlessItIsAPlaceholder(string infoTitle, string? expected)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        builder.AddPage(PageSize.A4).AddText("The Zorblax reactor is cooled by helium.", 12, new PdfPoint(50, 750), font);
        builder.DocumentInformation.Title = infoTitle;

        var document = await ExtractAsync(builder.Build(), "manual.pdf", "application/pdf");

        Assert.Equal(expected, document.Title);
    }

    [Fact]
    public async Task PdfIsRecognisedByItsHeaderEvenWithAGenericContentType()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        builder.AddPage(PageSize.A4).AddText("Sniffed.", 12, new PdfPoint(50, 750), font);

        var document = await ExtractAsync(builder.Build(), "upload", "application/octet-stream");

        Assert.Equal("Sniffed.", document.Text);
    }

    [Fact]
    public async Task PdfWhosePageHasNoTextIsUnreadableForLackOfATextLayer()
    {
        var builder = new PdfDocumentBuilder();
        builder.AddPage(PageSize.A4).DrawRectangle(new PdfPoint(50, 50), 200, 100);

        var exception = await Assert.ThrowsAsync<UnreadableDocumentException>(
            () => ExtractAsync(builder.Build(), "scan.pdf", "application/pdf"));

        Assert.Contains("no text layer", exception.Message);
    }

    [Fact]
    public async Task RandomBytesNamedPdfAreUnreadable()
    {
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);

        var exception = await Assert.ThrowsAsync<UnreadableDocumentException>(() => ExtractAsync(bytes, "random.pdf", "application/pdf"));

        Assert.Contains("not a PDF", exception.Message);
    }

    [Fact]
    public async Task TruncatedPdfIsUnreadable()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);

        await Assert.ThrowsAsync<UnreadableDocumentException>(() => ExtractAsync(bytes, "broken.pdf", "application/pdf"));
    }

    [Fact]
    public async Task DocxParagraphsHeadingsAndTableCellsComeOutInOrder()
    {
        var bytes = BuildDocx(title: "Reactor handbook",
            Heading("Cooling"),
            TextParagraph("The reactor is cooled by liquid helium."),
            TextParagraph("It is kept at four kelvin."),
            new Table(
                new TableRow(Cell("Part"), Cell("Material")),
                new TableRow(Cell("Control rod"), Cell("Hafnium"))),
            Heading("History"),
            TextParagraph("Commissioned in 2031."));

        var document = await ExtractAsync(bytes, "handbook.docx", DocumentTextExtractor.DocxContentType);

        Assert.Equal(
            "# Cooling\n\nThe reactor is cooled by liquid helium.\n\nIt is kept at four kelvin.\n\n" +
            "Part\tMaterial\nControl rod\tHafnium\n\n# History\n\nCommissioned in 2031.",
            document.Text);
        Assert.Equal("Reactor handbook", document.Title);
        Assert.Empty(document.Pages);
    }

    [Fact]
    public async Task DocxHeadingLevelsComeFromOutlineLevelsWhateverTheStylesAreCalled()
    {
        var styles = new Styles(
            new Style(new StyleName { Val = "\u00dcberschrift 2" }, new BasedOn { Val = "Kopf" }) { Type = StyleValues.Paragraph, StyleId = "berschrift2" },
            new Style(new StyleName { Val = "Kopf" }, new StyleParagraphProperties(new OutlineLevel { Val = 1 })) { Type = StyleValues.Paragraph, StyleId = "Kopf" },
            new Style(new StyleName { Val = "Title" }) { Type = StyleValues.Paragraph, StyleId = "Titel" });
        var bytes = BuildDocx(title: null, styles,
            new Paragraph(new ParagraphProperties(new ParagraphStyleId { Val = "Titel" }), new Run(new Text("Reaktor"))),
            new Paragraph(new ParagraphProperties(new ParagraphStyleId { Val = "berschrift2" }), new Run(new Text("K\u00fchlung"))),
            new Paragraph(new ParagraphProperties(new OutlineLevel { Val = 2 }), new Run(new Text("Helium")), new Run(new Break()), new Run(new Text("und Stickstoff"))),
            TextParagraph("Der Reaktor wird mit Helium gek\u00fchlt."),
            new Paragraph(new ParagraphProperties(new ParagraphStyleId { Val = "Heading1" })));

        var document = await ExtractAsync(bytes, "reaktor.docx", DocumentTextExtractor.DocxContentType);

        Assert.Equal("# Reaktor\n\n## K\u00fchlung\n\n### Helium und Stickstoff\n\nDer Reaktor wird mit Helium gek\u00fchlt.", document.Text);
    }

    [Fact]
    public async Task DocxWithoutCorePropertiesTitleHasNoTitle()
    {
        var bytes = BuildDocx(title: null, TextParagraph("Just text."));

        var document = await ExtractAsync(bytes, "plain.docx", null);

        Assert.Equal("Just text.", document.Text);
        Assert.Null(document.Title);
    }

    [Fact]
    public async Task ZipThatIsNotADocxIsUnreadable()
    {
        var bytes = new byte[512];
        "PK\u0003\u0004"u8.CopyTo(bytes);

        await Assert.ThrowsAsync<UnreadableDocumentException>(() => ExtractAsync(bytes, "fake.docx", DocumentTextExtractor.DocxContentType));
    }

    [Fact]
    public async Task HtmlKeepsOnlyTheMainTextWithBlocksAsParagraphs()
    {
        const string html = """
            <!DOCTYPE html>
            <html><head><title>Reactor   notes</title><style>body { color: red; }</style>
            <script>var secret = "tracking";</script></head>
            <body>
              <header><h1>Site name</h1></header>
              <nav><a href="/">Home</a> <a href="/about">About</a></nav>
              <main>
                <h2>Cooling</h2>
                <p>The reactor is cooled by <b>liquid</b>
                   helium.</p>
                <div>Rods:<ul><li>hafnium</li><li>boron</li></ul></div>
                <script>alert("inline");</script>
                <noscript>Enable JavaScript</noscript>
              </main>
              <aside>Related links</aside>
              <footer>Copyright 2031</footer>
            </body></html>
            """;

        var document = await ExtractAsync(Utf8(html), "notes.html", "text/html; charset=utf-8");

        Assert.Equal("## Cooling\n\nThe reactor is cooled by liquid helium.\n\nRods:\n\nhafnium\nboron", document.Text);
        Assert.Equal("Reactor notes", document.Title);
        Assert.DoesNotContain("tracking", document.Text);
        Assert.DoesNotContain("alert", document.Text);
    }

    [Fact]
    public async Task HtmlWithoutTitleTakesTheFirstHeadingAndUsesTheBody()
    {
        const string html = "<html><body><h1>Reactor</h1><p>Helium <br>cooled.</p><table><tr><td>a</td><td>b</td></tr></table></body></html>";

        var document = await ExtractAsync(Utf8(html), "page.htm", null);

        Assert.Equal("# Reactor\n\nHelium\ncooled.\n\na\tb", document.Text);
        Assert.Equal("Reactor", document.Title);
    }

    [Fact]
    public async Task HtmlHeadingsAreOneLineAndPreformattedTextIsFencedCode()
    {
        const string html = """
            <html><body>
            <h3>Rods <em>and</em><br>bars</h3>
            <h4> </h4>
            <pre><code>
            # fetch the package
            apt-get install reactor
            </code></pre>
            <p>Then restart.</p>
            </body></html>
            """;

        var document = await ExtractAsync(Utf8(html), "install.html", "text/html");

        Assert.Equal("### Rods and bars\n\n```\n# fetch the package\napt-get install reactor\n```\n\nThen restart.", document.Text);
    }

    [Fact]
    public async Task HtmlDeclaringWindows1252IsDecodedWithThatCharset()
    {
        var bytes = Encoding.Latin1.GetBytes("<html><head><meta charset=\"windows-1252\"></head><body><p>Caf\u00e9 cr\u00e8me</p></body></html>");

        var document = await ExtractAsync(bytes, "menu.html", "text/html");

        Assert.Equal("Caf\u00e9 cr\u00e8me", document.Text);
    }

    [Fact]
    public async Task MarkdownKeepsItsMarkupWithLineEndingsNormalised()
    {
        var document = await ExtractAsync(Utf8("# Reactor\r\n\r\nCooled by *helium*.\r\n- rods\r\n"), "notes.md", "text/markdown");

        Assert.Equal("# Reactor\n\nCooled by *helium*.\n- rods", document.Text);
        Assert.Equal("Reactor", document.Title);
        Assert.Empty(document.Pages);
    }

    [Fact]
    public async Task MarkdownSetextHeadingsBecomeAtxHeadings()
    {
        const string markdown = "Reactor\n=======\n\nIntro line one\nand two\n---\n\nCooling\n-------\n\nHelium.\n\n```\nNot a heading\n---\n```";

        var document = await ExtractAsync(Utf8(markdown), "notes.md", "text/markdown");

        Assert.Equal("# Reactor\n\nIntro line one\nand two\n---\n\n## Cooling\n\nHelium.\n\n```\nNot a heading\n---\n```", document.Text);
        Assert.Equal("Reactor", document.Title);
    }

    [Fact]
    public async Task MarkdownFrontMatterIsNotTakenForAHeading()
    {
        const string markdown = "---\ntitle: Reactor\n---\n\nBody text.";

        var document = await ExtractAsync(Utf8(markdown), "notes.md", "text/markdown");

        Assert.Equal(markdown, document.Text);
    }

    [Fact]
    public async Task MarkdownSentAsPlainTextIsRecognisedByItsExtension()
    {
        var document = await ExtractAsync(Utf8("# Title\n\nBody"), "notes.md", "text/plain");

        Assert.Equal("Title", document.Title);
    }

    [Fact]
    public async Task PlainTextLosesItsByteOrderMarkAndCarriageReturns()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Utf8("Première ligne\r\nSecond line\rThird\r\n")).ToArray();

        var document = await ExtractAsync(bytes, "notes.txt", "text/plain");

        Assert.Equal("Première ligne\nSecond line\nThird", document.Text);
        Assert.Null(document.Title);
    }

    [Fact]
    public async Task TextFileMentioningThePdfHeaderStaysText()
    {
        var document = await ExtractAsync(Utf8("%PDF-1.7 is how every PDF starts."), "notes.txt", "text/plain");

        Assert.Equal("%PDF-1.7 is how every PDF starts.", document.Text);
        Assert.Empty(document.Pages);
    }

    [Fact]
    public async Task Utf16TextWithByteOrderMarkIsDecoded()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("Wide text")).ToArray();

        var document = await ExtractAsync(bytes, "wide.txt", null);

        Assert.Equal("Wide text", document.Text);
    }

    [Fact]
    public async Task TextWithNulBytesIsUnreadableAsBinary()
    {
        var exception = await Assert.ThrowsAsync<UnreadableDocumentException>(
            () => ExtractAsync([0x41, 0x00, 0x42, 0x43], "data.txt", "text/plain"));

        Assert.Contains("binary", exception.Message);
    }

    [Fact]
    public async Task TextThatIsNotUtf8IsUnreadable()
    {
        var exception = await Assert.ThrowsAsync<UnreadableDocumentException>(
            () => ExtractAsync([0x43, 0x61, 0x66, 0xE9, 0x20, 0x21], "latin1.txt", "text/plain"));

        Assert.Contains("UTF-8", exception.Message);
    }

    [Theory]
    [InlineData("empty.txt", "text/plain")]
    [InlineData("empty.pdf", "application/pdf")]
    [InlineData("empty.docx", DocumentTextExtractor.DocxContentType)]
    public async Task EmptyFileIsUnreadable(string fileName, string contentType)
    {
        var exception = await Assert.ThrowsAsync<UnreadableDocumentException>(() => ExtractAsync([], fileName, contentType));

        Assert.Contains("empty", exception.Message);
    }

    [Fact]
    public async Task WhitespaceOnlyTextIsUnreadable()
    {
        var exception = await Assert.ThrowsAsync<UnreadableDocumentException>(() => ExtractAsync(Utf8(" \r\n\t\n"), "blank.txt", null));

        Assert.Contains("no text", exception.Message);
    }

    [Theory]
    [InlineData("setup.exe", "application/octet-stream")]
    [InlineData("setup.exe", null)]
    [InlineData("picture.png", "image/png")]
    public async Task UnsupportedTypeNamesTheSupportedTypes(string fileName, string? contentType)
    {
        var exception = await Assert.ThrowsAsync<UnsupportedDocumentTypeException>(
            () => ExtractAsync([0x4D, 0x5A, 0x90, 0x00], fileName, contentType));

        Assert.Contains(fileName, exception.Message);
        foreach (var supported in new[] { "text/plain", "text/markdown", "text/html", "application/pdf", ".docx" })
        {
            Assert.Contains(supported, exception.Message);
        }
    }

    private static Task<ExtractedDocument> ExtractAsync(ExtractionOptions options, byte[] bytes, string fileName, string? contentType) =>
        new DocumentTextExtractor(options).ExtractAsync(new MemoryStream(bytes), fileName, contentType, TestContext.Current.CancellationToken);

    [Fact]
    public async Task PdfOf500PagesIsReadWithinTheDefaultLimits()
    {
        var document = await ExtractAsync(HostileFiles.Pdf(500, "Valve inspection record"), "manual.pdf", "application/pdf");

        Assert.Equal(500, document.Pages.Count);
        Assert.Equal("Valve inspection record", document.Text[document.Pages[499].Start..document.Pages[499].End]);
    }

    [Fact]
    public async Task PdfOverThePageLimitIsTooLongBeforeItsPagesAreRead()
    {
        var exception = await Assert.ThrowsAsync<DocumentTooLongException>(
            () => ExtractAsync(new ExtractionOptions { MaxPages = 20 }, HostileFiles.Pdf(21, "Page"), "long.pdf", "application/pdf"));

        Assert.Equal("'long.pdf' has more than 20 pages (setting Extraction:MaxPages).", exception.Message);
    }

    [Fact]
    public async Task PdfTextOverTheCharacterLimitIsTooLong()
    {
        await Assert.ThrowsAsync<DocumentTooLongException>(
            () => ExtractAsync(new ExtractionOptions { MaxCharacters = 1_000 }, HostileFiles.Pdf(100, "Twenty characters!!"), "long.pdf", "application/pdf"));
    }

    [Fact]
    public async Task DocxManualOf300PagesIsReadWithinTheDefaultLimits()
    {
        // About 300 pages: 60 sections of 25 paragraphs of ~70 words, and a table per section.
        var bytes = HostileFiles.Docx(body =>
        {
            var writer = new StreamWriter(body, new UTF8Encoding(false));
            for (var section = 1; section <= 60; section++)
            {
                writer.Write($"<w:p><w:pPr><w:outlineLvl w:val=\"0\"/></w:pPr><w:r><w:t>Section {section}</w:t></w:r></w:p>");
                for (var paragraph = 1; paragraph <= 25; paragraph++)
                {
                    writer.Write("<w:sdt><w:sdtContent><w:p><w:r><w:t xml:space=\"preserve\">");
                    writer.Write(string.Join(' ', Enumerable.Range(0, 70).Select(word => $"step{section * 1_000 + paragraph * 70 + word}")));
                    writer.Write("</w:t></w:r></w:p></w:sdtContent></w:sdt>");
                }
                writer.Write($"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Part {section}</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Steel</w:t></w:r></w:p></w:tc></w:tr></w:tbl>");
            }
            writer.Flush();
        });

        var document = await ExtractAsync(bytes, "manual.docx", DocumentTextExtractor.DocxContentType);

        Assert.StartsWith("# Section 1\n\nstep1070 step1071", document.Text);
        Assert.Contains("\n\nPart 60\tSteel", document.Text);
        Assert.True(document.Text.Length > 1_000_000, $"{document.Text.Length} characters");
    }

    [Fact]
    public async Task DocxTextOverTheCharacterLimitIsTooLongWhileItIsRead()
    {
        var bytes = BuildDocx(title: null, [.. Enumerable.Range(0, 200).Select(i => TextParagraph($"Paragraph number {i}."))]);

        var exception = await Assert.ThrowsAsync<DocumentTooLongException>(
            () => ExtractAsync(new ExtractionOptions { MaxCharacters = 1_000 }, bytes, "long.docx", DocumentTextExtractor.DocxContentType));

        Assert.Equal("'long.docx' has more than 1,000 characters of text (setting Extraction:MaxCharacters).", exception.Message);
    }

    [Fact]
    public async Task DocxInflatingPastTheLimitIsRejectedBeforeItIsRead()
    {
        var bytes = HostileFiles.Docx(body => body.Write(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(HostileFiles.Paragraph, 100_000)))),
            System.IO.Compression.CompressionLevel.NoCompression);

        var exception = await Assert.ThrowsAsync<UnreadableDocumentException>(
            () => ExtractAsync(new ExtractionOptions { MaxExpandedBytes = 1L << 20 }, bytes, "big.docx", DocumentTextExtractor.DocxContentType));

        Assert.Equal("'big.docx' cannot be read: it expands to more than 1 MiB when decompressed (setting Extraction:MaxExpandedBytes).", exception.Message);
    }

    [Fact]
    public async Task DocxNestedPastTheDepthLimitIsRejected()
    {
        var exception = await Assert.ThrowsAsync<UnreadableDocumentException>(
            () => ExtractAsync(new ExtractionOptions { MaxDepth = 32 }, HostileFiles.NestedContentControlsDocx(15), "deep.docx", DocumentTextExtractor.DocxContentType));

        Assert.Equal("'deep.docx' cannot be read: it is nested deeper than 32 levels (setting Extraction:MaxDepth).", exception.Message);
        Assert.Equal("a", (await ExtractAsync(new ExtractionOptions { MaxDepth = 32 }, HostileFiles.NestedContentControlsDocx(13), "deep.docx", null)).Text);
    }

    [Fact]
    public async Task CorruptDocxNamesNoExceptionType()
    {
        var bytes = BuildDocx(title: null, TextParagraph("Fine."));
        var truncated = bytes[..(bytes.Length / 2)];

        var exception = await Assert.ThrowsAsync<UnreadableDocumentException>(() => ExtractAsync(truncated, "cut.docx", DocumentTextExtractor.DocxContentType));

        Assert.Equal("'cut.docx' cannot be read: the DOCX is corrupt or unsupported.", exception.Message);
    }

    [Fact]
    public async Task HtmlNestedPastTheDepthLimitIsRejectedAndJustUnderItIsRead()
    {
        var options = new ExtractionOptions { MaxDepth = 64 };

        var exception = await Assert.ThrowsAsync<UnreadableDocumentException>(
            () => ExtractAsync(options, HostileFiles.NestedHtml(64, "<div>", "</div>"), "deep.html", "text/html"));

        Assert.Contains("nested deeper than 64 levels", exception.Message);
        // html, body and 60 divs make 62 levels; the walk keeps block separators without recursion.
        Assert.Equal("text", (await ExtractAsync(options, HostileFiles.NestedHtml(60, "<div>", "</div>"), "deep.html", "text/html")).Text);
    }

    [Fact]
    public async Task LargeHtmlPageIsReadWithinTheDefaultLimits()
    {
        var html = new StringBuilder("<html><body><main>");
        for (var i = 0; i < 20_000; i++)
        {
            html.Append($"<section><div><h2>Item {i}</h2><p>The <b>part</b> numbered {i} is kept in <a href=\"/bin/{i}\">bin {i % 97}</a>.</p></div></section>");
        }

        var document = await ExtractAsync(Utf8(html.Append("</main></body></html>").ToString()), "catalogue.html", "text/html");

        Assert.EndsWith("## Item 19999\n\nThe part numbered 19999 is kept in bin 17.", document.Text);
    }

    [Fact]
    public async Task HtmlTextOverTheCharacterLimitIsTooLong()
    {
        await Assert.ThrowsAsync<DocumentTooLongException>(
            () => ExtractAsync(new ExtractionOptions { MaxCharacters = 1_000 }, Utf8($"<p>{new string('x', 1_001)}</p>"), "long.html", "text/html"));
    }

    [Fact]
    public async Task CancelledUploadStopsTheReading()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _extractor.ExtractAsync(
            new MemoryStream(HostileFiles.Pdf(10, "Page")), "manual.pdf", "application/pdf", cancelled.Token));
    }

    [Fact]
    public async Task ReadingThatOutlastsItsBudgetIsRejectedSayingSo()
    {
        var extractor = new DocumentTextExtractor(new ExtractionOptions { TimeoutSeconds = 1 }, new ExpiredClock());

        var exception = await Assert.ThrowsAsync<UnreadableDocumentException>(() => extractor.ExtractAsync(
            new MemoryStream(HostileFiles.Pdf(500, "Page")), "slow.pdf", "application/pdf", TestContext.Current.CancellationToken));

        Assert.Equal("'slow.pdf' cannot be read: it took longer than 1 s to read (setting Extraction:TimeoutSeconds).", exception.Message);
    }

    /// <summary>A clock on which every timer is already due: the budget runs out as soon as the reading starts.</summary>
    private sealed class ExpiredClock : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            System.CreateTimer(callback, state, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private static Paragraph Heading(string text) =>
        new(new ParagraphProperties(new ParagraphStyleId { Val = "Heading1" }), new Run(new Text(text)));

    private static Paragraph TextParagraph(string text) => new(new Run(new Text(text)));

    private static TableCell Cell(string text) => new(new Paragraph(new Run(new Text(text))));

    private static byte[] BuildDocx(string? title, params OpenXmlElement[] content) => BuildDocx(title, styles: null, content);

    private static byte[] BuildDocx(string? title, Styles? styles, params OpenXmlElement[] content)
    {
        using var stream = new MemoryStream();
        using (var word = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = word.AddMainDocumentPart();
            main.Document = new Document(new Body(content));
            if (styles is not null)
            {
                main.AddNewPart<StyleDefinitionsPart>().Styles = styles;
            }
            if (title is not null)
            {
                word.PackageProperties.Title = title;
            }
        }
        return stream.ToArray();
    }
}
