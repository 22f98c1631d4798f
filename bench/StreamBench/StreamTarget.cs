using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace Groundwork.Bench;

/// <summary>How one stream went: times from sending the request, in Stopwatch ticks; <see cref="Error"/> when it failed.</summary>
internal readonly record struct StreamOutcome(long HeadersTicks, long FirstTextTicks, long EndTicks, int TextEvents, string? Error)
{
    public static StreamOutcome Failed(string error) => new(0, 0, 0, 0, error);
}

/// <summary>What is streamed and how its first text is recognised: Groundwork's <c>/generate</c> or the upstream's chat completions.</summary>
internal abstract class StreamTarget(Uri baseUrl, string? apiKey)
{
    public abstract string Name { get; }

    public abstract HttpRequestMessage CreateRequest(string question);

    /// <summary>Reads an SSE stream to its end; <paramref name="started"/> is when the request was sent.</summary>
    public async Task<StreamOutcome> ReadAsync(Stream body, long started, long headersAt, CancellationToken cancellationToken)
    {
        long firstText = 0;
        var textEvents = 0;
        var finished = false;
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            switch (Classify(item))
            {
                case SseEventKind.Text:
                    if (firstText == 0)
                    {
                        firstText = System.Diagnostics.Stopwatch.GetTimestamp();
                    }

                    textEvents++;
                    break;
                case SseEventKind.End:
                    finished = true;
                    break;
                case SseEventKind.Error:
                    return StreamOutcome.Failed($"error event: {Truncate(item.Data)}");
            }
        }

        var end = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!finished)
        {
            return StreamOutcome.Failed("stream ended without its final event");
        }

        if (firstText == 0)
        {
            return StreamOutcome.Failed("stream carried no text");
        }

        return new StreamOutcome(headersAt - started, firstText - started, end - started, textEvents, null);
    }

    public abstract SseEventKind Classify(SseItem<string> item);

    protected Uri Endpoint(string path) => new(baseUrl, path);

    protected HttpRequestMessage Post(string path, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Endpoint(path))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return request;
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}

internal enum SseEventKind
{
    Other,
    Text,
    End,
    Error,
}

/// <summary>
/// <c>POST /generate</c> with <c>"stream": true</c>: <c>sources</c>, <c>delta</c> events (<c>{"text": …}</c>), then
/// <c>citations</c>, <c>usage</c> and <c>done</c>, or <c>error</c>. The first <c>delta</c> with text is the first token.
/// </summary>
internal sealed class GroundworkTarget(Uri baseUrl, string apiKey, string model) : StreamTarget(baseUrl, apiKey)
{
    public override string Name => "groundwork";

    public override HttpRequestMessage CreateRequest(string question) =>
        Post("generate", JsonSerializer.Serialize(new GenerateRequest(question, model, Stream: true), BenchJson.Default.GenerateRequest));

    public override SseEventKind Classify(SseItem<string> item) => item.EventType switch
    {
        "delta" => HasText(item.Data) ? SseEventKind.Text : SseEventKind.Other,
        "done" => SseEventKind.End,
        "error" => SseEventKind.Error,
        _ => SseEventKind.Other,
    };

    private static bool HasText(string data)
    {
        using var delta = JsonDocument.Parse(data);
        return delta.RootElement.TryGetProperty("text"u8, out var text) && text.ValueKind == JsonValueKind.String && text.GetString()!.Length > 0;
    }
}

/// <summary>
/// The upstream alone: OpenAI chat completions with <c>"stream": true</c>. The first chunk whose
/// <c>choices[0].delta.content</c> is not empty is the first token; <c>data: [DONE]</c> ends the stream.
/// </summary>
internal sealed class UpstreamTarget(Uri baseUrl, string apiKey, string model, string context) : StreamTarget(baseUrl, apiKey)
{
    public override string Name => "upstream";

    public override HttpRequestMessage CreateRequest(string question)
    {
        // About the prompt Groundwork sends: an instruction with retrieved context, then the question.
        var request = new ChatRequest(model, Stream: true,
        [
            new ChatMessage("system", "Answer only from the context below and cite it as [n].\n\n" + context),
            new ChatMessage("user", question),
        ]);
        return Post("v1/chat/completions", JsonSerializer.Serialize(request, BenchJson.Default.ChatRequest));
    }

    public override SseEventKind Classify(SseItem<string> item)
    {
        if (item.Data == "[DONE]")
        {
            return SseEventKind.End;
        }

        using var chunk = JsonDocument.Parse(item.Data);
        var root = chunk.RootElement;
        if (root.TryGetProperty("error"u8, out _))
        {
            return SseEventKind.Error;
        }

        return root.TryGetProperty("choices"u8, out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
            && choices[0].TryGetProperty("delta"u8, out var delta) && delta.TryGetProperty("content"u8, out var content)
            && content.ValueKind == JsonValueKind.String && content.GetString()!.Length > 0
                ? SseEventKind.Text
                : SseEventKind.Other;
    }
}
