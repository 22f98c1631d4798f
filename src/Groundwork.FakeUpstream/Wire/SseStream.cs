using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace Groundwork.FakeUpstream.Wire;

/// <summary>
/// Server-sent events written straight into the response pipe, flushed one event at a time, with the
/// stream faults (cut connection, malformed event, stall) applied after <see cref="FakeFault.AfterChunks"/> events.
/// </summary>
/// <remarks>
/// A cut declares a Content-Length the stream never reaches and then stops writing: Kestrel closes the
/// connection after sending what was written, and the client fails with a premature end of the response.
/// <see cref="HttpContext.Abort"/> is not used because it discards output Kestrel has not sent yet, so the
/// client would see the cut before the chunks that were meant to precede it.
/// </remarks>
internal sealed class SseStream(HttpContext context, FakeFault? fault, int chunkDelayMs, byte[] malformedEvent) : IDisposable
{
    private readonly PipeWriter _pipe = context.Response.BodyWriter;
    private readonly Utf8JsonWriter _json = new(context.Response.BodyWriter, FakeUpstreamJsonContext.WriterOptions);
    private int _events;

    /// <summary>Sends the headers; false when the connection was cut.</summary>
    public async Task<bool> StartAsync()
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        if (fault?.Kind == FaultKind.CutConnection)
        {
            context.Response.ContentLength = int.MaxValue;
        }

        await context.Response.StartAsync(context.RequestAborted);
        return await StrikeIfDueAsync();
    }

    /// <summary>Starts an event (with an <c>event:</c> line unless the name is empty); write its data as one JSON value.</summary>
    public Utf8JsonWriter BeginEvent(ReadOnlySpan<byte> eventName)
    {
        if (!eventName.IsEmpty)
        {
            _pipe.Write("event: "u8);
            _pipe.Write(eventName);
            _pipe.Write("\n"u8);
        }

        _pipe.Write("data: "u8);
        _json.Reset();
        return _json;
    }

    /// <summary>Ends and flushes the event; false when the connection was cut and nothing more may be written.</summary>
    public async ValueTask<bool> EndEventAsync()
    {
        _json.Flush();
        _pipe.Write("\n\n"u8);
        _events++;
        await _pipe.FlushAsync(context.RequestAborted);
        if (!await StrikeIfDueAsync())
        {
            return false;
        }

        await Pause.AtLeastAsync(chunkDelayMs, context.RequestAborted);
        return true;
    }

    public async ValueTask WriteDoneAsync()
    {
        _pipe.Write("data: [DONE]\n\n"u8);
        await _pipe.FlushAsync(context.RequestAborted);
    }

    public void Dispose() => _json.Dispose();

    private async ValueTask<bool> StrikeIfDueAsync()
    {
        if (fault is null || _events != fault.AfterChunks)
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

        _pipe.Write(malformedEvent);
        await _pipe.FlushAsync(context.RequestAborted);
        return true;
    }
}
