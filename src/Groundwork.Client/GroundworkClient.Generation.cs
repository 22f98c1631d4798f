using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Groundwork.Client;

public sealed partial class GroundworkClient
{
    /// <summary>The configured chat models and the default one (<c>GET /models</c>).</summary>
    public Task<ModelList> ListModelsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<ModelList>("models", cancellationToken);

    /// <summary>A grounded answer in one piece (<c>POST /generate</c>).</summary>
    public Task<GenerateResponse> GenerateAsync(GenerateRequest request, CancellationToken cancellationToken = default) =>
        SendJsonAsync<GenerateResponse>(HttpMethod.Post, "generate", request with { Stream = false }, cancellationToken);

    /// <summary>
    /// A grounded answer as it is written (<c>POST /generate</c>, <c>stream: true</c>): sources, deltas, citations, usage,
    /// then done or error. A failure before the stream starts throws <see cref="GroundworkApiException"/>; one after it
    /// started arrives as a <see cref="StreamError"/> event.
    /// </summary>
    public async IAsyncEnumerable<GenerateStreamEvent> StreamGenerateAsync(
        GenerateRequest body, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Post, "generate", JsonContent.Create(body with { Stream = true }, options: Json));
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
        {
            GenerateStreamEvent? parsed = item.EventType switch
            {
                "sources" => JsonSerializer.Deserialize<StreamSources>(item.Data, Json),
                "delta" => JsonSerializer.Deserialize<StreamDelta>(item.Data, Json),
                "citations" => JsonSerializer.Deserialize<StreamCitations>(item.Data, Json),
                "usage" => JsonSerializer.Deserialize<StreamUsage>(item.Data, Json),
                "done" => JsonSerializer.Deserialize<StreamDone>(item.Data, Json),
                "error" => JsonSerializer.Deserialize<StreamError>(item.Data, Json),
                _ => null,
            };
            if (parsed is not null)
            {
                yield return parsed;
            }
        }
    }

    /// <summary>A grounded answer in one piece (<c>POST /generate</c>) as the service's JSON text, unchanged.</summary>
    public async Task<string> GenerateJsonAsync(GenerateRequest body, CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Post, "generate", JsonContent.Create(body with { Stream = false }, options: Json));
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }
}
