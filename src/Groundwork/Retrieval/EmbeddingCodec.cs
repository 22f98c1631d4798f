using System.Runtime.InteropServices;

namespace Groundwork.Retrieval;

/// <summary>Embeddings are stored in SQLite as raw little-endian float32 bytes.</summary>
public static class EmbeddingCodec
{
    public static byte[] ToBytes(ReadOnlySpan<float> vector) => MemoryMarshal.AsBytes(vector).ToArray();

    public static float[] ToVector(byte[] bytes) => MemoryMarshal.Cast<byte, float>(bytes).ToArray();
}
