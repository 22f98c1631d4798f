namespace Groundwork.FakeUpstream.OpenAi;

/// <summary>
/// Deterministic unit vectors by feature hashing: each lower-cased word adds ±1 at a few hash-chosen
/// positions, so equal texts get equal vectors and texts sharing words get a positive cosine similarity,
/// which retrieval tests can rely on. Text without letters or digits gets a hash-seeded dense vector.
/// </summary>
internal static class EmbeddingVectors
{
    private const int PositionsPerWord = 8;
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    public static void Fill(ReadOnlySpan<char> text, Span<float> vector)
    {
        vector.Clear();
        var word = FnvOffset;
        var whole = FnvOffset;
        var inWord = false;
        foreach (var c in text)
        {
            whole = (whole ^ c) * FnvPrime;
            if (char.IsLetterOrDigit(c))
            {
                word = (word ^ char.ToLowerInvariant(c)) * FnvPrime;
                inWord = true;
            }
            else if (inWord)
            {
                AddWord(word, vector);
                word = FnvOffset;
                inWord = false;
            }
        }

        if (inWord)
        {
            AddWord(word, vector);
        }

        var norm = 0d;
        foreach (var x in vector)
        {
            norm += x * x;
        }

        if (norm == 0)
        {
            FillDense(whole, vector);
            norm = 0;
            foreach (var x in vector)
            {
                norm += x * x;
            }
        }

        var scale = (float)(1 / Math.Sqrt(norm));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }
    }

    private static void AddWord(ulong wordHash, Span<float> vector)
    {
        var state = wordHash;
        for (var i = 0; i < PositionsPerWord; i++)
        {
            var random = SplitMix64(ref state);
            vector[(int)(random % (ulong)vector.Length)] += (random >> 63) == 0 ? 1f : -1f;
        }
    }

    private static void FillDense(ulong seed, Span<float> vector)
    {
        var state = seed;
        for (var i = 0; i < vector.Length; i++)
        {
            // 24 random bits mapped onto [-1, 1).
            vector[i] = (SplitMix64(ref state) >> 40) / (float)(1 << 23) - 1f;
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
