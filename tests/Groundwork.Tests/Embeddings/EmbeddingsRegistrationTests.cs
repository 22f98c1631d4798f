using Groundwork.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Groundwork.Tests.Embeddings;

public sealed class EmbeddingsRegistrationTests
{
    [Fact]
    public async Task UnknownProviderFailsAtStartUpNamingTheSetting()
    {
        using var host = BuildHost(new() { ["Embeddings:Provider"] = "bogus" });

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Embeddings__Provider must be local or an openai or ollama provider (ollama, openai), not 'bogus'", exception.Message);
    }

    [Fact]
    public async Task OpenAiWithoutKeyFailsAtStartUpNamingTheKey()
    {
        using var host = BuildHost(new() { ["Embeddings:Provider"] = "openai" });

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("OPENAI_API_KEY", exception.Message);
    }

    [Theory]
    [InlineData("Embeddings:IntraOpThreads", "0", "Embeddings__IntraOpThreads")]
    [InlineData("Embeddings:Dimensions", "1536", "Embeddings__Dimensions")]
    [InlineData("Embeddings:Model", "text-embedding-3-small", "Embeddings__Model")]
    public async Task InvalidLocalSettingFailsAtStartUpNamingIt(string key, string value, string settingName)
    {
        using var host = BuildHost(new() { [key] = value });

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(settingName, exception.Message);
    }

    [Fact]
    public async Task LocalProviderIsTheDefaultAndItsModelReportsReady()
    {
        using var host = BuildHost([]);
        await host.StartAsync(TestContext.Current.CancellationToken);

        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var health = await host.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(check => check.Tags.Contains("ready"), TestContext.Current.CancellationToken);
        var vector = await generator.GenerateVectorAsync("hello", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("local", generator.GetService<EmbeddingGeneratorMetadata>()?.ProviderName);
        Assert.NotNull(generator.GetService<LocalMiniLmEmbeddingGenerator>());
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Contains("embedding_model", health.Entries.Keys);
        Assert.Equal(384, vector.Length);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task OpenAiProviderUsesConfiguredModelAndBaseUrl()
    {
        using var host = BuildHost(new()
        {
            ["Embeddings:Provider"] = "openai",
            ["Embeddings:Model"] = "text-embedding-3-large",
            ["Embeddings:Dimensions"] = "256",
            ["OPENAI_API_KEY"] = "test-key",
            ["OPENAI_BASE_URL"] = "http://localhost:5999/v1",
        });
        await host.StartAsync(TestContext.Current.CancellationToken);

        var generator = host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();

        Assert.Equal("openai", metadata?.ProviderName);
        Assert.Equal("text-embedding-3-large", metadata?.DefaultModelId);
        Assert.Equal(256, metadata?.DefaultModelDimensions);
        Assert.Equal(new Uri("http://localhost:5999/v1"), metadata?.ProviderUri);
        Assert.Null(generator.GetService<LocalMiniLmEmbeddingGenerator>());
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddEmbeddings();
        return builder.Build();
    }
}
