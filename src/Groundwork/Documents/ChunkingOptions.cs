using System.ComponentModel.DataAnnotations;

namespace Groundwork.Documents;

public sealed class ChunkingOptions
{
    public const string Section = "Chunking";

    /// <summary>Word pieces per chunk; all-MiniLM-L6-v2 reads 256 including its two markers.</summary>
    [Range(16, 254)]
    public int MaxTokens { get; set; } = 200;

    /// <summary>The last sentence of a chunk is repeated at the start of the next when it is at most this long.</summary>
    [Range(0, 128)]
    public int OverlapTokens { get; set; } = 48;
}
