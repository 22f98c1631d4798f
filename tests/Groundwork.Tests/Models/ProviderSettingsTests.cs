using Groundwork.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Groundwork.Tests.Models;

/// <summary>Provider and model settings are checked at start-up, each failure naming its setting, not on the first request.</summary>
public sealed class ProviderSettingsTests
{
    [Theory]
    [InlineData("Providers:p:BaseUrl", "not a url", "Providers__p__BaseUrl must be an absolute http or https URL")]
    [InlineData("Providers:p:BaseUrl", "ftp://example.com/", "Providers__p__BaseUrl must be an absolute http or https URL")]
    [InlineData("Providers:p:ApiKeyVariable", "P_KEY", "sets both Providers__p__ApiKey and Providers__p__ApiKeyVariable")]
    [InlineData("Providers:p:Headers:Bad Header", "x", "Providers__p__Headers__Bad Header is not a valid HTTP header")]
    [InlineData("Models:m:Targets:0:Provider", "nobody", "Models__m__Targets__0__Provider must name a provider")]
    [InlineData("Models:m:Targets:0:UpstreamModel", "", "Models__m__Targets__0__UpstreamModel must name the p model")]
    [InlineData("Models:m:Targets:0:Timeouts:FirstTokenSeconds", "0", "Models__m__Targets__0__Timeouts__FirstTokenSeconds must be more than 0")]
    [InlineData("Models:m:Targets:0:Weight", "-1", "Models__m__Targets__0__Weight must be between 0 and 1000000")]
    [InlineData("OPENAI_BASE_URL", "localhost:8000", "OPENAI_BASE_URL must be an absolute http or https URL")]
    [InlineData("Resilience:MaxRetries", "11", "MaxRetries")]
    public async Task AnInvalidSettingFailsAtStartUpNamingIt(string key, string value, string expected)
    {
        using var host = BuildHost(new() { [key] = value });

        var exception = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));

        // Several validators read the providers, so the failure may come once per reader, wrapped together.
        Assert.All(exception is AggregateException all ? all.InnerExceptions : [exception], e => Assert.IsType<OptionsValidationException>(e));
        Assert.Contains(expected, exception.Message);
    }

    [Fact]
    public async Task AnUnknownProviderTypeFailsAtStartUp()
    {
        using var host = BuildHost(new() { ["Providers:p:Type"] = "cohere" });

        await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ValidSettingsStartAndTheChainReadsAsConfigured()
    {
        using var host = BuildHost([]);
        await host.StartAsync(TestContext.Current.CancellationToken);

        var route = host.Services.GetRequiredService<ModelRegistry>().RouteOf("m");

        Assert.Equal(["p/gpt-4o", "ollama/llama3.2"], route.Targets.Select(t => t.Label));
        Assert.Equal(TimeSpan.FromSeconds(3), route.Targets[0].Limits.FirstToken);
        Assert.Equal(TimeSpan.FromSeconds(60), route.Targets[1].Limits.FirstToken);
        await host.StopAsync(TestContext.Current.CancellationToken);
    }

    private static IHost BuildHost(Dictionary<string, string?> overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Providers:p:Type"] = "openai",
            ["Providers:p:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["Providers:p:ApiKey"] = "k",
            ["Models:m:Targets:0:Provider"] = "p",
            ["Models:m:Targets:0:UpstreamModel"] = "gpt-4o",
            ["Models:m:Targets:0:Timeouts:FirstTokenSeconds"] = "3",
            ["Models:m:Targets:1:Provider"] = "ollama",
            ["Models:m:Targets:1:UpstreamModel"] = "llama3.2",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddMetrics();
        builder.AddModels();
        return builder.Build();
    }
}
