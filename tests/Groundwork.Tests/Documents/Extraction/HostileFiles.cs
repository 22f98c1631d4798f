using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Groundwork.Tests.Documents.Extraction;

/// <summary>Crafted files that once crashed, exhausted or stalled extraction, generated at run time.</summary>
internal static class HostileFiles
{
    public const string DocumentPart = "word/document.xml";
    private const string WordNamespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    private const string DocumentStart = $"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><w:document xmlns:w=\"{WordNamespace}\"><w:body>";
    private const string DocumentEnd = "</w:body></w:document>";
    public const string Paragraph = "<w:p><w:r><w:t>a</w:t></w:r></w:p>";

    /// <summary>A minimal DOCX package whose document part is whatever <paramref name="writeBody"/> writes between body tags.</summary>
    public static byte[] Docx(Action<Stream> writeBody, CompressionLevel level = CompressionLevel.Optimal)
    {
        var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            WriteEntry(zip, "[Content_Types].xml",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">" +
                "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>" +
                "<Default Extension=\"xml\" ContentType=\"application/xml\"/>" +
                "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>");
            WriteEntry(zip, "_rels/.rels",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
                "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>");
            using var document = zip.CreateEntry(DocumentPart, level).Open();
            document.Write(Encoding.UTF8.GetBytes(DocumentStart));
            writeBody(document);
            document.Write(Encoding.UTF8.GetBytes(DocumentEnd));
        }

        return output.ToArray();
    }

    private static void WriteEntry(ZipArchive zip, string name, string content)
    {
        using var stream = zip.CreateEntry(name).Open();
        stream.Write(Encoding.UTF8.GetBytes(content));
    }

    /// <summary>One paragraph inside <paramref name="levels"/> nested content controls.</summary>
    public static byte[] NestedContentControlsDocx(int levels, CompressionLevel level = CompressionLevel.Optimal) => Docx(body =>
    {
        WriteRepeated(body, "<w:sdt><w:sdtContent>"u8, levels);
        body.Write(Encoding.UTF8.GetBytes(Paragraph));
        WriteRepeated(body, "</w:sdtContent></w:sdt>"u8, levels);
    }, level);

    /// <summary>A document part of <paramref name="bytes"/> bytes: <paramref name="unit"/> repeated, streamed into the zip.</summary>
    public static byte[] DocxBomb(long bytes, string unit) => Docx(body =>
    {
        body.Write(Encoding.UTF8.GetBytes(Paragraph));
        var unitBytes = Encoding.UTF8.GetBytes(unit);
        var chunk = new byte[unitBytes.Length * (65_536 / unitBytes.Length)];
        for (var i = 0; i < chunk.Length; i += unitBytes.Length)
        {
            unitBytes.CopyTo(chunk, i);
        }

        for (long written = 0; written < bytes; written += chunk.Length)
        {
            body.Write(chunk);
        }
    });

    /// <summary>The package with the sizes <paramref name="entry"/> declares in its local header and central directory set to <paramref name="declared"/>.</summary>
    public static byte[] WithDeclaredSize(byte[] zip, string entry, uint declared)
    {
        var bytes = (byte[])zip.Clone();
        var name = Encoding.ASCII.GetBytes(entry);
        for (var i = 0; i + 4 < bytes.Length; i++)
        {
            if (bytes.AsSpan(i).StartsWith("PK\u0003\u0004"u8) && i + 30 + name.Length <= bytes.Length && bytes.AsSpan(i + 30, name.Length).SequenceEqual(name))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 22), declared);
            }
            else if (bytes.AsSpan(i).StartsWith("PK\u0001\u0002"u8) && i + 46 + name.Length <= bytes.Length && bytes.AsSpan(i + 46, name.Length).SequenceEqual(name))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(i + 24), declared);
            }
        }

        return bytes;
    }

    private static void WriteRepeated(Stream stream, ReadOnlySpan<byte> unit, int count)
    {
        for (var i = 0; i < count; i++)
        {
            stream.Write(unit);
        }
    }

    /// <summary>An HTML page with <paramref name="open"/> repeated <paramref name="levels"/> times, then (if any) <paramref name="close"/> as often.</summary>
    public static byte[] NestedHtml(int levels, string open, string close = "")
    {
        var html = new StringBuilder("<!DOCTYPE html><html><head><title>Deep</title></head><body>");
        html.Insert(html.Length, open, levels).Append("text");
        html.Insert(html.Length, close, levels);
        return Encoding.UTF8.GetBytes(html.Append("</body></html>").ToString());
    }

    /// <summary>
    /// A PDF written by hand: <paramref name="pageCount"/> tiny page objects sharing the page tree's resources and, if
    /// <paramref name="text"/> is given, one content stream showing it.
    /// </summary>
    public static byte[] Pdf(int pageCount, string? text)
    {
        var objects = new List<string>
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            $"<< /Type /Pages /Count {pageCount} /MediaBox [0 0 612 792] /Resources 3 0 R /Kids [{string.Join(' ', Enumerable.Range(5, pageCount).Select(n => $"{n} 0 R"))}] >>",
            "<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>",
        };
        var content = text is null ? "" : $"BT /F1 12 Tf 72 720 Td ({text}) Tj ET";
        objects.Add($"<< /Length {content.Length} >>\nstream\n{content}\nendstream");
        var page = text is null ? "<< /Type /Page /Parent 2 0 R >>" : "<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>";
        objects.AddRange(Enumerable.Repeat(page, pageCount));

        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(pdf.Length);
            pdf.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = pdf.Length;
        pdf.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }

        pdf.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }

    /// <summary>A one-page PDF whose Flate content stream inflates to <paramref name="decodedBytes"/> of spaces.</summary>
    public static byte[] PdfWithFlateBomb(long decodedBytes)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write("BT /F1 12 Tf 72 720 Td (bomb) Tj ET\n"u8);
            var spaces = new byte[1 << 20];
            spaces.AsSpan().Fill((byte)' ');
            for (long written = 0; written < decodedBytes; written += spaces.Length)
            {
                zlib.Write(spaces);
            }
        }

        var pdf = new MemoryStream();
        var offsets = new List<long>();
        void Object(string head, byte[]? stream = null)
        {
            offsets.Add(pdf.Position);
            pdf.Write(Encoding.ASCII.GetBytes($"{offsets.Count} 0 obj\n{head}\n"));
            if (stream is not null)
            {
                pdf.Write("stream\n"u8);
                pdf.Write(stream);
                pdf.Write("\nendstream\n"u8);
            }
            pdf.Write("endobj\n"u8);
        }

        pdf.Write("%PDF-1.4\n"u8);
        Object("<< /Type /Catalog /Pages 2 0 R >>");
        Object("<< /Type /Pages /Count 1 /MediaBox [0 0 612 792] /Resources 3 0 R /Kids [5 0 R] >>");
        Object("<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>");
        var content = compressed.ToArray();
        Object(string.Create(CultureInfo.InvariantCulture, $"<< /Length {content.Length} /Filter /FlateDecode >>"), content);
        Object("<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>");
        var xref = pdf.Position;
        var trailer = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"xref\n0 {offsets.Count + 1}\n0000000000 65535 f \n"));
        foreach (var offset in offsets)
        {
            trailer.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }
        trailer.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {offsets.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        pdf.Write(Encoding.ASCII.GetBytes(trailer.ToString()));
        return pdf.ToArray();
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
