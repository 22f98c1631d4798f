using Groundwork.Hosting;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Groundwork.Models;
using Polly.CircuitBreaker;
using Polly.Registry;

namespace Groundwork.Embeddings;

public static class EmbeddingsRegistration
{
    /// <summary>The activity source and meter of embedding calls (GenAI semantic conventions, from Microsoft.Extensions.AI).</summary>
    public const string TelemetrySource = "Groundwork.Embeddings";

    /// <summary>
    /// Registers the singleton <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> chosen by <c>Embeddings:Provider</c>,
    /// with OpenTelemetry, the readiness check <see cref="EmbeddingModelHealthCheck"/> (tag <c>ready</c>)
    /// and the OpenAPI description of <see cref="EmbeddingsRequest"/>.
    /// Invalid settings fail at start-up.
    /// </summary>
    public static IHostApplicationBuilder AddEmbeddings(this IHostApplicationBuilder builder)
    {
        builder.AddProviders();
        builder.AddValidatedOptions<EmbeddingOptions>(EmbeddingOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<EmbeddingOptions>, EmbeddingOptionsValidator>();

        builder.Services.AddEmbeddingGenerator(CreateGenerator).Use((inner, services) =>
            new OpenTelemetryEmbeddingGenerator<string, Embedding<float>>(
                inner, services.GetService<ILoggerFactory>()?.CreateLogger<OpenTelemetryEmbeddingGenerator<string, Embedding<float>>>(), TelemetrySource)
            {
                EnableSensitiveData = services.GetRequiredService<IOptions<TelemetryOptions>>().Value.RecordContent,
            });
        builder.Services.ConfigureAll<OpenApiOptions>(options => options.AddSchemaTransformer<EmbeddingsSchemaTransformer>());

        builder.Services.AddHealthChecks()
            .AddCheck<EmbeddingModelHealthCheck>("embedding_model", tags: ["ready"]);
        return builder;
    }

    private static IEmbeddingGenerator<string, Embedding<float>> CreateGenerator(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<EmbeddingOptions>>().Value;
        if (options.IsLocal)
        {
            return new LocalMiniLmEmbeddingGenerator(options.IntraOpThreads);
        }

        var resilience = services.GetRequiredService<IOptions<ResilienceOptions>>().Value;
        var providers = services.GetRequiredService<IOptions<ProvidersOptions>>().Value;
        var provider = ProviderCatalog.Resolve(providers, services.GetRequiredService<IConfiguration>(), [])[options.Provider];
        var model = options.UpstreamModel;
        var label = $"{provider.Name}/{model}";
        var circuit = new CircuitBreakerStateProvider();
        var pipeline = services.GetRequiredService<ResiliencePipelineRegistry<string>>().GetOrAddPipeline($"embeddings:{label}", builder =>
            TargetPipeline.Configure(builder, resilience, providers, circuit, services.GetRequiredService<TimeProvider>(),
                kind => services.GetRequiredService<RoutingMetrics>().Retry(new AnsweredBy(provider.Name, model), kind)));
        var (timeout, setting) = providers.TimeoutSeconds is { } old
            ? (TimeSpan.FromSeconds(old), $"{ProvidersOptions.Section}__TimeoutSeconds")
            : (TimeSpan.FromSeconds(resilience.TotalSeconds), $"{ResilienceOptions.Section}__TotalSeconds");
        var upstream = services.GetRequiredService<ProviderClients>()
            .CreateEmbeddingGenerator(provider, model, options.Dimensions, TimeSpan.FromSeconds(resilience.ConnectSeconds));
        return new ResilientEmbeddingGenerator(upstream, label, pipeline, timeout, setting);
    }
}
