using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Groundwork.Fuzzing;

/// <summary>
/// Sends cases through an <see cref="HttpClient"/> (raw ones over a socket to <see cref="RawEndpoint"/>), a few at a time, and
/// records each answer and what the <see cref="ResponseOracle"/> finds in it. Only loopback addresses are accepted.
/// </summary>
public sealed class FuzzRunner
{
    private readonly HttpClient _client;
    private readonly ResponseOracle _oracle;

    public FuzzRunner(HttpClient client, ResponseOracle oracle)
    {
        if (client.BaseAddress is not { IsLoopback: true })
        {
            throw new ArgumentException($"The fuzzer sends only to loopback; the client's base address is {client.BaseAddress}.", nameof(client));
        }
        _client = client;
        _oracle = oracle;
    }

    /// <summary>Where raw-socket cases go (a real Kestrel on loopback); they are skipped without one.</summary>
    public IPEndPoint? RawEndpoint
    {
        get;
        init => field = value is null || IPAddress.IsLoopback(value.Address)
            ? value : throw new ArgumentException($"The fuzzer sends only to loopback, not {value}.", nameof(value));
    }

    public int Concurrency { get; init; } = 2;

    /// <summary>Called with every answer and its findings (from several threads), e.g. to log every failing case.</summary>
    public Action<FuzzCase, FuzzResponse, IReadOnlyList<Finding>>? Observer { get; init; }

    /// <summary>A request not answered by then is abandoned and reported (slow and transport).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public async Task<FuzzReport> RunAsync(IEnumerable<FuzzCase> cases, CancellationToken cancellationToken, Action<FuzzReport>? progress = null)
    {
        var report = new FuzzReport();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
            async (fuzzCase, token) =>
            {
                if (fuzzCase.RawRequest is not null && RawEndpoint is null)
                {
                    report.Skip();
                    return;
                }
                var response = fuzzCase.RawRequest is not null ? await SendRawAsync(fuzzCase, token) : await SendAsync(fuzzCase, token);
                if (response is null)
                {
                    report.Skip();
                    return;
                }
                var findings = _oracle.Check(fuzzCase, response);
                Observer?.Invoke(fuzzCase, response, findings);
                var requests = report.Record(fuzzCase, response, findings);
                if (progress is not null && requests % 1_000 == 0)
                {
                    progress(report);
                }
            });
        return report;
    }

    private async Task<FuzzResponse?> SendAsync(FuzzCase fuzzCase, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(fuzzCase.Method), fuzzCase.Target);
        if (fuzzCase.Body is not null)
        {
            request.Content = new ByteArrayContent(fuzzCase.Body);
            if (fuzzCase.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzzCase.ContentType);
            }
        }
        foreach (var (name, value) in fuzzCase.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await _client.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            return new FuzzResponse((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), body, clock.Elapsed)
            {
                ConnectionClose = response.Headers.ConnectionClose == true,
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new FuzzResponse(0, null, "", clock.Elapsed, $"no answer within {Timeout.TotalSeconds:0} s");
        }
        catch (InvalidOperationException exception) when (exception.Message.Contains("null characters", StringComparison.Ordinal))
        {
            // The in-memory test server refuses to send a path with %00; over a socket such a case is sent.
            return null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The in-memory test server rethrows an application exception thrown after the response started.
            return new FuzzResponse(0, null, "", clock.Elapsed, $"{exception.GetType().Name}: {exception.Message}");
        }
    }

    private async Task<FuzzResponse> SendRawAsync(FuzzCase fuzzCase, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var clock = Stopwatch.StartNew();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var received = new MemoryStream();
        try
        {
            await socket.ConnectAsync(RawEndpoint!, timeout.Token);
            try
            {
                await socket.SendAsync(fuzzCase.RawRequest, SocketFlags.None, timeout.Token);
            }
            catch (SocketException)
            {
                // The server may answer and close before reading everything; its answer is still there to read.
            }
            var buffer = new byte[16 * 1024];
            var halfClosed = false;
            while (received.Length < 4 * 1024 * 1024)
            {
                int read;
                try
                {
                    if (halfClosed)
                    {
                        read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                    }
                    else
                    {
                        // A request the server is still waiting on (a Content-Length past the body, no last chunk) gets an end of
                        // stream after a quiet second; closing at once would let Kestrel drop the answer to a complete request.
                        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
                        quiet.CancelAfter(TimeSpan.FromSeconds(1));
                        read = await socket.ReceiveAsync(buffer, SocketFlags.None, quiet.Token);
                    }
                }
                catch (OperationCanceledException) when (!halfClosed && !timeout.IsCancellationRequested)
                {
                    halfClosed = true;
                    try
                    {
                        socket.Shutdown(SocketShutdown.Send);
                    }
                    catch (SocketException)
                    {
                        break;
                    }
                    continue;
                }
                catch (SocketException)
                {
                    break;
                }
                if (read == 0)
                {
                    break;
                }
                received.Write(buffer, 0, read);
                if (RawResponse.IsComplete(received.GetBuffer().AsSpan(0, (int)received.Length)))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new FuzzResponse(0, null, "", clock.Elapsed, $"no answer within {Timeout.TotalSeconds:0} s");
        }
        catch (SocketException exception)
        {
            return new FuzzResponse(0, null, "", clock.Elapsed, $"connect failed: {exception.SocketErrorCode}");
        }
        var elapsed = clock.Elapsed;
        if (received.Length == 0)
        {
            // Closing the connection without an answer is an acceptable way to refuse broken framing.
            return new FuzzResponse(-1, null, "", elapsed);
        }
        var (status, contentType, body, connectionClose) = RawResponse.Parse(received.ToArray());
        return new FuzzResponse(status, contentType, body, elapsed) { ConnectionClose = connectionClose };
    }
}

