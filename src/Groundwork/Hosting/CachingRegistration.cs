using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Groundwork.Hosting;

/// <summary>The memory HybridCache's local layer may use; section <c>Caching</c>.</summary>
public sealed class CachingOptions
{
    public const string Section = "Caching";

    /// <summary>
    /// Bound on the bytes every HybridCache entry of the process holds together (API-key lookups, query embeddings,
    /// answers), counted as each entry's serialized size. When it is reached new entries are not kept and the cache
    /// compacts (least recently used first); lookups then miss rather than memory growing.
    /// </summary>
    [Range(1, 1_048_576, ErrorMessage = "Caching__MaxMemoryMegabytes must be between 1 and 1048576.")]
    public int MaxMemoryMegabytes { get; set; } = 256;
}

public static class CachingRegistration
{
    /// <summary>
    /// The one HybridCache of the process (in memory, bounded by <see cref="CachingOptions.MaxMemoryMegabytes"/>),
    /// its hit and miss counter (<see cref="CacheMetrics"/>) and <see cref="DocumentChanges"/>, through which the
    /// entries built from a document are dropped when it changes.
    /// </summary>
    public static IHostApplicationBuilder AddCaching(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<CachingOptions>(CachingOptions.Section);
        builder.Services.AddMemoryCache();
        // HybridCache gives each local entry its serialized size, so the limit is in bytes.
        builder.Services.AddOptions<MemoryCacheOptions>().Configure<IOptions<CachingOptions>>((memory, caching) =>
            memory.SizeLimit = caching.Value.MaxMemoryMegabytes * 1024L * 1024L);
        builder.Services.AddHybridCache();
        builder.Services.AddSingleton<CacheMetrics>();
        builder.Services.AddSingleton<DocumentChanges>();
        return builder;
    }
}

/// <summary>Counts cache lookups as <c>groundwork.caching.requests</c> {cache, result} on the meter <c>Groundwork.Caching</c>.</summary>
public sealed class CacheMetrics
{
    public const string MeterName = "Groundwork.Caching";
    public const string RequestsName = "groundwork.caching.requests";
    public const string QueryEmbedding = "query_embedding";
    public const string Answer = "answer";

    private readonly Counter<long> _requests;

    public CacheMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>(RequestsName, unit: "{request}", description: "Cache lookups by cache and result (hit or miss).");
    }

    public void Hit(string cache) => _requests.Add(1, new KeyValuePair<string, object?>("cache", cache), new KeyValuePair<string, object?>("result", "hit"));

    public void Miss(string cache) => _requests.Add(1, new KeyValuePair<string, object?>("cache", cache), new KeyValuePair<string, object?>("result", "miss"));
}
