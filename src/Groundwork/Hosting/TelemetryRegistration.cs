using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Groundwork.Hosting;

/// <summary>
/// OpenTelemetry for the whole service, set up once (as eShop's ServiceDefaults do): traces of requests, outgoing HTTP
/// and every <c>Groundwork.*</c> activity source; metrics of requests, outgoing HTTP, the runtime and every
/// <c>Groundwork.*</c> meter, scraped at <c>/metrics</c>; OTLP export of all three when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Features name their sources and meters <c>Groundwork.&lt;Feature&gt;</c>.
/// </summary>
public static class TelemetryRegistration
{
    /// <summary>The prefix of every activity source and meter of the service; Microsoft.Extensions.AI's are named under it too.</summary>
    public const string SourcePrefix = "Groundwork.";

    public const string MetricsPath = "/metrics";

    private const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.Section);
        // Every log line carries the trace and span id of the request it belongs to (as a scope the console prints).
        builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddSimpleConsole(options => options.IncludeScopes = true);

        // Read here as well as validated: whether OpenTelemetry is registered at all is decided before the host is built.
        if (builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() is { Enabled: false })
        {
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService("groundwork");
                }
            })
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbeOrScrape(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddSource(SourcePrefix + "*"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(SourcePrefix + "*")
                .AddPrometheusExporter());

        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]))
        {
            // Log records only go to OTLP: without an exporter, turning every log line into one would be work for nothing.
            telemetry.WithLogging(_ => { }, options =>
            {
                options.IncludeFormattedMessage = true;
                options.IncludeScopes = true;
            }).UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// <c>/metrics</c> in Prometheus' text format when telemetry is on; it needs an operator key unless
    /// <see cref="TelemetryOptions.AnonymousMetrics"/> is set.
    /// </summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (!options.Enabled)
        {
            return app;
        }

        var endpoint = app.MapPrometheusScrapingEndpoint(MetricsPath).ExcludeFromDescription();
        if (options.AnonymousMetrics)
        {
            endpoint.AllowAnonymous();
        }
        else
        {
            endpoint.RequireAuthorization(policy => policy.RequireAssertion(context => Caller.From(context.User) is { IsOperator: true }));
        }

        return app;
    }

    private static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments(MetricsPath, StringComparison.OrdinalIgnoreCase);
}
