namespace Groundwork.Tests;

/// <summary>A test that runs services one after another on its own data folder, deleted afterwards.</summary>
public abstract class DataFolderTest : IDisposable
{
    protected string DataPath { get; } = Path.Combine(Path.GetTempPath(), "groundwork-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(DataPath))
        {
            Directory.Delete(DataPath, recursive: true);
        }

        GC.SuppressFinalize(this);
    }
}
