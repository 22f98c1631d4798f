using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace Groundwork.FakeUpstream.Wire;

/// <summary>
/// Newline-delimited JSON (Ollama's streaming format) written straight into the response pipe, one line flushed at a
/// time, with the stream faults applied after <see cref="FakeFault.AfterChunks"/> lines, as <see cref="SseStream"/> does.
/// </summary>
internal sealed class NdjsonStream(HttpContext context, FakeFault? fault, int chunkDelayMs, byte[] malformedLine) : IDisposable
{
    private readonly PipeWriter _pipe = context.Response.BodyWriter;
    private readonly Utf8JsonWriter _json = new(context.Response.BodyWriter, FakeUpstreamJsonContext.WriterOptions);
    private int _lines;

    /// <summary>Sends the headers; false when the connection was cut.</summary>
    public async Task<bool> StartAsync()
    {
        context.Response.ContentType = "application/x-ndjson";
        if (fault?.Kind == FaultKind.CutConnection)
        {
            context.Response.ContentLength = int.MaxValue;
        }

        await context.Response.StartAsync(context.RequestAborted);
        return await StrikeIfDueAsync();
    }

    /// <summary>Starts a line; write it as one JSON value.</summary>
    public Utf8JsonWriter BeginLine()
    {
        _json.Reset();
        return _json;
    }

    /// <summary>Ends and flushes the line; false when the connection was cut and nothing more may be written.</summary>
    public async ValueTask<bool> EndLineAsync()
    {
        _json.Flush();
        _pipe.Write("\n"u8);
        _lines++;
        await _pipe.FlushAsync(context.RequestAborted);
        if (!await StrikeIfDueAsync())
        {
            return false;
        }

        await Pause.AtLeastAsync(chunkDelayMs, context.RequestAborted);
        return true;
    }

    public void Dispose() => _json.Dispose();

    private async ValueTask<bool> StrikeIfDueAsync()
    {
        if (fault is null || _lines != fault.AfterChunks)
        {
            return true;
        }

        if (fault.Kind == FaultKind.CutConnection)
        {
            return false;
        }

        if (fault.Kind == FaultKind.Stall)
        {
            await ProviderExchange.HangAsync(context);
            return false;
        }

        _pipe.Write(malformedLine);
        await _pipe.FlushAsync(context.RequestAborted);
        return true;
    }
}
