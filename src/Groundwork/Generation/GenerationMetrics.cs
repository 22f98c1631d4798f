using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Groundwork.Generation;

/// <summary>The <c>Groundwork.Generation</c> meter: how long streamed answers keep their clients waiting.</summary>
public sealed class GenerationMetrics
{
    public const string MeterName = "Groundwork.Generation";
    public const string TimeToFirstTokenName = "groundwork.generation.time_to_first_token";

    // OpenTelemetry's GenAI conventions advise these boundaries for time to first token.
    private static readonly double[] TimeToFirstTokenBuckets =
        [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];

    private readonly Histogram<double> _timeToFirstToken;

    public GenerationMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _timeToFirstToken = meter.CreateHistogram(
            TimeToFirstTokenName, unit: "s",
            description: "From the arrival of a streamed /generate request to its first delta event written to the client (abstained answers, which call no model, are not counted).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = TimeToFirstTokenBuckets });
    }

    public void RecordTimeToFirstToken(TimeSpan elapsed, string model, string? provider) =>
        _timeToFirstToken.Record(elapsed.TotalSeconds, new TagList { { "model", model }, { "provider", provider ?? "unknown" } });
}

/// <summary>When a <c>/generate</c> request arrived, before authentication and body reading, for the time to first token.</summary>
public sealed record RequestArrival(long Timestamp)
{
    /// <summary>Stamps <c>/generate</c> requests first thing in the pipeline.</summary>
    internal sealed class StartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Path.StartsWithSegments("/generate", StringComparison.OrdinalIgnoreCase))
                {
                    context.Features.Set(new RequestArrival(Stopwatch.GetTimestamp()));
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
