namespace Groundwork.Retrieval;

/// <summary>
/// A saved vector index cannot be used: the file is missing, unreadable, or was built with other dimensions
/// or settings. The index is derived data, so callers rebuild it from the stored embeddings.
/// </summary>
public sealed class VectorIndexLoadException : Exception
{
    public VectorIndexLoadException()
    {
    }

    public VectorIndexLoadException(string message) : base(message)
    {
    }

    public VectorIndexLoadException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