/// <summary>Just enough HTTP/1.1 response parsing for the raw cases: status, Content-Type, body (Content-Length, chunked or to close).</summary>
internal static class RawResponse
{
    public static bool IsComplete(ReadOnlySpan<byte> data)
    {
        var end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return false;
        }
        var head = Encoding.Latin1.GetString(data[..end]);
        if (Header(head, "Content-Length") is { } length && int.TryParse(length, out var bytes))
        {
            return data.Length - end - 4 >= bytes;
        }
        if (Header(head, "Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            return data[(end + 4)..].IndexOf("0\r\n\r\n"u8) >= 0;
        }
        return false;
    }

    public static (int Status, string? ContentType, string Body, bool ConnectionClose) Parse(byte[] data)
    {
        var end = data.AsSpan().IndexOf("\r\n\r\n"u8);
        var head = Encoding.Latin1.GetString(data, 0, end < 0 ? data.Length : end);
        var statusLine = head.Split("\r\n")[0].Split(' ');
        var status = statusLine.Length >= 2 && int.TryParse(statusLine[1], out var code) ? code : 0;
        var body = end < 0 ? [] : data[(end + 4)..];
        if (Header(head, "Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            body = Dechunk(body);
        }
        return (status, Header(head, "Content-Type"), Encoding.UTF8.GetString(body),
            Header(head, "Connection")?.Contains("close", StringComparison.OrdinalIgnoreCase) == true);
    }

    private static byte[] Dechunk(byte[] body)
    {
        var output = new MemoryStream();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = body.AsSpan(position).IndexOf("\r\n"u8);
            if (lineEnd < 0 || !int.TryParse(Encoding.Latin1.GetString(body, position, lineEnd).Split(';')[0], System.Globalization.NumberStyles.HexNumber, null, out var size) || size == 0)
            {
                break;
            }
            position += lineEnd + 2;
            output.Write(body, position, Math.Min(size, body.Length - position));
            position += size + 2;
        }
        return output.ToArray();
    }

    private static string? Header(string head, string name)
    {
        foreach (var line in head.Split("\r\n").Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }
        return null;
    }
}
