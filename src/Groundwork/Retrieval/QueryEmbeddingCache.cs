using System.Diagnostics;
using System.Buffers;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Groundwork.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>Section <c>Caching:QueryEmbeddings</c>: the vectors of search and generate queries, kept in HybridCache.</summary>
public sealed class QueryEmbeddingCacheOptions
{
    public const string Section = "Caching:QueryEmbeddings";

    public bool Enabled { get; set; } = true;

    /// <summary>How long a query's vector is kept after it was computed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "Caching__QueryEmbeddings__Expiration must be between 00:00:01 and 30.00:00:00.")]
    public TimeSpan Expiration { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>A query's vector as cached; immutable, so HybridCache hands out the cached instance on a hit instead of a copy.</summary>
[ImmutableObject(true)]
public sealed class CachedQueryEmbedding(float[] vector)
{
    public ReadOnlyMemory<float> Vector { get; } = vector;
}

/// <summary>
/// Embeds query texts (search and generate, never ingestion) through HybridCache, keyed by the tenant, the embedding
/// model and its dimensions, and the SHA-256 of the text. The tenant is in the key so that how fast a query answers
/// never tells one tenant what another has asked.
/// </summary>
public sealed class QueryEmbeddingCache(
    IEmbeddingGenerator<string, Embedding<float>> embedder, HybridCache cache, CacheMetrics metrics, IOptions<QueryEmbeddingCacheOptions> options)
{
    private readonly string _modelPrefix = ModelPrefix(embedder);
    private readonly HybridCacheEntryOptions _entry = new() { Expiration = options.Value.Expiration, LocalCacheExpiration = options.Value.Expiration };

    public async Task<ReadOnlyMemory<float>> EmbedAsync(long tenantId, string query, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return await embedder.GenerateVectorAsync(query, cancellationToken: cancellationToken);
        }

        var computed = new Computed();
        var cached = await cache.GetOrCreateAsync(Key(tenantId, query), (Embedder: embedder, Query: query, Computed: computed, Parent: Activity.Current),
            static async (state, token) =>
            {
                state.Computed.Happened = true;
                // HybridCache runs the factory apart from the caller's flow: put the embedding span back under the request's.
                Activity.Current ??= state.Parent;
                var vector = await state.Embedder.GenerateVectorAsync(state.Query, cancellationToken: token);
                return new CachedQueryEmbedding(vector.ToArray());
            }, _entry, cancellationToken: cancellationToken);
        if (computed.Happened)
        {
            metrics.Miss(CacheMetrics.QueryEmbedding);
        }
        else
        {
            metrics.Hit(CacheMetrics.QueryEmbedding);
        }

        return cached.Vector;
    }

    private string Key(long tenantId, string query)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetByteCount(query);
        var buffer = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            SHA256.HashData(buffer.AsSpan(0, Encoding.UTF8.GetBytes(query, buffer)), hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return $"{_modelPrefix}{tenantId}:{Convert.ToHexStringLower(hash)}";
    }

    private static string ModelPrefix(IEmbeddingGenerator<string, Embedding<float>> embedder)
    {
        var metadata = embedder.GetService<EmbeddingGeneratorMetadata>();
        return $"gw:qe:{metadata?.ProviderName}:{metadata?.DefaultModelId}:{metadata?.DefaultModelDimensions}:";
    }

    private sealed class Computed
    {
        public bool Happened;
    }
}

/// <summary>
/// Writes a cached vector as its raw floats: HybridCache serializes every new local entry once to learn its size for
/// <see cref="CachingOptions.MaxMemoryMegabytes"/>, and 4 bytes a dimension is both what it holds and cheaper than JSON.
/// </summary>
internal sealed class CachedQueryEmbeddingSerializer : IHybridCacheSerializer<CachedQueryEmbedding>
{
    public CachedQueryEmbedding Deserialize(ReadOnlySequence<byte> source)
    {
        var vector = new float[source.Length / sizeof(float)];
        source.CopyTo(MemoryMarshal.AsBytes(vector.AsSpan()));
        return new CachedQueryEmbedding(vector);
    }

    public void Serialize(CachedQueryEmbedding value, IBufferWriter<byte> target) => target.Write(MemoryMarshal.AsBytes(value.Vector.Span));
}
