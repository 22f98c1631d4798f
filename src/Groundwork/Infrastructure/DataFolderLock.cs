namespace Groundwork.Infrastructure;

/// <summary>
/// An exclusive lock on <c>groundwork.lock</c> in the data folder, held until the service stops (the operating
/// system drops it if the process dies). The ingestion queue, duplicate checks and the vector index all assume that
/// one process owns the folder, so a second process must not start on it.
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    private FileStream? _lockFile;

    public void Acquire(StorageOptions storage)
    {
        var path = Path.Combine(storage.FullPath, "groundwork.lock");
        try
        {
            // FileShare.None is an exclusive flock() on Linux and macOS, a sharing-mode lock on Windows.
            _lockFile = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception)
        {
            throw new InvalidOperationException(
                $"The data folder {storage.FullPath} is in use by another Groundwork process (it holds {path}). " +
                "Stop that process, or give this one its own folder with Storage:Path (environment: Storage__Path).", exception);
        }
    }

    public void Dispose() => _lockFile?.Dispose();
}
