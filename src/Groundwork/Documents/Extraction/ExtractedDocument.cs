namespace Groundwork.Documents.Extraction;

/// <summary>Text pulled out of an uploaded file.</summary>
/// <param name="Text">The document's text, line endings normalised to <c>\n</c>, paragraphs separated by a blank line.</param>
/// <param name="Pages">Character ranges of <paramref name="Text"/> per page; empty for formats without pages (everything but PDF).</param>
/// <param name="Title">
/// The document's own title (HTML title; PDF info or XMP title; DOCX core properties title, else its first Title-style
/// paragraph), a generator's placeholder such as "Untitled" or the file name not counting; failing that, the text's first
/// heading line; null when there is neither.
/// </param>
/// <param name="ContentType">The type the file was read as (<see cref="DocumentTextExtractor.SupportedTypes"/>), whatever the client declared.</param>
public sealed record ExtractedDocument(string Text, IReadOnlyList<PageSpan> Pages, string? Title, string ContentType);

/// <summary>Page <paramref name="PageNumber"/> (1-based) is <c>Text[Start..End]</c>; a page without text has <c>Start == End</c>.</summary>
public sealed record PageSpan(int PageNumber, int Start, int End);

public interface IDocumentTextExtractor
{
    /// <exception cref="UnsupportedDocumentTypeException">The file is not one of <see cref="DocumentTextExtractor.SupportedTypes"/>.</exception>
    /// <exception cref="UnreadableDocumentException">The file claims a supported type but no text can be read from it.</exception>
    Task<ExtractedDocument> ExtractAsync(Stream content, string fileName, string? contentType, CancellationToken cancellationToken);
}

public sealed class UnsupportedDocumentTypeException(string fileName, string? contentType)
    : Exception($"'{fileName}' ({(string.IsNullOrWhiteSpace(contentType) ? "no content type" : contentType)}) is not a supported document type. " +
        $"Supported: {string.Join("; ", DocumentTextExtractor.SupportedTypes.Select(t => t.Description))}.")
{
    public string FileName { get; } = fileName;
    public string? ContentType { get; } = contentType;
}

public sealed class UnreadableDocumentException(string fileName, string reason, Exception? innerException = null)
    : Exception($"'{fileName}' cannot be read: {reason}.", innerException)
{
    public string FileName { get; } = fileName;
    public string Reason { get; } = reason;
}

/// <summary>The file is readable but has more text or pages than the extraction limits allow (413).</summary>
public sealed class DocumentTooLongException(string fileName, string reason, Exception? innerException = null)
    : Exception($"'{fileName}' {reason}.", innerException)
{
    public string FileName { get; } = fileName;
    public string Reason { get; } = reason;
}

/// <summary>A limit of <see cref="ExtractionOptions"/> was reached while reading; the extractor names the file.</summary>
internal sealed class DocumentLimitException(string reason, bool tooLong) : Exception(reason)
{
    /// <summary>Too much text or too many pages, rather than a file built to exhaust the reader.</summary>
    public bool TooLong { get; } = tooLong;

    public static DocumentLimitException Characters(int max) =>
        new(Invariant($"has more than {max:N0} characters of text (setting Extraction:MaxCharacters)"), tooLong: true);

    public static DocumentLimitException Pages(int max) =>
        new(Invariant($"has more than {max:N0} pages (setting Extraction:MaxPages)"), tooLong: true);

    public static DocumentLimitException Depth(int max) =>
        new(Invariant($"it is nested deeper than {max:N0} levels (setting Extraction:MaxDepth)"), tooLong: false);

    public static DocumentLimitException Expanded(long maxBytes) =>
        new($"it expands to more than {Size(maxBytes)} when decompressed (setting Extraction:MaxExpandedBytes)", tooLong: false);

    public static DocumentLimitException Ratio(int maxRatio) =>
        new(Invariant($"it expands more than {maxRatio:N0} times its compressed size when unzipped (setting Extraction:MaxCompressionRatio)"),
            tooLong: false);

    public static DocumentLimitException Timeout(int seconds) =>
        new(Invariant($"it took longer than {seconds:N0} s to read (setting Extraction:TimeoutSeconds)"), tooLong: false);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private static string Size(long bytes) =>
        bytes % (1L << 30) == 0 ? Invariant($"{bytes >> 30:N0} GiB")
        : bytes % (1L << 20) == 0 ? Invariant($"{bytes >> 20:N0} MiB")
        : Invariant($"{bytes:N0} bytes");
}
