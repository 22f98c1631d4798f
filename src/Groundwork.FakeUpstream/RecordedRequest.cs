using System.Text.Json;

namespace Groundwork.FakeUpstream;

/// <summary>A provider request as the fake received it. <see cref="Body"/> is null for GETs and bodies that are not JSON.</summary>
public sealed record RecordedRequest(
    DateTimeOffset ReceivedAt,
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    JsonElement? Body);

internal sealed class RequestLog(FakeUpstreamOptions options)
{
    private readonly Queue<RecordedRequest> _requests = new();
    private readonly Lock _lock = new();

    public bool IsEnabled => options.RecordedRequestLimit > 0;

    public void Add(HttpRequest request, JsonElement? body)
    {
        var limit = options.RecordedRequestLimit;
        if (limit == 0)
        {
            return;
        }

        var headers = new Dictionary<string, string>(request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name] = values.ToString();
        }

        var recorded = new RecordedRequest(DateTimeOffset.UtcNow, request.Method, request.Path.Value ?? "", headers, body);
        lock (_lock)
        {
            _requests.Enqueue(recorded);
            while (_requests.Count > limit)
            {
                _requests.Dequeue();
            }
        }
    }

    public RecordedRequest[] Snapshot()
    {
        lock (_lock)
        {
            return [.. _requests];
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _requests.Clear();
        }
    }
}
