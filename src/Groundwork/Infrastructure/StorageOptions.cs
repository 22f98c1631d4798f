using System.ComponentModel.DataAnnotations;

namespace Groundwork.Infrastructure;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Folder holding the SQLite database and the vector index; created on first start.</summary>
    [Required]
    public string Path { get; set; } = "./data";

    public string DatabaseFile => System.IO.Path.Combine(FullPath, "groundwork.db");
    public string VectorIndexFile => System.IO.Path.Combine(FullPath, "vectors.usearch");
    public string FullPath => System.IO.Path.GetFullPath(Path);
}
