namespace Groundwork.Hosting;

/// <summary>OpenTelemetry traces, metrics and logs (<see cref="TelemetryRegistration"/>).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>False registers no OpenTelemetry at all (no <c>/metrics</c>, no exporters): for measuring what telemetry costs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// True puts prompts, answers, queries and document text into spans (Microsoft.Extensions.AI's sensitive data, the
    /// search query). Off by default: traces leave the service, and that text is the tenants' data.
    /// </summary>
    public bool RecordContent { get; set; }

    /// <summary>
    /// True lets anyone who reaches the port scrape <c>/metrics</c>; by default it needs an operator key (a read-only one
    /// is enough), which a Prometheus scrape config sends as its bearer token. The metrics carry no tenant ids or text,
    /// but they do show traffic, model names and corpus size.
    /// </summary>
    public bool AnonymousMetrics { get; set; }
}
