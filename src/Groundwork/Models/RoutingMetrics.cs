using System.Diagnostics;
using System.Diagnostics.Metrics;
using Polly.CircuitBreaker;

namespace Groundwork.Models;

/// <summary>What the router does, per target: call latency and outcome, time to first token, retries, fallbacks, circuit state.</summary>
public sealed class RoutingMetrics
{
    public const string MeterName = "Groundwork.Models";

    private readonly Histogram<double> _upstreamDuration;
    private readonly Histogram<double> _firstToken;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _exhausted;
    private readonly List<RouteTarget> _targets = [];

    public RoutingMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _upstreamDuration = meter.CreateHistogram<double>("groundwork.models.upstream.duration", "s",
            "One target's call: a whole answer, or a stream until its first text (or its failure).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _firstToken = meter.CreateHistogram<double>("groundwork.models.upstream.time_to_first_token", "s",
            "From the request to a target until its stream's first text.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        _retries = meter.CreateCounter<long>("groundwork.models.retries", description: "Attempts repeated at the same target.");
        _fallbacks = meter.CreateCounter<long>("groundwork.models.fallbacks", description: "Calls that moved on from a failed target to the next.");
        _exhausted = meter.CreateCounter<long>("groundwork.models.exhausted", description: "Calls that failed at every target of their chain.");
        meter.CreateObservableGauge("groundwork.models.circuit.state", ObserveCircuits,
            description: "Each target's circuit: 0 closed, 1 half-open (probing), 2 open (skipped), 3 isolated.");
    }

    public void Track(RouteTarget target)
    {
        lock (_targets)
        {
            _targets.Add(target);
        }
    }

    public void UpstreamCall(RouteTarget target, string outcome, long started) =>
        _upstreamDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Tags(target, ("outcome", outcome)));

    public void FirstToken(RouteTarget target, long started)
    {
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        _upstreamDuration.Record(seconds, Tags(target, ("outcome", "ok")));
        _firstToken.Record(seconds, Tags(target));
    }

    public void Retry(AnsweredBy target, UpstreamFailureKind reason) =>
        _retries.Add(1, new TagList { { "provider", target.Provider }, { "upstream_model", target.UpstreamModel }, { "reason", reason.ToString() } });

    public void FallBack(string model, RouteTarget from, UpstreamFailure failure) =>
        _fallbacks.Add(1, new TagList { { "model", model }, { "provider", from.AnsweredBy.Provider }, { "upstream_model", from.AnsweredBy.UpstreamModel }, { "reason", failure.Kind.ToString() } });

    public void Exhausted(string model, int targetsTried) => _exhausted.Add(1, new TagList { { "model", model }, { "targets", targetsTried } });

    private IEnumerable<Measurement<int>> ObserveCircuits()
    {
        lock (_targets)
        {
            return [.. _targets.Where(t => t.Client is not null).Select(t => new Measurement<int>(t.Circuit switch
            {
                CircuitState.Closed => 0,
                CircuitState.HalfOpen => 1,
                CircuitState.Open => 2,
                _ => 3,
            }, Tags(t)))];
        }
    }

    private static TagList Tags(RouteTarget target, (string Key, string Value)? extra = null)
    {
        var tags = new TagList { { "model", target.ModelName }, { "provider", target.AnsweredBy.Provider }, { "upstream_model", target.AnsweredBy.UpstreamModel } };
        if (extra is { } tag)
        {
            tags.Add(tag.Key, tag.Value);
        }

        return tags;
    }
}
