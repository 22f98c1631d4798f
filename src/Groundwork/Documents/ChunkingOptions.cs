using System.ComponentModel.DataAnnotations;

namespace Groundwork.Documents;

public sealed class ChunkingOptions
{
    public const string Section = "Chunking";

    /// <summary>Word pieces per chunk; all-MiniLM-L6-v2 reads 256 including its two markers.</summary>
    [Range(16, 254)]
    public int MaxTokens { get; set; } = 200;

    /// <summary>
    /// Where a paragraph is cut between chunks, the next chunk starts by repeating the previous one's trailing sentences
    /// of that paragraph, at most this many word pieces of them; nothing is repeated across paragraphs or sections.
    /// </summary>
    [Range(0, 128)]
    public int OverlapTokens { get; set; } = 48;
}
