using Groundwork.Hosting;
using Polly;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Groundwork.Models;

public static class ModelsRegistration
{
    /// <summary>
    /// The providers, their resilience settings and SDK clients, shared by the chat models and the embedding model;
    /// registered once whichever feature asks first.
    /// </summary>
    public static IHostApplicationBuilder AddProviders(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(service => service.ServiceType == typeof(ProviderClients)))
        {
            return builder;
        }

        // The section holds named providers beside two plain settings kept from before.
        builder.Services.AddOptions<ProvidersOptions>()
            .Configure(options => BindProviders(builder.Configuration.GetSection(ProvidersOptions.Section), options))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ProvidersOptions>, ProvidersOptionsValidator>();
        builder.AddValidatedOptions<ResilienceOptions>(ResilienceOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.AddResiliencePipelineRegistry<string>();
        builder.Services.AddSingleton<RoutingMetrics>();
        builder.Services.AddSingleton<ProviderClients>();
        return builder;
    }

    public static IHostApplicationBuilder AddModels(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ModelsOptions>()
            .Configure(options => builder.Configuration.GetSection(ModelsOptions.Section).Bind(options.Models))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ModelsOptions>, ModelsOptionsValidator>();

        builder.AddProviders();
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddExceptionHandler<UpstreamExceptionHandler>();
        builder.Services.ConfigureAll<OpenApiOptions>(options => options.AddSchemaTransformer<ConfiguredModelSchemaTransformer>());
        return builder;
    }

    private static void BindProviders(IConfigurationSection section, ProvidersOptions options)
    {
        foreach (var child in section.GetChildren())
        {
            switch (child.Key)
            {
                case nameof(ProvidersOptions.TimeoutSeconds):
                    options.TimeoutSeconds = child.Get<int?>();
                    break;
                case nameof(ProvidersOptions.MaxRetries):
                    options.MaxRetries = child.Get<int?>();
                    break;
                default:
                    options.Providers[child.Key] = child.Get<ProviderDefinition>() ?? new ProviderDefinition();
                    break;
            }
        }
    }
}
