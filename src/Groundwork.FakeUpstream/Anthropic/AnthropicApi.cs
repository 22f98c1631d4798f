using System.Text.Json;
using Groundwork.FakeUpstream.Wire;

namespace Groundwork.FakeUpstream.Anthropic;

/// <summary>Anthropic's messages and models endpoints, in its wire format.</summary>
internal static class AnthropicApi
{
    private static readonly string[] s_models = ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-3-5-haiku-latest"];
    private static readonly byte[] s_malformedEvent =
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\n\n"u8.ToArray();
    private static long s_lastId;

    public static RouteGroupBuilder MapAnthropicApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1");
        group.MapPost("/messages", CreateMessageAsync);
        return group;
    }

    public static async Task ListModelsAsync(HttpContext context, FakeUpstreamOptions options, RequestLog log)
    {
        if (await ProviderExchange.ReceiveAsync(context, Provider.Anthropic, options, log) is not { } arrival)
        {
            return;
        }

        await JsonResponse.WriteAsync(context, arrival.Fault, s_models, static (json, models) =>
        {
            json.WriteStartObject();
            json.WriteStartArray("data"u8);
            foreach (var model in models)
            {
                json.WriteStartObject();
                json.WriteString("type"u8, "model"u8);
                json.WriteString("id"u8, model);
                json.WriteString("display_name"u8, model);
                json.WriteString("created_at"u8, "2025-01-01T00:00:00Z"u8);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteBoolean("has_more"u8, false);
            json.WriteString("first_id"u8, models[0]);
            json.WriteString("last_id"u8, models[^1]);
            json.WriteEndObject();
        });
    }

    private static async Task CreateMessageAsync(HttpContext context, FakeUpstreamOptions options, RequestLog log)
    {
        if (await ProviderExchange.ReceiveAsync(context, Provider.Anthropic, options, log) is not { } arrival)
        {
            return;
        }

        if (arrival.Body is not { ValueKind: JsonValueKind.Object } request
            || !request.TryGetProperty("messages"u8, out var messages)
            || messages.ValueKind != JsonValueKind.Array)
        {
            await ProviderExchange.WriteErrorAsync(context, Provider.Anthropic, 400, "messages: Field required");
            return;
        }

        if (!request.TryGetProperty("max_tokens"u8, out var maxTokens)
            || maxTokens.ValueKind != JsonValueKind.Number
            || !maxTokens.TryGetInt64(out var maxTokenCount)
            || maxTokenCount < 1)
        {
            await ProviderExchange.WriteErrorAsync(context, Provider.Anthropic, 400, "max_tokens: Field required");
            return;
        }

        var (lastUserText, promptTokens) = ReadPrompt(request, messages);
        var message = new Message(
            $"msg_fake{Interlocked.Increment(ref s_lastId)}",
            request.TryGetProperty("model"u8, out var model) && model.ValueKind == JsonValueKind.String ? model.GetString()! : "claude-sonnet-4-5",
            ChatReply.Create(options, lastUserText, maxTokenCount),
            promptTokens);

        if (!(request.TryGetProperty("stream"u8, out var stream) && stream.ValueKind == JsonValueKind.True))
        {
            await Pause.AtLeastAsync(options.ChatLatencyMs, context.RequestAborted);
            await JsonResponse.WriteAsync(context, arrival.Fault, message, WriteMessage);
            return;
        }

        using var sse = new SseStream(context, arrival.Fault, options.StreamChunkDelayMs, s_malformedEvent);
        if (!await sse.StartAsync())
        {
            return;
        }

        await Pause.AtLeastAsync(options.ChatLatencyMs, context.RequestAborted);
        var json = sse.BeginEvent("message_start"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "message_start"u8);
        json.WriteStartObject("message"u8);
        WriteMessageHeader(json, message);
        json.WriteStartArray("content"u8);
        json.WriteEndArray();
        json.WriteNull("stop_reason"u8);
        json.WriteNull("stop_sequence"u8);
        WriteUsage(json, message.PromptTokens, outputTokens: 1);
        json.WriteEndObject();
        json.WriteEndObject();
        if (!await sse.EndEventAsync())
        {
            return;
        }

        json = sse.BeginEvent("content_block_start"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "content_block_start"u8);
        json.WriteNumber("index"u8, 0);
        json.WriteStartObject("content_block"u8);
        json.WriteString("type"u8, "text"u8);
        json.WriteString("text"u8, ""u8);
        json.WriteEndObject();
        json.WriteEndObject();
        if (!await sse.EndEventAsync())
        {
            return;
        }

        json = sse.BeginEvent("ping"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "ping"u8);
        json.WriteEndObject();
        if (!await sse.EndEventAsync())
        {
            return;
        }

        var text = message.Reply.Text;
        var position = 0;
        while (Words.NextChunk(text, ref position, out var chunk))
        {
            WriteTextDelta(sse.BeginEvent("content_block_delta"u8), text.AsSpan(chunk));
            if (!await sse.EndEventAsync())
            {
                return;
            }
        }

        json = sse.BeginEvent("content_block_stop"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "content_block_stop"u8);
        json.WriteNumber("index"u8, 0);
        json.WriteEndObject();
        if (!await sse.EndEventAsync())
        {
            return;
        }

        json = sse.BeginEvent("message_delta"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "message_delta"u8);
        json.WriteStartObject("delta"u8);
        json.WriteString("stop_reason"u8, StopReason(message));
        json.WriteNull("stop_sequence"u8);
        json.WriteEndObject();
        json.WriteStartObject("usage"u8);
        json.WriteNumber("output_tokens"u8, message.Reply.Tokens);
        json.WriteEndObject();
        json.WriteEndObject();
        if (!await sse.EndEventAsync())
        {
            return;
        }

        json = sse.BeginEvent("message_stop"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "message_stop"u8);
        json.WriteEndObject();
        await sse.EndEventAsync();
    }

    /// <summary>The system prompt counts towards the tokens; only user messages are echoed.</summary>
    private static (string? LastUserText, int Tokens) ReadPrompt(JsonElement request, JsonElement messages)
    {
        var systemTokens = request.TryGetProperty("system"u8, out var system) ? Words.Count(ChatMessages.ContentText(system)) : 0;
        var (lastUserText, tokens) = ChatMessages.ReadPrompt(messages);
        return (lastUserText, systemTokens + tokens);
    }

    private static void WriteMessage(Utf8JsonWriter json, Message message)
    {
        json.WriteStartObject();
        WriteMessageHeader(json, message);
        json.WriteStartArray("content"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, "text"u8);
        json.WriteString("text"u8, message.Reply.Text);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteString("stop_reason"u8, StopReason(message));
        json.WriteNull("stop_sequence"u8);
        WriteUsage(json, message.PromptTokens, message.Reply.Tokens);
        json.WriteEndObject();
    }

    private static void WriteMessageHeader(Utf8JsonWriter json, Message message)
    {
        json.WriteString("id"u8, message.Id);
        json.WriteString("type"u8, "message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("model"u8, message.Model);
    }

    private static void WriteUsage(Utf8JsonWriter json, int inputTokens, int outputTokens)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("input_tokens"u8, inputTokens);
        json.WriteNumber("cache_creation_input_tokens"u8, 0);
        json.WriteNumber("cache_read_input_tokens"u8, 0);
        json.WriteNumber("output_tokens"u8, outputTokens);
        json.WriteString("service_tier"u8, "standard"u8);
        json.WriteEndObject();
    }

    private static void WriteTextDelta(Utf8JsonWriter json, ReadOnlySpan<char> text)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "content_block_delta"u8);
        json.WriteNumber("index"u8, 0);
        json.WriteStartObject("delta"u8);
        json.WriteString("type"u8, "text_delta"u8);
        json.WriteString("text"u8, text);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static ReadOnlySpan<byte> StopReason(Message message) => message.Reply.HitMaxTokens ? "max_tokens"u8 : "end_turn"u8;

    private readonly record struct Message(string Id, string Model, ChatReply Reply, int PromptTokens);
}
