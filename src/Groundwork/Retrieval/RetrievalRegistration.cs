using Groundwork.Hosting;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Caching.Hybrid;

namespace Groundwork.Retrieval;

public static class RetrievalRegistration
{
    public static IHostApplicationBuilder AddRetrieval(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<VectorIndexOptions>(VectorIndexOptions.Section);
        builder.Services.AddSingleton<ChunkIndex>();
        builder.Services.AddHostedService<ChunkIndexHost>();
        builder.Services.AddSingleton<ChunkStore>();
        builder.Services.AddSingleton<KeywordSearch>();
        builder.Services.AddSingleton<KeywordTables>();
        builder.Services.AddHostedService<KeywordTablesBackfill>();
        builder.Services.AddSingleton<KeywordIndexes>();
        builder.Services.AddHostedService<KeywordIndexBuilder>();
        builder.Services.AddSingleton<IRetrievalStore, SqliteRetrievalStore>();
        builder.AddValidatedOptions<SearchOptions>(SearchOptions.Section);
        builder.Services.AddSingleton<ChunkSearch>();
        builder.AddValidatedOptions<QueryEmbeddingCacheOptions>(QueryEmbeddingCacheOptions.Section);
        builder.Services.AddSingleton<QueryEmbeddingCache>();
        builder.Services.AddSingleton<IHybridCacheSerializer<CachedQueryEmbedding>, CachedQueryEmbeddingSerializer>();
        builder.Services.ConfigureAll<OpenApiOptions>(options => options.AddDocumentTransformer<SearchFilterSchemaTransformer>());
        builder.Services.AddHealthChecks().AddCheck<ChunkIndexHealthCheck>("vector_index", tags: [HostingRegistration.ReadyTag]);
        return builder;
    }
}
