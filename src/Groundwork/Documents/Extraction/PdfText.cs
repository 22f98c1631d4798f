using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace Groundwork.Documents.Extraction;

/// <summary>The text layer of a PDF, page by page, within the page and character limits.</summary>
internal static class PdfText
{
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
            var title = pdf.Information.Title?.Trim();
            return new ExtractedDocument(text.ToString(), pages, string.IsNullOrEmpty(title) ? null : title);
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

    private static bool HasPdfHeader(ReadOnlySpan<byte> bytes)
    {
        // Readers accept a little junk before the header, within the first kilobyte.
        var head = bytes[..Math.Min(bytes.Length, 1024)];
        return head.IndexOf("%PDF-"u8) >= 0;
    }
}
