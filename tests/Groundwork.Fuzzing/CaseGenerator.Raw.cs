using System.Text;

namespace Groundwork.Fuzzing;

public sealed partial class CaseGenerator
{
    /// <summary>
    /// Requests a client library would refuse to send: broken chunked framing, bad Content-Length, raw bytes in the request line
    /// and headers. They go over a raw socket to a real Kestrel (the in-memory test server does no HTTP/1.1 framing).
    /// </summary>
    public IEnumerable<FuzzCase> RawSocket()
    {
        var random = new Random(_options.Seed + 101);
        foreach (var operation in _api.Operations)
        {
            _operation = operation.Name;
            var target = Target(operation, random);
            if (operation.JsonBodySchema is null && !operation.AcceptsMultipart)
            {
                yield return Raw(operation, $"{operation.Method} {target}\u00ff HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "a 0xFF byte in the request target");
                yield return Raw(operation, $"{operation.Method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Odd: caf\u00e9\u0001\r\n\r\n", "Latin-1 and control bytes in a header value");
                continue;
            }
            var body = operation.JsonBodySchema is { } schema ? ValidObject(_schema.Resolve(schema), random, full: false, depth: 0).ToString() : null;
            var contentType = "application/json";
            if (body is null)
            {
                body = FilePart("note.txt", "A short note about the travel policy.") + Closing;
                contentType = $"multipart/form-data; boundary={Boundary}";
            }
            var head = $"{operation.Method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {contentType}\r\n";
            var length = Encoding.UTF8.GetByteCount(body);
            string Chunked(string size, string data) => head + "Transfer-Encoding: chunked\r\n\r\n" + size + "\r\n" + data + "\r\n0\r\n\r\n";

            yield return Raw(operation, Chunked(length.ToString("x"), body), "a valid chunked body", expectSuccess: true);
            yield return Raw(operation, Chunked("ffffffffffffffffffff", body), "chunk size ffffffffffffffffffff (overflows)");
            yield return Raw(operation, Chunked("7fffffffffffffff", body), "chunk size 7fffffffffffffff, far past the body");
            yield return Raw(operation, Chunked("zz", body), "chunk size zz (not hex)");
            yield return Raw(operation, Chunked("-1", body), "chunk size -1");
            yield return Raw(operation, Chunked((length / 2).ToString("x"), body), "chunk size half the data that follows");
            yield return Raw(operation, Chunked(length.ToString("x") + ";ext=\"unterminated", body), "an unterminated chunk extension");
            yield return Raw(operation, head + "Transfer-Encoding: chunked\r\n\r\n" + length.ToString("x") + "\r\n" + body + "\r\n", "no last chunk (the client closes its side)");
            yield return Raw(operation, head + "Transfer-Encoding: chunked\r\n\r\n" + length.ToString("x") + "\r\n" + body[..(body.Length / 2)], "a chunk cut short");
            yield return Raw(operation, head + "Transfer-Encoding: gzip, chunked\r\n\r\n" + length.ToString("x") + "\r\n" + body + "\r\n0\r\n\r\n", "Transfer-Encoding gzip, chunked");
            yield return Raw(operation, head + "Transfer-Encoding: identity\r\n\r\n" + body, "Transfer-Encoding identity");
            yield return Raw(operation, head + $"Content-Length: {length}\r\nTransfer-Encoding: chunked\r\n\r\n{length:x}\r\n{body}\r\n0\r\n\r\n", "Content-Length and chunked together");
            yield return Raw(operation, head + $"Content-Length: {length}\r\nContent-Length: {length + 5}\r\n\r\n{body}", "two different Content-Lengths");
            yield return Raw(operation, head + "Content-Length: abc\r\n\r\n" + body, "Content-Length abc");
            yield return Raw(operation, head + "Content-Length: -1\r\n\r\n" + body, "Content-Length -1");
            yield return Raw(operation, head + "Content-Length: 99999999999999999999999\r\n\r\n" + body, "Content-Length 99999999999999999999999");
            yield return Raw(operation, head + $"Content-Length: {length + 100}\r\n\r\n{body}", "Content-Length past the body (the client closes its side)");
            yield return Raw(operation, head + "Content-Length: 3\r\n\r\n" + body, "Content-Length shorter than the body");
            yield return Raw(operation, $"{operation.Method} {target} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: {contentType}\r\n\r\n{body}", "HTTP/1.0 without Content-Length");
            yield return Raw(operation, head.Replace("Content-Type: ", "Content-Type: \u00ff", StringComparison.Ordinal) + $"Content-Length: {length}\r\n\r\n{body}",
                "a 0xFF byte in Content-Type");
        }

        foreach (var fuzzCase in RawAuthorizationCases())
        {
            yield return fuzzCase;
        }
    }

    private FuzzCase Raw(ApiOperation operation, string request, string note, bool expectSuccess = false, bool authorize = true)
    {
        if (authorize && _options.Authorization is { } authorization)
        {
            var host = request.IndexOf("Host: 127.0.0.1\r\n", StringComparison.Ordinal);
            if (host >= 0)
            {
                request = request.Insert(host, $"Authorization: {authorization}\r\n");
            }
        }

        // Latin-1 where the text is the wire bytes (request line and headers), UTF-8 for the body after the blank line.
        var split = request.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        byte[] bytes = [.. Encoding.Latin1.GetBytes(request[..split]), .. Encoding.UTF8.GetBytes(request[split..])];
        var requestLine = request[..request.IndexOf('\r', StringComparison.Ordinal)];
        var target = requestLine.Split(' ') is { Length: >= 2 } parts ? parts[1] : operation.PathTemplate;
        return new FuzzCase(FuzzClass.RawFraming, operation.Name, operation.Method, target, null, null, note) { RawRequest = bytes, ExpectSuccess = expectSuccess };
    }
}
