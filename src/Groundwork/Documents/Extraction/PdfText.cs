using System.Text;
using System.Xml;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace Groundwork.Documents.Extraction;

/// <summary>The text layer of a PDF, page by page, within the page and character limits.</summary>
internal static class PdfText
{
    private const string DublinCore = "http://purl.org/dc/elements/1.1/";
    private const int MaxXmpBytes = 1 << 20;

    private static readonly XmlReaderSettings XmpReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        MaxCharactersInDocument = MaxXmpBytes,
    };

    public static ExtractedDocument Read(byte[] bytes, string fileName, ExtractionOptions options, CancellationToken cancellationToken)
    {
        if (!HasPdfHeader(bytes))
        {
            throw new UnreadableDocumentException(fileName, "it is not a PDF (no %PDF header)");
        }

        try
        {
            using var pdf = PdfDocument.Open(bytes, new ParsingOptions { FilterProvider = new BoundedPdfFilters(options.MaxExpandedBytes) });
            if (pdf.NumberOfPages > options.MaxPages)
            {
                throw DocumentLimitException.Pages(options.MaxPages);
            }

            var text = new StringBuilder();
            var pages = new List<PageSpan>(pdf.NumberOfPages);
            for (var number = 1; number <= pdf.NumberOfPages; number++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var pageText = TextNormalisation.Tidy(ContentOrderTextExtractor.GetText(pdf.GetPage(number)));
                if (pageText.Length > 0 && text.Length > 0)
                {
                    text.Append("\n\n");
                }
                var start = text.Length;
                text.Append(pageText);
                if (text.Length > options.MaxCharacters)
                {
                    throw DocumentLimitException.Characters(options.MaxCharacters);
                }
                pages.Add(new PageSpan(number, start, text.Length));
            }

            if (text.Length == 0)
            {
                throw new UnreadableDocumentException(fileName,
                    "the PDF has no text layer (scanned pages need OCR, which is not supported)");
            }
            var title = DocumentTitle.Own(pdf.Information.Title, fileName) ?? DocumentTitle.Own(XmpTitle(pdf), fileName);
            return new ExtractedDocument(text.ToString(), pages, title, DocumentTextExtractor.ContentTypeOf(DocumentKind.Pdf));
        }
        catch (PdfDocumentEncryptedException exception)
        {
            throw new UnreadableDocumentException(fileName, "the PDF is encrypted", exception);
        }
        catch (Exception exception) when (exception is not (UnreadableDocumentException or DocumentLimitException
            or OperationCanceledException or OutOfMemoryException))
        {
            // PdfPig reports damaged files with many exception types (format, index, null reference, ...).
            throw new UnreadableDocumentException(fileName, "the PDF is corrupt or unsupported", exception);
        }
    }

    /// <summary>The first dc:title of the document's XMP metadata; null when there is none or it cannot be read.</summary>
    private static string? XmpTitle(PdfDocument pdf)
    {
        if (!pdf.TryGetXmpMetadata(out var xmp))
        {
            return null;
        }

        var xml = xmp.GetXmlMemory();
        if (xml.Length > MaxXmpBytes)
        {
            return null;
        }

        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml.ToArray(), writable: false), XmpReaderSettings);
            var inTitle = -1;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "title" && reader.NamespaceURI == DublinCore)
                {
                    inTitle = reader.Depth;
                }
                else if (inTitle >= 0 && reader.NodeType == XmlNodeType.EndElement && reader.Depth == inTitle)
                {
                    inTitle = -1;
                }
                else if (inTitle >= 0 && reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA && !string.IsNullOrWhiteSpace(reader.Value))
                {
                    return reader.Value;
                }
            }
        }
        catch (XmlException)
        {
            // Damaged metadata costs the title only, never the document.
        }

        return null;
    }

    private static bool HasPdfHeader(ReadOnlySpan<byte> bytes)
    {
        // Readers accept a little junk before the header, within the first kilobyte.
        var head = bytes[..Math.Min(bytes.Length, 1024)];
        return head.IndexOf("%PDF-"u8) >= 0;
    }
}
