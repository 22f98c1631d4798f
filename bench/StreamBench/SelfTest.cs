using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Groundwork.Bench;

/// <summary>
/// Checks the request bodies and the stream reading of both targets against scripted responses (an HttpMessageHandler
/// in place of the network), so the Groundwork path can be checked before streaming <c>/generate</c> is deployed.
/// </summary>
internal static class SelfTest
{
    private const int FirstTokenDelayMs = 60;
    private static readonly Uri Base = new("http://selftest.invalid/");

    public static async Task<int> RunAsync()
    {
        var failures = new List<string>();
        void Check(bool condition, string what)
        {
            Console.WriteLine($"{(condition ? "ok  " : "FAIL")} {what}");
            if (!condition)
            {
                failures.Add(what);
            }
        }

        var groundwork = new GroundworkTarget(Base, "gw_selftest", "gpt-4");
        var upstream = new UpstreamTarget(Base, "bench", "gpt-4", "[1] The sky is blue.");

        // Groundwork: sources first, an empty delta (not a token), then the first text after a pause.
        var (outcome, request) = await StreamAsync(groundwork, Sse(
            (0, "event: sources\ndata: {\"grounded\":true,\"sources\":[{\"id\":\"c1\",\"title\":\"Manual\"}]}\n\n"),
            (0, ": keep-alive comment\n\n"),
            (0, "event: delta\ndata: {\"text\":\"\"}\n\n"),
            (FirstTokenDelayMs, "event: delta\ndata: {\"text\":\"The sky \"}\n\n"),
            (0, "event: delta\ndata: {\"text\":\"is blue [1].\"}\n\n"),
            (0, "event: citations\ndata: {\"citations\":[{\"marker\":1,\"id\":\"c1\"}]}\n\n"),
            (0, "event: usage\ndata: {\"input_tokens\":120,\"output_tokens\":5}\n\n"),
            (0, "event: done\ndata: {}\n\n")));
        Check(outcome.Error is null, $"groundwork: a complete stream succeeds ({outcome.Error})");
        Check(Ms(outcome.FirstTextTicks) >= FirstTokenDelayMs, $"groundwork: first text is the first non-empty delta ({Ms(outcome.FirstTextTicks):0.0} ms >= {FirstTokenDelayMs} ms)");
        Check(outcome.EndTicks >= outcome.FirstTextTicks && outcome.FirstTextTicks >= outcome.HeadersTicks, "groundwork: headers <= first text <= end");
        Check(outcome.TextEvents == 2, $"groundwork: two text deltas counted ({outcome.TextEvents})");
        Check(request.Path == "/generate" && request.Authorization == "Bearer gw_selftest", $"groundwork: POST /generate with the key ({request.Path}, {request.Authorization})");
        using (var body = JsonDocument.Parse(request.Body))
        {
            var root = body.RootElement;
            Check(root.GetProperty("text").GetString()!.Length > 0 && root.GetProperty("model").GetString() == "gpt-4" && root.GetProperty("stream").GetBoolean(),
                $"groundwork: body has text, model and stream:true ({request.Body})");
        }

        (outcome, _) = await StreamAsync(groundwork, Sse(
            (0, "event: sources\ndata: {\"grounded\":true,\"sources\":[]}\n\n"),
            (0, "event: delta\ndata: {\"text\":\"Par\"}\n\n"),
            (0, "event: error\ndata: {\"title\":\"Model provider failed\",\"status\":502}\n\n")));
        Check(outcome.Error?.StartsWith("error event", StringComparison.Ordinal) == true, $"groundwork: an error event is an error ({outcome.Error})");

        (outcome, _) = await StreamAsync(groundwork, Sse((0, "event: sources\ndata: {}\n\n"), (0, "event: delta\ndata: {\"text\":\"cut\"}\n\n")));
        Check(outcome.Error == "stream ended without its final event", $"groundwork: a stream without done is an error ({outcome.Error})");

        (outcome, _) = await StreamAsync(groundwork, Sse((0, "event: sources\ndata: {}\n\n"), (0, "event: done\ndata: {}\n\n")));
        Check(outcome.Error == "stream carried no text", $"groundwork: a stream without text is an error ({outcome.Error})");

        (outcome, _) = await StreamAsync(groundwork, () => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("{}") });
        Check(outcome.Error == "HTTP 503", $"groundwork: a 503 is an error ({outcome.Error})");

