using System.ComponentModel.DataAnnotations;

namespace Groundwork.Documents;

public sealed class DocumentsOptions
{
    public const string Section = "Documents";

    /// <summary>Largest <c>POST /documents</c> body (JSON or all files of an upload together); larger ones get 413.</summary>
    [Range(1_024, 1L << 30)]
    public long MaxUploadBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most files one multipart upload may carry; more get 422.</summary>
    [Range(1, 10_000)]
    public int MaxFilesPerUpload { get; set; } = 100;
}
