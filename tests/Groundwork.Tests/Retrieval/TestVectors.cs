namespace Groundwork.Tests.Retrieval;

/// <summary>Seeded unit vectors for the vector index tests.</summary>
internal static class TestVectors
{
    public const int Dimensions = 384;

    /// <summary>Directions spread evenly over the sphere: no structure at all, the hardest case for a graph index.</summary>
    public static ReadOnlyMemory<float>[] Uniform(int count, int seed, int dimensions = Dimensions)
    {
        var random = new Random(seed);
        var vectors = new ReadOnlyMemory<float>[count];
        for (var i = 0; i < count; i++)
        {
            var vector = new float[dimensions];
            for (var d = 0; d < dimensions; d++)
            {
                vector[d] = Gaussian(random);
            }

            vectors[i] = Normalize(vector);
        }

        return vectors;
    }

    /// <summary>
    /// Unit vectors whose intrinsic dimension is <paramref name="latent"/>, like sentence embeddings: a fixed random
    /// linear image of <paramref name="latent"/>-dimensional Gaussians plus 10% isotropic noise. Calls with the same
    /// <paramref name="basisSeed"/> share the image, so corpus and queries come from one distribution.
    /// </summary>
    public static ReadOnlyMemory<float>[] SentenceLike(int count, int seed, int basisSeed, int latent = 16)
    {
        var basis = Uniform(latent, basisSeed);
        var random = new Random(seed);
        var vectors = new ReadOnlyMemory<float>[count];
        for (var i = 0; i < count; i++)
        {
            var vector = new float[Dimensions];
            for (var m = 0; m < latent; m++)
            {
                var weight = Gaussian(random);
                var direction = basis[m].Span;
                for (var d = 0; d < Dimensions; d++)
                {
                    vector[d] += weight * direction[d];
                }
            }

            var noise = 0.1f * Norm(vector) / MathF.Sqrt(Dimensions);
            for (var d = 0; d < Dimensions; d++)
            {
                vector[d] += noise * Gaussian(random);
            }

            vectors[i] = Normalize(vector);
        }

        return vectors;
    }

    public static long[] Ids(int count, long first = 0)
    {
        var ids = new long[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = first + i;
        }

        return ids;
    }

    private static float[] Normalize(float[] vector)
    {
        var norm = Norm(vector);
        for (var d = 0; d < vector.Length; d++)
        {
            vector[d] /= norm;
        }

        return vector;
    }

    private static float Norm(float[] vector)
    {
        var sum = 0f;
        foreach (var x in vector)
        {
            sum += x * x;
        }

        return MathF.Sqrt(sum);
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
