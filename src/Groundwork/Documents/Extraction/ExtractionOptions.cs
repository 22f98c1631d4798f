using System.ComponentModel.DataAnnotations;

namespace Groundwork.Documents.Extraction;

/// <summary>
/// Bounds on reading one uploaded file, whatever its format, enforced while it is read: a hostile file is rejected with the
/// limit it broke instead of exhausting the stack, memory or CPU. The defaults let real documents through (a 500-page PDF,
/// a 300-page DOCX manual, a large HTML page).
/// </summary>
public sealed class ExtractionOptions
{
    public const string Section = "Extraction";

    /// <summary>Deepest element nesting in HTML and in DOCX XML parts.</summary>
    [Range(16, 4_096)]
    public int MaxDepth { get; set; } = 256;

    /// <summary>Most characters of text a document may have (files and JSON alike); longer ones get 413.</summary>
    [Range(1_000, 100_000_000)]
    public int MaxCharacters { get; set; } = 2_000_000;

    /// <summary>Most bytes a DOCX may inflate to: each zip entry, and all entries read together.</summary>
    [Range(1L << 20, 1L << 32)]
    public long MaxExpandedBytes { get; set; } = 64L << 20;

    /// <summary>Largest ratio of inflated to compressed size of a zip entry (entries under 1 MiB are not held to it).</summary>
    [Range(10, 1_000)]
    public int MaxCompressionRatio { get; set; } = 100;

    /// <summary>Most pages a PDF may have; more get 413.</summary>
    [Range(1, 1_000_000)]
    public int MaxPages { get; set; } = 5_000;

    /// <summary>Longest reading one file may take; the upload's own cancellation stops it too.</summary>
    [Range(1, 3_600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Files read at once in the whole process; further uploads wait for a slot.</summary>
    [Range(1, 1_024)]
    public int MaxConcurrent { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);
}
