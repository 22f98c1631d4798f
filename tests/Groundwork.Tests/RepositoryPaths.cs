namespace Groundwork.Tests;

/// <summary>The clone the tests run from: the folder above the test binaries that holds Groundwork.slnx.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Groundwork.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Groundwork.slnx above {AppContext.BaseDirectory}");
    }
}
