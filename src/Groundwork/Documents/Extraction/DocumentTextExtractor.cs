using System.Text;

namespace Groundwork.Documents.Extraction;

public enum DocumentKind { PlainText, Markdown, Html, Pdf, Docx }

public sealed record SupportedDocumentType(DocumentKind Kind, string ContentType, IReadOnlyList<string> Extensions, string Description);

/// <summary>
/// Turns an uploaded file into plain text for chunking: plain text, Markdown, HTML, PDF (text layer) and DOCX, within the
/// bounds of <see cref="ExtractionOptions"/>. Parsing runs off the request's thread, at most
/// <see cref="ExtractionOptions.MaxConcurrent"/> files at a time in the process, each within its time budget.
/// </summary>
public sealed class DocumentTextExtractor(ExtractionOptions options, TimeProvider timeProvider) : IDocumentTextExtractor
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

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SemaphoreSlim _slots = new(options.MaxConcurrent, options.MaxConcurrent);

    public DocumentTextExtractor() : this(new ExtractionOptions(), TimeProvider.System)
    {
    }

    public DocumentTextExtractor(ExtractionOptions options) : this(options, TimeProvider.System)
    {
    }

    public ExtractionOptions Options { get; } = options;

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

        ExtractedDocument document;
        try
        {
            document = await ReadWithinBudgetAsync(kind, bytes, fileName, cancellationToken);
        }
        catch (DocumentLimitException limit) when (limit.TooLong)
        {
            throw new DocumentTooLongException(fileName, limit.Message, limit);
        }
        catch (DocumentLimitException limit)
        {
            throw new UnreadableDocumentException(fileName, limit.Message, limit);
        }

        if (string.IsNullOrWhiteSpace(document.Text))
        {
            throw new UnreadableDocumentException(fileName, "it contains no text");
        }
        return document.Title is null ? document with { Title = Chunker.FirstHeading(document.Text) } : document;
    }

    /// <summary>
    /// Reads on the thread pool once a slot is free, cancelled by the caller or when the time budget runs out. The answer
    /// does not wait for a parser that ignores cancellation; its slot stays taken until it ends, so such work stays bounded.
    /// </summary>
    private async Task<ExtractedDocument> ReadWithinBudgetAsync(DocumentKind kind, byte[] bytes, string fileName, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(Options.TimeoutSeconds), timeProvider);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        Task<ExtractedDocument> reading;
        try
        {
            var token = budget.Token;
            reading = Task.Run(() => Read(kind, bytes, fileName, token), CancellationToken.None);
        }
        catch
        {
            _slots.Release();
            throw;
        }

        _ = reading.ContinueWith(_ => _slots.Release(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            return await reading.WaitAsync(budget.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw DocumentLimitException.Timeout(Options.TimeoutSeconds);
        }
    }

    private ExtractedDocument Read(DocumentKind kind, byte[] bytes, string fileName, CancellationToken cancellationToken) => kind switch
    {
        DocumentKind.PlainText => ReadPlainText(bytes, fileName, markdown: false),
        DocumentKind.Markdown => ReadPlainText(bytes, fileName, markdown: true),
        DocumentKind.Html => HtmlText.Read(bytes, fileName, Options, cancellationToken),
        DocumentKind.Pdf => PdfText.Read(bytes, fileName, Options, cancellationToken),
        DocumentKind.Docx => ReadDocx(bytes, fileName, cancellationToken),
        _ => throw new UnreadableDocumentException(fileName, "its type cannot be read"),
    };

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

    private ExtractedDocument ReadPlainText(byte[] bytes, string fileName, bool markdown)
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

        if (text.Length > Options.MaxCharacters)
        {
            throw DocumentLimitException.Characters(Options.MaxCharacters);
        }

        text = TextNormalisation.NormaliseLineEndings(text).TrimEnd().TrimStart('\n');
        if (markdown)
        {
            text = SetextHeadingsToAtx(text);
        }

        return new ExtractedDocument(text, [], Title: null, ContentTypeOf(markdown ? DocumentKind.Markdown : DocumentKind.PlainText));
    }

    public static string ContentTypeOf(DocumentKind kind) => SupportedTypes.First(t => t.Kind == kind).ContentType;

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

    private ExtractedDocument ReadDocx(byte[] bytes, string fileName, CancellationToken cancellationToken)
    {
        if (bytes is not [0x50, 0x4B, ..])
        {
            throw new UnreadableDocumentException(fileName, "it is not a DOCX (not a zip package)");
        }

        try
        {
            return DocxText.Read(bytes, fileName, Options, cancellationToken);
        }
        catch (Exception exception) when (exception is not (UnreadableDocumentException or DocumentLimitException
            or OperationCanceledException or OutOfMemoryException))
        {
            // Zip, XML and I/O errors alike: the package is damaged or not what it claims to be.
            throw new UnreadableDocumentException(fileName, "the DOCX is corrupt or unsupported", exception);
        }
    }
}
