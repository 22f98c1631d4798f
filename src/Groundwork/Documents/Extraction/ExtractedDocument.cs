namespace Groundwork.Documents.Extraction;

/// <summary>Text pulled out of an uploaded file.</summary>
/// <param name="Text">The document's text, line endings normalised to <c>\n</c>, paragraphs separated by a blank line.</param>
/// <param name="Pages">Character ranges of <paramref name="Text"/> per page; empty for formats without pages (everything but PDF).</param>
/// <param name="Title">The document's own title when it declares one (HTML title or first h1, PDF info, DOCX core properties, Markdown first heading).</param>
public sealed record ExtractedDocument(string Text, IReadOnlyList<PageSpan> Pages, string? Title);

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
