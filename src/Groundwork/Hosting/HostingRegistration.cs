using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace Groundwork.Hosting;

public static class HostingRegistration
{
    public const string ReadyTag = "ready";

    /// <summary>Cross-cutting services: JSON conventions, problem details, exception mapping, OpenAPI, health checks, the cache, CORS.</summary>
    public static IHostApplicationBuilder AddGroundworkDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            // Numbers are numbers: "10" is not accepted for an integer field, and the OpenAPI types say so.
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            // A body must say one thing once, in fields the contract has; null only where the record allows it.
            options.SerializerOptions.AllowDuplicateProperties = false;
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.RespectNullableAnnotations = true;
            options.SerializerOptions.MaxDepth = 64;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        });
        builder.Services.AddSingleton<JsonRequestReader>();
        // Query and route values that do not parse throw, so RequestRejectedExceptionHandler can name the parameter.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("trace_id", context.HttpContext.TraceIdentifier));
        builder.Services.AddExceptionHandler<RequestRejectedExceptionHandler>();
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Groundwork";
                document.Info.Description = "Grounded answers over your own documents: retrieval-augmented generation with local or hosted models.";
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer<RequestExampleDocumentTransformer>();
        });
        builder.Services.AddHealthChecks();
        builder.AddCaching();
        builder.AddValidatedOptions<CorsSettings>(CorsSettings.Section);
        builder.Services.AddCors();
        builder.Services.AddOptions<CorsOptions>().Configure<IOptions<CorsSettings>>((options, settings) =>
        {
            if (settings.Value.Origins.Length > 0)
            {
                // Keys travel in the Authorization header, never in cookies, so no credentials mode.
                options.AddDefaultPolicy(policy => policy.WithOrigins(settings.Value.Origins).AllowAnyHeader().AllowAnyMethod()
                    .WithExposedHeaders("Location", "WWW-Authenticate", "Groundwork-Provider", "Groundwork-Upstream-Model"));
            }
        });
        return builder;
    }

    public static WebApplication UseGroundworkDefaults(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<HeadRequestMiddleware>();
        app.UseRouting();
        // Before authentication, so that preflight requests (which carry no key) are answered.
        app.UseCors();
        return app;
    }

    /// <summary>
    /// Health probes, the OpenAPI document and the interactive docs page (the only endpoints without a key), and
    /// <c>/metrics</c> (<see cref="TelemetryRegistration.MapMetrics"/>).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false })
            .ExcludeFromDescription().AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteHealthReportAsync,
        }).ExcludeFromDescription().AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/docs", options => options.WithTitle("Groundwork API")).AllowAnonymous();
        app.MapMetrics();
        return app;
    }

    private static Task WriteHealthReportAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description }),
        });
    }
}
