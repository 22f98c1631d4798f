using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Groundwork.FakeUpstream.OpenAi;
using Groundwork.FakeUpstream.Wire;

namespace Groundwork.FakeUpstream.Ollama;

/// <summary>Ollama's chat, embed, tags and version endpoints, in its wire format (no API key: Ollama has none).</summary>
internal static class OllamaApi
{
    private const string Version = "0.12.6";
    private static readonly string[] s_models = ["llama3.2:latest", "qwen2.5:7b", "nomic-embed-text:latest", "all-minilm:latest"];
    private static readonly byte[] s_malformedLine = "{\"model\":\"fake\",\"created_at\":\"2025-01-01T00:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\n"u8.ToArray();

    public static RouteGroupBuilder MapOllamaApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api");
        group.MapPost("/chat", ChatAsync);
        group.MapPost("/embed", EmbedAsync);
        group.MapGet("/tags", ListModelsAsync);
        group.MapGet("/version", GetVersionAsync);
        return group;
    }

    private static async Task ChatAsync(HttpContext context, FakeUpstreamOptions options, RequestLog log)
    {
        var started = Stopwatch.GetTimestamp();
        if (await ProviderExchange.ReceiveAsync(context, Provider.Ollama, options, log) is not { } arrival)
        {
            return;
        }

        if (arrival.Body is not { ValueKind: JsonValueKind.Object } request
            || !request.TryGetProperty("messages"u8, out var messages)
            || messages.ValueKind != JsonValueKind.Array)
        {
            await ProviderExchange.WriteErrorAsync(context, Provider.Ollama, 400, "invalid request: messages must be an array");
            return;
        }

        if (Model(request) is not { } model)
        {
            await ProviderExchange.WriteErrorAsync(context, Provider.Ollama, 400, "model is required");
            return;
        }

        if (InvalidOption(request) is { } invalid)
        {
            await ProviderExchange.WriteErrorAsync(context, Provider.Ollama, 400, invalid);
            return;
        }

        var (lastUserText, promptTokens) = ChatMessages.ReadPrompt(messages);
        var chat = new Chat(model, ChatReply.Create(options, lastUserText, NumPredict(request)), promptTokens, started);

        // Unlike OpenAI and Anthropic, Ollama streams unless told not to.
        if (request.TryGetProperty("stream"u8, out var stream) && stream.ValueKind == JsonValueKind.False)
        {
            await Pause.AtLeastAsync(options.ChatLatencyMs, context.RequestAborted);
            chat = chat with { FirstTokenAt = Stopwatch.GetTimestamp() };
            await JsonResponse.WriteAsync(context, arrival.Fault, chat, static (json, chat) => WriteLine(json, chat, chat.Reply.Text, done: true));
            return;
        }

        using var ndjson = new NdjsonStream(context, arrival.Fault, options.StreamChunkDelayMs, s_malformedLine);
        if (!await ndjson.StartAsync())
        {
            return;
        }

        await Pause.AtLeastAsync(options.ChatLatencyMs, context.RequestAborted);
        chat = chat with { FirstTokenAt = Stopwatch.GetTimestamp() };
        var text = chat.Reply.Text;
        var position = 0;
        while (Words.NextChunk(text, ref position, out var chunk))
        {
            WriteLine(ndjson.BeginLine(), chat, text.AsSpan(chunk), done: false);
            if (!await ndjson.EndLineAsync())
            {
                return;
            }
        }

        WriteLine(ndjson.BeginLine(), chat, "", done: true);
        await ndjson.EndLineAsync();
    }

    private static async Task EmbedAsync(HttpContext context, FakeUpstreamOptions options, RequestLog log)
    {
        var started = Stopwatch.GetTimestamp();
        if (await ProviderExchange.ReceiveAsync(context, Provider.Ollama, options, log) is not { } arrival)
        {
            return;
        }

        if (arrival.Body is not { ValueKind: JsonValueKind.Object } request
            || !request.TryGetProperty("input"u8, out var input)
            || !OpenAiApi.IsTextInput(input))
        {
            await ProviderExchange.WriteErrorAsync(context, Provider.Ollama, 400, "invalid input: input must be a string or a non-empty array of strings");
            return;
        }

        if (Model(request) is not { } model)
        {
            await ProviderExchange.WriteErrorAsync(context, Provider.Ollama, 400, "model is required");
            return;
        }

        var dimensions = options.EmbeddingDimensions;
        if (request.TryGetProperty("dimensions"u8, out var requested) && requested.ValueKind != JsonValueKind.Null
            && (requested.ValueKind != JsonValueKind.Number || !requested.TryGetInt32(out dimensions) || dimensions < 1 || dimensions > FakeUpstreamOptions.MaxEmbeddingDimensions))
        {
            await ProviderExchange.WriteErrorAsync(context, Provider.Ollama, 400, $"dimensions must be an integer from 1 to {FakeUpstreamOptions.MaxEmbeddingDimensions}");
            return;
        }

        await Pause.AtLeastAsync(options.EmbeddingLatencyMs, context.RequestAborted);
        await JsonResponse.WriteAsync(context, arrival.Fault, new Embeddings(input, model, dimensions, started), WriteEmbeddings);
    }

    private static async Task ListModelsAsync(HttpContext context, FakeUpstreamOptions options, RequestLog log)
    {
        if (await ProviderExchange.ReceiveAsync(context, Provider.Ollama, options, log) is not { } arrival)
        {
            return;
        }

        await JsonResponse.WriteAsync(context, arrival.Fault, s_models, static (json, models) =>
        {
            json.WriteStartObject();
            json.WriteStartArray("models"u8);
            foreach (var model in models)
            {
                json.WriteStartObject();
                json.WriteString("name"u8, model);
                json.WriteString("model"u8, model);
                json.WriteString("modified_at"u8, "2025-01-01T00:00:00Z"u8);
                json.WriteNumber("size"u8, 2019393189);
                json.WriteString("digest"u8, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(model))));
                json.WriteStartObject("details"u8);
                json.WriteString("parent_model"u8, ""u8);
                json.WriteString("format"u8, "gguf"u8);
                json.WriteString("family"u8, "llama"u8);
                json.WriteStartArray("families"u8);
                json.WriteStringValue("llama"u8);
                json.WriteEndArray();
                json.WriteString("parameter_size"u8, "3.2B"u8);
                json.WriteString("quantization_level"u8, "Q4_K_M"u8);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static async Task GetVersionAsync(HttpContext context, FakeUpstreamOptions options, RequestLog log)
    {
        if (await ProviderExchange.ReceiveAsync(context, Provider.Ollama, options, log) is not { } arrival)
        {
            return;
        }

        await JsonResponse.WriteAsync(context, arrival.Fault, Version, static (json, version) =>
        {
            json.WriteStartObject();
            json.WriteString("version"u8, version);
            json.WriteEndObject();
        });
    }

    private static string? Model(JsonElement request) =>
        request.TryGetProperty("model"u8, out var model) && model.ValueKind == JsonValueKind.String && model.GetString() is { Length: > 0 } name
            ? name
            : null;

    /// <summary>Ollama reads <c>num_predict</c> -1 (unlimited) and -2 (fill the context) as no limit.</summary>
    private static long? NumPredict(JsonElement request) =>
        Options(request) is { } options
        && options.TryGetProperty("num_predict"u8, out var value) && value.ValueKind == JsonValueKind.Number
        && value.TryGetInt64(out var max) && max > 0
            ? max
            : null;

    private static string? InvalidOption(JsonElement request)
    {
        if (!request.TryGetProperty("options"u8, out var options) || options.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (options.ValueKind != JsonValueKind.Object)
        {
            return "invalid options: options must be an object";
        }

        foreach (var name in (ReadOnlySpan<string>)["num_predict", "temperature"])
        {
            if (options.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null))
            {
                return $"invalid options: {name} must be a number";
            }
        }

        return null;
    }

    private static JsonElement? Options(JsonElement request) =>
        request.TryGetProperty("options"u8, out var options) && options.ValueKind == JsonValueKind.Object ? options : null;

    private static void WriteLine(Utf8JsonWriter json, Chat chat, ReadOnlySpan<char> content, bool done)
    {
        json.WriteStartObject();
        json.WriteString("model"u8, chat.Model);
        json.WriteString("created_at"u8, DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        json.WriteStartObject("message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("content"u8, content);
        json.WriteEndObject();
        json.WriteBoolean("done"u8, done);
        if (done)
        {
            // Ollama reports durations in nanoseconds: prompt evaluation up to the first token, generation after it.
            var now = Stopwatch.GetTimestamp();
            json.WriteString("done_reason"u8, chat.Reply.HitMaxTokens ? "length"u8 : "stop"u8);
            json.WriteNumber("total_duration"u8, Nanoseconds(chat.StartedAt, now));
            json.WriteNumber("load_duration"u8, 0);
            json.WriteNumber("prompt_eval_count"u8, chat.PromptTokens);
            json.WriteNumber("prompt_eval_duration"u8, Nanoseconds(chat.StartedAt, chat.FirstTokenAt));
            json.WriteNumber("eval_count"u8, chat.Reply.Tokens);
            json.WriteNumber("eval_duration"u8, Nanoseconds(chat.FirstTokenAt, now));
        }

        json.WriteEndObject();
    }

    private static void WriteEmbeddings(Utf8JsonWriter json, Embeddings request)
    {
        var vector = ArrayPool<float>.Shared.Rent(request.Dimensions);
        try
        {
            var tokens = 0;
            json.WriteStartObject();
            json.WriteString("model"u8, request.Model);
            json.WriteStartArray("embeddings"u8);
            if (request.Input.ValueKind == JsonValueKind.String)
            {
                tokens += WriteEmbedding(json, request.Input.GetString()!, vector.AsSpan(0, request.Dimensions));
            }
            else
            {
                foreach (var item in request.Input.EnumerateArray())
                {
                    tokens += WriteEmbedding(json, item.GetString()!, vector.AsSpan(0, request.Dimensions));
                }
            }

            json.WriteEndArray();
            json.WriteNumber("total_duration"u8, Nanoseconds(request.StartedAt, Stopwatch.GetTimestamp()));
            json.WriteNumber("load_duration"u8, 0);
            json.WriteNumber("prompt_eval_count"u8, tokens);
            json.WriteEndObject();
        }
        finally
        {
            ArrayPool<float>.Shared.Return(vector);
        }
    }

    private static int WriteEmbedding(Utf8JsonWriter json, string text, Span<float> vector)
    {
        EmbeddingVectors.Fill(text, vector);
        json.WriteStartArray();
        foreach (var value in vector)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
        return Words.Count(text);
    }

    private static long Nanoseconds(long from, long to) => (long)Stopwatch.GetElapsedTime(from, to).TotalNanoseconds;

    private readonly record struct Chat(string Model, ChatReply Reply, int PromptTokens, long StartedAt, long FirstTokenAt = 0);

    private readonly record struct Embeddings(JsonElement Input, string Model, int Dimensions, long StartedAt);
}
