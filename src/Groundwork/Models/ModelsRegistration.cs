using Groundwork.Hosting;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;

namespace Groundwork.Models;

public static class ModelsRegistration
{
    public static IHostApplicationBuilder AddModels(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ModelsOptions>()
            .Configure(options => builder.Configuration.GetSection(ModelsOptions.Section).Bind(options.Models))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ModelsOptions>, ModelsOptionsValidator>();
        builder.AddValidatedOptions<ProvidersOptions>(ProvidersOptions.Section);
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddExceptionHandler<UpstreamExceptionHandler>();
        builder.Services.ConfigureAll<OpenApiOptions>(options => options.AddSchemaTransformer<ConfiguredModelSchemaTransformer>());
        return builder;
    }
}
