using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Groundwork.Bench;

/// <summary>A closed loop: each of N workers opens a stream, reads it to its end and opens the next, until the deadline.</summary>
internal sealed class StreamLoad(HttpClient http, StreamTarget target, IReadOnlyList<string> questions, TimeSpan streamTimeout)
{
    private int _nextQuestion = -1;

    public async Task<List<StreamOutcome>> RunAsync(int streams, TimeSpan duration, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, streams).Select(_ => Task.Run(async () =>
        {
            var outcomes = new List<StreamOutcome>();
            while (Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
            {
                outcomes.Add(await OneAsync(cancellationToken));
            }

            return outcomes;
        }, cancellationToken)).ToArray();
        return [.. (await Task.WhenAll(workers)).SelectMany(o => o)];
    }

    /// <summary>One stream, timed from just before the request is sent.</summary>
    public async Task<StreamOutcome> OneAsync(CancellationToken cancellationToken)
    {
        var question = questions[(int)((uint)Interlocked.Increment(ref _nextQuestion) % questions.Count)];
        using var request = target.CreateRequest(question);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(streamTimeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var headersAt = Stopwatch.GetTimestamp();
            if (!response.IsSuccessStatusCode)
            {
                return StreamOutcome.Failed($"HTTP {(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentType?.MediaType is not "text/event-stream" and var mediaType)
            {
                return StreamOutcome.Failed($"not an event stream ({mediaType ?? "no content type"})");
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            return await target.ReadAsync(body, started, headersAt, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return StreamOutcome.Failed("timeout");
        }
        catch (HttpRequestException e)
        {
            return StreamOutcome.Failed($"connection: {e.HttpRequestError}");
        }
        catch (HttpIOException e)
        {
            return StreamOutcome.Failed($"connection: {e.HttpRequestError}");
        }
        catch (JsonException)
        {
            return StreamOutcome.Failed("malformed event data");
        }
    }

    public static BenchResult Summarise(StreamTarget target, Uri url, int streams, TimeSpan duration, TimeSpan warmup,
        DateTimeOffset startedAt, TimeSpan elapsed, List<StreamOutcome> outcomes)
    {
        var ok = outcomes.Where(o => o.Error is null).ToList();
        static double Ms(long ticks) => ticks * 1000d / Stopwatch.Frequency;
        var errorKinds = outcomes.Where(o => o.Error is not null).GroupBy(o => o.Error!).ToDictionary(g => g.Key, g => g.Count());
        return new BenchResult(
            target.Name,
            url.ToString(),
            streams,
            duration.TotalSeconds,
            warmup.TotalSeconds,
            startedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            Math.Round(elapsed.TotalSeconds, 3),
            ok.Count,
            outcomes.Count - ok.Count,
            errorKinds,
            Math.Round(ok.Count / elapsed.TotalSeconds, 2),
            ok.Count == 0 ? 0 : Math.Round(ok.Average(o => o.TextEvents), 2),
            Percentiles.Of([.. ok.Select(o => Ms(o.HeadersTicks))]),
            Percentiles.Of([.. ok.Select(o => Ms(o.FirstTextTicks))]),
            Percentiles.Of([.. ok.Select(o => Ms(o.EndTicks))]));
    }

    public static HttpClient CreateClient(int streams) => new(new SocketsHttpHandler
    {
        // One connection per stream and some to spare: a stream holds its HTTP/1.1 connection until it ends.
        MaxConnectionsPerServer = streams * 2,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        // Each stream has its own timeout (StreamLoad's streamTimeout).
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
