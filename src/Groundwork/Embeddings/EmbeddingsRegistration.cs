using Groundwork.Hosting;
using System.ClientModel;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

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
        if (!options.IsOpenAi)
        {
            return new LocalMiniLmEmbeddingGenerator(options.IntraOpThreads);
        }

        var configuration = services.GetRequiredService<IConfiguration>();
        var key = configuration[EmbeddingOptionsValidator.ApiKeySetting]!;
        var endpoint = configuration[EmbeddingOptionsValidator.BaseUrlSetting] is { Length: > 0 } baseUrl
            && EmbeddingOptionsValidator.TryParseBaseUrl(baseUrl, out var url) ? url : EmbeddingOptionsValidator.DefaultBaseUrl;
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            // Per-request SDK logging costs CPU on the hot path and could log document text.
            ClientLoggingOptions = new System.ClientModel.Primitives.ClientLoggingOptions { EnableLogging = false },
        };
        return new OpenAIClient(new ApiKeyCredential(key), clientOptions)
            .GetEmbeddingClient(options.OpenAiModel)
            .AsIEmbeddingGenerator(options.Dimensions);
    }
}