        (outcome, _) = await StreamAsync(groundwork, () => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"text\":\"…\"}", Encoding.UTF8, "application/json") });
        Check(outcome.Error?.StartsWith("not an event stream", StringComparison.Ordinal) == true, $"groundwork: a JSON answer (no streaming) is an error ({outcome.Error})");

        // The upstream alone: a role chunk with empty content, then content after a pause, a finish chunk and [DONE].
        (outcome, request) = await StreamAsync(upstream, Sse(
            (0, "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"),
            (FirstTokenDelayMs, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Echo: \"},\"finish_reason\":null}]}\n\n"),
            (0, "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"),
            (0, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\n"),
            (0, "data: [DONE]\n\n")));
        Check(outcome.Error is null && Ms(outcome.FirstTextTicks) >= FirstTokenDelayMs && outcome.TextEvents == 1,
            $"upstream: first text is the first non-empty delta.content ({outcome.Error}, {Ms(outcome.FirstTextTicks):0.0} ms, {outcome.TextEvents} text chunks)");
        Check(request.Path == "/v1/chat/completions" && request.Authorization == "Bearer bench", $"upstream: POST /v1/chat/completions with a key ({request.Path})");
        using (var body = JsonDocument.Parse(request.Body))
        {
            var messages = body.RootElement.GetProperty("messages");
            Check(body.RootElement.GetProperty("stream").GetBoolean() && messages.GetArrayLength() == 2 && messages[1].GetProperty("role").GetString() == "user"
                && messages[0].GetProperty("content").GetString()!.Contains("The sky is blue."), $"upstream: stream:true, context then question ({request.Body})");
        }

        (outcome, _) = await StreamAsync(upstream, Sse((0, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Echo\"}}]}\n\n")));
        Check(outcome.Error == "stream ended without its final event", $"upstream: a stream without [DONE] is an error ({outcome.Error})");

        (outcome, _) = await StreamAsync(upstream, Sse((0, "data: {\"choices\":[{\"delta\":\n\n")));
        Check(outcome.Error == "malformed event data", $"upstream: invalid JSON is an error ({outcome.Error})");

        var percentiles = Percentiles.Of([.. Enumerable.Range(1, 100).Select(i => (double)i)]);
        Check(percentiles is { P50: 50, P90: 90, P99: 99, Max: 100, Min: 1, Count: 100 }, $"percentiles by nearest rank ({percentiles})");

        Console.WriteLine(failures.Count == 0 ? "self-test passed" : $"self-test FAILED: {failures.Count} check(s)");
        return failures.Count == 0 ? 0 : 2;
    }

    private static double Ms(long ticks) => ticks * 1000d / Stopwatch.Frequency;

    private static async Task<(StreamOutcome Outcome, SeenRequest Request)> StreamAsync(StreamTarget target, Func<HttpResponseMessage> respond)
    {
        var handler = new ScriptedHandler(respond);
        using var http = new HttpClient(handler);
        var load = new StreamLoad(http, target, ["Why is the sky blue?"], TimeSpan.FromSeconds(10));
        var outcome = await load.OneAsync(CancellationToken.None);
        return (outcome, handler.Seen!);
    }

    private static Func<HttpResponseMessage> Sse(params (int DelayMs, string Text)[] parts) => () => new HttpResponseMessage(HttpStatusCode.OK)
    {
        Content = new StreamContent(new ScriptedStream(parts)) { Headers = { ContentType = new("text/event-stream") } },
    };

    private sealed record SeenRequest(string Path, string? Authorization, string Body);

    private sealed class ScriptedHandler(Func<HttpResponseMessage> respond) : HttpMessageHandler
    {
        public SeenRequest? Seen { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen = new SeenRequest(request.RequestUri!.AbsolutePath, request.Headers.Authorization?.ToString(), await request.Content!.ReadAsStringAsync(cancellationToken));
            return respond();
        }
    }

    /// <summary>A response body that hands out its parts one read at a time, each after its delay.</summary>
    private sealed class ScriptedStream((int DelayMs, string Text)[] parts) : Stream
    {
        private int _part;
        private ReadOnlyMemory<byte> _pending;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_pending.IsEmpty)
            {
                if (_part == parts.Length)
                {
                    return 0;
                }

                var (delayMs, text) = parts[_part++];
                if (delayMs > 0)
                {
                    await Task.Delay(delayMs, cancellationToken);
                }

                _pending = Encoding.UTF8.GetBytes(text);
            }

            var count = Math.Min(buffer.Length, _pending.Length);
            _pending[..count].CopyTo(buffer);
            _pending = _pending[count..];
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
