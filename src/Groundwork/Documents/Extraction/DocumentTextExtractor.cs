using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace Groundwork.Documents.Extraction;

public enum DocumentKind { PlainText, Markdown, Html, Pdf, Docx }

public sealed record SupportedDocumentType(DocumentKind Kind, string ContentType, IReadOnlyList<string> Extensions, string Description);

/// <summary>Turns an uploaded file into plain text for chunking: plain text, Markdown, HTML, PDF (text layer) and DOCX.</summary>
public sealed class DocumentTextExtractor : IDocumentTextExtractor
{
    public const string DocxContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    public static IReadOnlyList<SupportedDocumentType> SupportedTypes { get; } =
    [
        new(DocumentKind.PlainText, "text/plain", [".txt"], "plain text (text/plain, .txt)"),
        new(DocumentKind.Markdown, "text/markdown", [".md", ".markdown"], "Markdown (text/markdown, .md)"),
        new(DocumentKind.Html, "text/html", [".html", ".htm"], "HTML (text/html, .html, .htm)"),
        new(DocumentKind.Pdf, "application/pdf", [".pdf"], "PDF (application/pdf, .pdf)"),
        new(DocumentKind.Docx, DocxContentType, [".docx"], $"Word (.docx, {DocxContentType})"),
    ];

    private static readonly string[] HtmlDroppedElements =
        ["script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg", "iframe", "object", "embed"];

    private static readonly HashSet<string> HtmlBlockElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "blockquote", "body", "dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption",
        "figure", "hgroup", "hr", "main", "ol", "p", "section", "summary", "table", "ul", "caption", "thead", "tbody", "tfoot",
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public async Task<ExtractedDocument> ExtractAsync(Stream content, string fileName, string? contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(fileName);

        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken);
        var bytes = buffer.ToArray();

        var kind = DetectKind(bytes, fileName, contentType) ?? throw new UnsupportedDocumentTypeException(fileName, contentType);
        if (bytes.Length == 0)
        {
            throw new UnreadableDocumentException(fileName, "the file is empty");
        }

