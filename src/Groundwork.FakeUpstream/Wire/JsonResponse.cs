using System.Buffers;
using System.Text.Json;

namespace Groundwork.FakeUpstream.Wire;

internal static class JsonResponse
{
    /// <summary>
    /// Writes a 200 JSON body straight into the response pipe. Under a cut-connection or malformed fault
    /// (or stall) only the first half of the body is sent: a cut declares the full Content-Length, so the client sees
    /// the connection close early (see <see cref="SseStream"/>); a malformed body simply ends there.
    /// </summary>
    public static async Task WriteAsync<TState>(HttpContext context, FakeFault? fault, TState state, Action<Utf8JsonWriter, TState> write)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        if (fault?.Kind is FaultKind.CutConnection or FaultKind.Malformed or FaultKind.Stall)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(buffer, FakeUpstreamJsonContext.WriterOptions))
            {
                write(json, state);
            }

            if (fault.Kind == FaultKind.CutConnection)
            {
                response.ContentLength = buffer.WrittenCount;
            }

            if (fault.Kind == FaultKind.Stall)
            {
                response.ContentLength = buffer.WrittenCount;
            }

            response.BodyWriter.Write(buffer.WrittenSpan[..(buffer.WrittenCount / 2)]);
            await response.BodyWriter.FlushAsync(context.RequestAborted);
            if (fault.Kind == FaultKind.Stall)
            {
                await ProviderExchange.HangAsync(context);
            }

            return;
        }

        using (var json = new Utf8JsonWriter(response.BodyWriter, FakeUpstreamJsonContext.WriterOptions))
        {
            write(json, state);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
