using System.Diagnostics.Metrics;
using Groundwork.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.Caching;

/// <summary>Counts one app's <c>groundwork.caching.requests</c> by cache and result (only that app's meter: tests run in parallel).</summary>
public sealed class CacheCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<(string Cache, string Result), long> _counts = [];
    private readonly Lock _lock = new();

    public CacheCounter(GroundworkApp app)
    {
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == CacheMetrics.MeterName && instrument.Name == CacheMetrics.RequestsName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? cache = null, result = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "cache") cache = tag.Value as string;
                if (tag.Key == "result") result = tag.Value as string;
            }

            lock (_lock)
            {
                _counts[(cache!, result!)] = _counts.GetValueOrDefault((cache!, result!)) + value;
            }
        });
        _listener.Start();
    }

    public long Of(string cache, string result)
    {
        lock (_lock)
        {
            return _counts.GetValueOrDefault((cache, result));
        }
    }

    public void Dispose() => _listener.Dispose();
}
