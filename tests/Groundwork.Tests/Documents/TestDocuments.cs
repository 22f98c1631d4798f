using System.Net.Http.Headers;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using PageSize = UglyToad.PdfPig.Content.PageSize;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Groundwork.Tests.Documents;

/// <summary>DOCX, PDF and multipart bodies built at run time for upload tests.</summary>
internal static class TestDocuments
{
    public const string Docx = Groundwork.Documents.Extraction.DocumentTextExtractor.DocxContentType;

    /// <summary>A DOCX whose paragraphs have the given style ids (null: body text), with <paramref name="coreTitle"/> as dc:title if set.</summary>
    public static byte[] BuildDocx(string? coreTitle, params (string? Style, string Text)[] paragraphs)
    {
        using var stream = new MemoryStream();
        using (var word = WordprocessingDocument.Create(stream, DocumentFormat.OpenXml.WordprocessingDocumentType.Document))
        {
            var body = new Body();
            foreach (var (style, text) in paragraphs)
            {
                var paragraph = new Paragraph(new Run(new Text(text)));
                if (style is not null)
                {
                    paragraph.PrependChild(new ParagraphProperties(new ParagraphStyleId { Val = style }));
                }

                body.Append(paragraph);
            }

            word.AddMainDocumentPart().Document = new Document(body);
            if (coreTitle is not null)
            {
                word.PackageProperties.Title = coreTitle;
            }
        }

        return stream.ToArray();
    }

    /// <summary>A PDF with one line of text per page and <paramref name="infoTitle"/> in its document information, if set.</summary>
    public static byte[] BuildPdf(string? infoTitle, params string[] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var text in pages)
        {
            builder.AddPage(PageSize.A4).AddText(text, 12, new PdfPoint(50, 750), font);
        }

        if (infoTitle is not null)
        {
            builder.DocumentInformation.Title = infoTitle;
        }

        return builder.Build();
    }

    public static MultipartFormDataContent Form(IEnumerable<(byte[] Bytes, string FileName, string ContentType)> files,
        params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        foreach (var (bytes, fileName, contentType) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            form.Add(part, "files", fileName);
        }

        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }

    /// <summary>Non-white-space characters of <paramref name="chunk"/> outside Markdown heading lines.</summary>
    public static int ProseCharacters(string chunk) =>
        chunk.Split('\n').Where(line => !line.TrimStart().StartsWith('#')).Sum(line => line.Count(c => !char.IsWhiteSpace(c)));
}
