using Groundwork.WebConsole.Components;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.StaticWebAssets;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.FluentUI.AspNetCore.Components;

namespace Groundwork.WebConsole;

/// <summary>
/// The web console: Blazor components rendered interactively on the server, with Fluent UI. The components call the
/// Groundwork API over HTTP with the signed-in key (<see cref="ConsoleSession"/>), so the console can do exactly what
/// that key may do through the API, and nothing else.
/// </summary>
public static class WebConsoleRegistration
{
    /// <summary>The HttpClient the console calls the API with.</summary>
    public const string HttpClientName = "groundwork-console";

    public static IHostApplicationBuilder AddWebConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebConsoleOptions>().BindConfiguration(WebConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        if (!builder.Configuration.GetValue($"{WebConsoleOptions.Section}:{nameof(WebConsoleOptions.Enabled)}", true))
        {
            return builder;
        }

        if (builder.Environment is IWebHostEnvironment web)
        {
            // Run from build output (dotnet run, tests), the files are found through the build's manifest; published,
            // they are in wwwroot and this does nothing.
            StaticWebAssetsLoader.UseStaticWebAssets(web, builder.Configuration);
        }

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddFluentUIComponents();
        builder.Services.AddSingleton<ConsoleApiAddress>();
        builder.Services.AddHttpClient(HttpClientName, (services, http) =>
        {
            http.BaseAddress = services.GetRequiredService<ConsoleApiAddress>().BaseAddress;
            // Answers stream; uploads of many files take long. Each call has its own cancellation.
            http.Timeout = Timeout.InfiniteTimeSpan;
        });
        builder.Services.AddScoped<ConsoleSession>();
        return builder;
    }

    /// <summary>
    /// The console's files (its own, Fluent UI's, blazor.web.js) from <c>_content/</c> and <c>_framework/</c>; before
    /// authorization, which refuses keyless requests that reach no endpoint. Static-file middleware rather than
    /// MapStaticAssets: run from build output, MapStaticAssets adds a catch-all fallback route that made a GET of a
    /// POST-only API route 404 instead of 405.
    /// </summary>
    public static IApplicationBuilder UseWebConsoleFiles(this IApplicationBuilder app) =>
        Enabled(app.ApplicationServices) ? app.UseStaticFiles() : app;

    /// <summary>The console's pages from <c>/</c>, its Blazor hub and static files; no API key needed to load them.</summary>
    public static WebApplication MapWebConsole(this WebApplication app)
    {
        if (!Enabled(app.Services))
        {
            return app;
        }

        app.UseAntiforgery();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().AllowAnonymous();
        return app;
    }

    private static bool Enabled(IServiceProvider services) => services.GetRequiredService<IOptions<WebConsoleOptions>>().Value.Enabled;
}