        var document = kind switch
        {
            DocumentKind.PlainText => ReadPlainText(bytes, fileName, markdown: false),
            DocumentKind.Markdown => ReadPlainText(bytes, fileName, markdown: true),
            DocumentKind.Html => ReadHtml(bytes),
            DocumentKind.Pdf => ReadPdf(bytes, fileName, cancellationToken),
            DocumentKind.Docx => ReadDocx(bytes, fileName),
            _ => throw new UnsupportedDocumentTypeException(fileName, contentType),
        };
        if (string.IsNullOrWhiteSpace(document.Text))
        {
            throw new UnreadableDocumentException(fileName, "it contains no text");
        }
        return document;
    }

    /// <summary>
    /// A specific content type wins, then the extension, then a generic text/plain; a file that declares none of them
    /// (application/octet-stream, no extension) is read as a PDF only if it starts with the PDF header.
    /// </summary>
    internal static DocumentKind? DetectKind(ReadOnlySpan<byte> bytes, string fileName, string? contentType)
    {
        var mediaType = contentType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        var byContentType = SupportedTypes.FirstOrDefault(t => t.ContentType == mediaType)?.Kind;
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        var byExtension = SupportedTypes.FirstOrDefault(t => t.Extensions.Contains(extension))?.Kind;

        if (byContentType is { } specific && specific != DocumentKind.PlainText)
        {
            return specific;
        }
        if ((byExtension ?? byContentType) is { } declared)
        {
            return declared;
        }
        return bytes.StartsWith("%PDF-"u8) ? DocumentKind.Pdf : null;
    }

    private static bool HasPdfHeader(ReadOnlySpan<byte> bytes)
    {
        // Readers accept a little junk before the header, within the first kilobyte.
        var head = bytes[..Math.Min(bytes.Length, 1024)];
        return head.IndexOf("%PDF-"u8) >= 0;
    }

    private static ExtractedDocument ReadPlainText(byte[] bytes, string fileName, bool markdown)
    {
        string text;
        if (bytes is [0xFF, 0xFE, ..])
        {
            text = Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2);
        }
        else if (bytes is [0xFE, 0xFF, ..])
        {
            text = Encoding.BigEndianUnicode.GetString(bytes, 2, bytes.Length - 2);
        }
        else
        {
            if (Array.IndexOf(bytes, (byte)0) >= 0)
            {
                throw new UnreadableDocumentException(fileName, "it contains NUL bytes, so it is binary rather than text");
            }
            var start = bytes is [0xEF, 0xBB, 0xBF, ..] ? 3 : 0;
            try
            {
                text = StrictUtf8.GetString(bytes, start, bytes.Length - start);
            }
            catch (DecoderFallbackException exception)
            {
                throw new UnreadableDocumentException(fileName, "it is not valid UTF-8 text; save it as UTF-8", exception);
            }
        }

        text = TextNormalisation.NormaliseLineEndings(text).TrimEnd().TrimStart('\n');
        if (markdown)
        {
            text = SetextHeadingsToAtx(text);
        }

        return new ExtractedDocument(text, [], markdown ? MarkdownTitle(text) : null);
    }

    private static string? MarkdownTitle(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("# ", StringComparison.Ordinal))
            {
                var title = line[2..].Trim().TrimEnd('#').Trim();
                return title.Length > 0 ? title : null;
            }
        }
        return null;
    }

    /// <summary>
    /// Rewrites setext headings (a line underlined with <c>===</c> or <c>---</c>) as ATX headings (<c># Title</c>), the one
    /// heading syntax the chunker reads. Only a single line at the start or after a blank line, outside fenced code, is taken
    /// for a heading, so YAML front matter and a rule under a paragraph of several lines stay as they are.
    /// </summary>
    internal static string SetextHeadingsToAtx(string text)
    {
        var lines = text.Split('\n');
        var result = new List<string>(lines.Length);
        var fence = "";
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
            {
                fence = fence.Length == 0 ? trimmed[..3] : trimmed.StartsWith(fence, StringComparison.Ordinal) ? "" : fence;
            }
            else if (fence.Length == 0 && i + 1 < lines.Length && (i == 0 || lines[i - 1].Trim().Length == 0)
                && CanBeSetextHeading(line) && SetextLevel(lines[i + 1]) is { } level)
            {
                result.Add($"{new string('#', level)} {trimmed}");
                i++;
                continue;
            }

            result.Add(line);
        }

        return string.Join('\n', result);
    }

    private static bool CanBeSetextHeading(string line)
    {
        var trimmed = line.TrimStart(' ');
        return line.Length - trimmed.Length <= 3 && trimmed.Trim().Length > 0
            && trimmed[0] is not ('#' or '>' or '-' or '*' or '+' or '|' or '<' or '=' or '`' or '~')
            && !(char.IsAsciiDigit(trimmed[0]) && trimmed.TrimStart("0123456789") is ['.' or ')', ..]);
    }

    private static int? SetextLevel(string line)
    {
        var trimmed = line.Trim();
        if (line.Length - line.TrimStart(' ').Length > 3 || trimmed.Length < 2)
        {
            return null;
        }

        return trimmed.All(c => c == '=') ? 1 : trimmed.All(c => c == '-') ? 2 : null;
    }

    private static ExtractedDocument ReadHtml(byte[] bytes)
    {
        var parser = new HtmlParser();
        using var stream = new MemoryStream(bytes, writable: false);
        using var document = parser.ParseDocument(stream);

        var title = Collapse(document.Title);
        if (string.IsNullOrEmpty(title))
        {
            title = Collapse(document.QuerySelector("h1")?.TextContent);
        }

        foreach (var element in document.QuerySelectorAll(string.Join(",", HtmlDroppedElements)).ToList())
        {
            element.Remove();
        }

        var articles = document.QuerySelectorAll("article");
        INode? root = document.QuerySelector("main, [role=main]")
            ?? (articles.Length == 1 ? articles[0] : null)
            ?? (INode?)document.Body
            ?? document.DocumentElement;

        var layout = new TextLayout();
        if (root is not null)
        {
            WriteHtml(root, layout);
        }
        return new ExtractedDocument(layout.ToString(), [], string.IsNullOrEmpty(title) ? null : title);
    }

    private static void WriteHtml(INode node, TextLayout layout)
    {
        if (node is IText text)
        {
            layout.AppendInline(text.Data);
            return;
        }
        if (node is not IElement element)
        {
            foreach (var child in node.ChildNodes)
            {
                WriteHtml(child, layout);
            }
            return;
        }

        var name = element.LocalName;
        if (name == "pre")
        {
            layout.AppendCodeBlock(element.TextContent);
            return;
        }
        if (name is ['h', >= '1' and <= '6'])
        {
            layout.BeginHeading(name[1] - '0');
            foreach (var child in element.ChildNodes)
            {
                WriteHtml(child, layout);
            }
            layout.EndHeading();
            return;
        }

        var separator = name switch
        {
            "br" => TextLayout.Separator.Line,
            "li" or "tr" or "dt" or "dd" => TextLayout.Separator.Line,
            "td" or "th" => TextLayout.Separator.Tab,
            _ when HtmlBlockElements.Contains(name) => TextLayout.Separator.Paragraph,
            _ => TextLayout.Separator.None,
        };
        if (name == "br")
        {
            layout.Request(separator);
            return;
        }

        layout.Request(separator);
        foreach (var child in element.ChildNodes)
        {
            WriteHtml(child, layout);
        }
        // A cell ends with nothing: the next cell asks for the tab and the row end for the line break.
        if (separator != TextLayout.Separator.Tab)
        {
            layout.Request(separator);
        }
    }

    private static string? Collapse(string? text) =>
        text is null ? null : string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static ExtractedDocument ReadPdf(byte[] bytes, string fileName, CancellationToken cancellationToken)
    {
        if (!HasPdfHeader(bytes))
        {
            throw new UnreadableDocumentException(fileName, "it is not a PDF (no %PDF header)");
        }

        try
        {
            using var pdf = PdfDocument.Open(bytes);
            var text = new StringBuilder();
            var pages = new List<PageSpan>(pdf.NumberOfPages);
            foreach (var page in pdf.GetPages())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var pageText = TextNormalisation.Tidy(ContentOrderTextExtractor.GetText(page));
                if (pageText.Length > 0 && text.Length > 0)
                {
                    text.Append("\n\n");
                }
                var start = text.Length;
                text.Append(pageText);
                pages.Add(new PageSpan(page.Number, start, text.Length));
            }

            if (text.Length == 0)
            {
                throw new UnreadableDocumentException(fileName,
                    "the PDF has no text layer (scanned pages need OCR, which is not supported)");
            }
            var title = pdf.Information.Title?.Trim();
            return new ExtractedDocument(text.ToString(), pages, string.IsNullOrEmpty(title) ? null : title);
        }
        catch (PdfDocumentEncryptedException exception)
        {
            throw new UnreadableDocumentException(fileName, "the PDF is encrypted", exception);
        }
        catch (Exception exception) when (exception is not (UnreadableDocumentException or OperationCanceledException or OutOfMemoryException))
        {
            // PdfPig reports damaged files with many exception types (format, index, null reference, ...).
            throw new UnreadableDocumentException(fileName, $"the PDF is corrupt or unsupported ({exception.GetType().Name})", exception);
        }
    }

    private static ExtractedDocument ReadDocx(byte[] bytes, string fileName)
    {
        if (bytes is not [0x50, 0x4B, ..])
        {
            throw new UnreadableDocumentException(fileName, "it is not a DOCX (not a zip package)");
        }

        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            using var word = WordprocessingDocument.Open(stream, isEditable: false);
            var body = word.MainDocumentPart?.Document?.Body
                ?? throw new UnreadableDocumentException(fileName, "the DOCX has no document body");

            var styles = word.MainDocumentPart?.StyleDefinitionsPart?.Styles?.Elements<Style>()
                .Where(s => s.StyleId?.Value is not null)
                .DistinctBy(s => s.StyleId!.Value!)
                .ToDictionary(s => s.StyleId!.Value!) ?? [];
            var layout = new TextLayout();
            WriteDocxBlocks(body, layout, styles);
            var title = word.PackageProperties.Title?.Trim();
            return new ExtractedDocument(layout.ToString(), [], string.IsNullOrEmpty(title) ? null : title);
        }
        catch (Exception exception) when (exception is OpenXmlPackageException or FileFormatException or InvalidDataException or IOException
            or System.Xml.XmlException or InvalidOperationException)
        {
            throw new UnreadableDocumentException(fileName, $"the DOCX is corrupt ({exception.GetType().Name})", exception);
        }
    }

    private static void WriteDocxBlocks(OpenXmlElement container, TextLayout layout, Dictionary<string, Style> styles)
    {
        foreach (var element in container.ChildElements)
        {
            switch (element)
            {
                case Paragraph paragraph when DocxHeadingLevel(paragraph, styles) is { } level:
                    layout.BeginHeading(level);
                    WriteDocxRuns(paragraph, layout);
                    layout.EndHeading();
                    break;
                case Paragraph paragraph:
                    layout.Request(TextLayout.Separator.Paragraph);
                    WriteDocxRuns(paragraph, layout);
                    layout.Request(TextLayout.Separator.Paragraph);
                    break;
                case Table table:
                    layout.Request(TextLayout.Separator.Paragraph);
                    foreach (var row in table.Elements<TableRow>())
                    {
                        layout.Request(TextLayout.Separator.Line);
                        foreach (var cell in row.Elements<TableCell>())
                        {
                            layout.Request(TextLayout.Separator.Tab);
                            foreach (var cellParagraph in cell.Descendants<Paragraph>())
                            {
                                layout.Request(TextLayout.Separator.Space);
                                WriteDocxRuns(cellParagraph, layout);
                            }
                        }
                    }
                    layout.Request(TextLayout.Separator.Paragraph);
                    break;
                default:
                    // Content controls, custom XML and similar wrappers hold paragraphs and tables of their own.
                    WriteDocxBlocks(element, layout, styles);
                    break;
            }
        }
    }

    /// <summary>
    /// A paragraph's outline level, its own or its style's (inherited through based-on styles), which holds whatever language
    /// the document names its styles in; failing that, the built-in style names "heading 1".."heading 9" and "Title".
    /// </summary>
    private static int? DocxHeadingLevel(Paragraph paragraph, Dictionary<string, Style> styles)
    {
        var properties = paragraph.ParagraphProperties;
        var outlineLevel = properties?.OutlineLevel?.Val?.Value;
        var styleId = properties?.ParagraphStyleId?.Val?.Value;
        var names = new List<string>();
        // A based-on chain is short; the bound only stops a cycle in a damaged file.
        for (var depth = 0; outlineLevel is null && styleId is not null && depth < 10; depth++)
        {
            names.Add(styleId);
            if (!styles.TryGetValue(styleId, out var style))
            {
                break;
            }
            if (style.StyleName?.Val?.Value is { } name)
            {
                names.Add(name);
            }
            outlineLevel = style.StyleParagraphProperties?.OutlineLevel?.Val?.Value;
            styleId = style.BasedOn?.Val?.Value;
        }

        // Outline level 9 is body text.
        if (outlineLevel is { } level)
        {
            return level < 9 ? Math.Min(level + 1, 6) : null;
        }
        foreach (var name in names)
        {
            var compact = name.Replace(" ", "", StringComparison.Ordinal);
            if (compact.Equals("Title", StringComparison.OrdinalIgnoreCase))
            {
                return 1;
            }
            if (compact.StartsWith("heading", StringComparison.OrdinalIgnoreCase) && compact.Length == 8 && compact[7] is >= '1' and <= '9')
            {
                return Math.Min(compact[7] - '0', 6);
            }
        }
        return null;
    }

    private static void WriteDocxRuns(Paragraph paragraph, TextLayout layout)
    {
        foreach (var element in paragraph.Descendants())
        {
            switch (element)
            {
                case Text text:
                    layout.AppendVerbatim(text.Text);
                    break;
                case TabChar:
                    layout.Request(TextLayout.Separator.Tab);
                    break;
                case Break or CarriageReturn:
                    layout.Request(TextLayout.Separator.Line);
                    break;
                case NoBreakHyphen:
                    layout.AppendVerbatim("-");
                    break;
            }
        }
    }
}
