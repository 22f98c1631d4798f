using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using Groundwork.FakeUpstream.Anthropic;
using Groundwork.FakeUpstream.Wire;

namespace Groundwork.FakeUpstream.OpenAi;

/// <summary>OpenAI's chat completions, embeddings and models endpoints, in its wire format.</summary>
internal static class OpenAiApi
{
    private const string DefaultChatModel = "gpt-4o";
    private const string DefaultEmbeddingModel = "text-embedding-3-small";
    private static readonly string[] s_models = ["gpt-4o", "gpt-4o-mini", "text-embedding-3-small", "text-embedding-3-large"];
    private static readonly byte[] s_malformedChunk = "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":\n\n"u8.ToArray();
    private static long s_lastId;

    public static RouteGroupBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1");
        group.MapPost("/chat/completions", CompleteChatAsync);
        group.MapPost("/embeddings", CreateEmbeddingsAsync);
        group.MapGet("/models", ListModelsAsync);
        return group;
    }

    private static async Task CompleteChatAsync(HttpContext context, FakeUpstreamOptions options, RequestLog log)
    {
        if (await ProviderExchange.ReceiveAsync(context, Provider.OpenAi, options, log) is not { } arrival)
        {
            return;
        }

        if (arrival.Body is not { ValueKind: JsonValueKind.Object } request
            || !request.TryGetProperty("messages"u8, out var messages)
            || messages.ValueKind != JsonValueKind.Array)
        {
            await ProviderExchange.WriteErrorAsync(context, Provider.OpenAi, 400, "'messages' is a required property and must be an array.");
            return;
        }

        var (lastUserText, promptTokens) = ChatMessages.ReadPrompt(messages);
        var completion = new Completion(
            $"chatcmpl-fake{Interlocked.Increment(ref s_lastId)}",
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            StringOr(request, "model"u8, DefaultChatModel),
            ChatReply.Create(options, lastUserText, MaxTokens(request)),
            promptTokens,
            request.TryGetProperty("stream_options"u8, out var streamOptions)
                && streamOptions.ValueKind == JsonValueKind.Object
                && streamOptions.TryGetProperty("include_usage"u8, out var includeUsage)
                && includeUsage.ValueKind == JsonValueKind.True);

        if (!(request.TryGetProperty("stream"u8, out var stream) && stream.ValueKind == JsonValueKind.True))
        {
            await Pause.AtLeastAsync(options.ChatLatencyMs, context.RequestAborted);
            await JsonResponse.WriteAsync(context, arrival.Fault, completion, WriteCompletion);
            return;
        }

        using var sse = new SseStream(context, arrival.Fault, options.StreamChunkDelayMs, s_malformedChunk);
        if (!await sse.StartAsync())
        {
            return;
        }

        await Pause.AtLeastAsync(options.ChatLatencyMs, context.RequestAborted);
        WriteChunk(sse.BeginEvent(default), completion, "", isFirst: true);
        if (!await sse.EndEventAsync())
        {
            return;
        }

        var text = completion.Reply.Text;
        var position = 0;
        while (Words.NextChunk(text, ref position, out var chunk))
        {
            WriteChunk(sse.BeginEvent(default), completion, text.AsSpan(chunk), isFirst: false);
            if (!await sse.EndEventAsync())
            {
                return;
            }
        }

        WriteFinalChunk(sse.BeginEvent(default), completion);
        if (!await sse.EndEventAsync())
        {
            return;
        }

        if (completion.IncludeUsage)
        {
            WriteUsageChunk(sse.BeginEvent(default), completion);
            if (!await sse.EndEventAsync())
            {
                return;
            }
        }

        await sse.WriteDoneAsync();
    }

    private static async Task CreateEmbeddingsAsync(HttpContext context, FakeUpstreamOptions options, RequestLog log)
    {
        if (await ProviderExchange.ReceiveAsync(context, Provider.OpenAi, options, log) is not { } arrival)
        {
            return;
        }

        if (arrival.Body is not { ValueKind: JsonValueKind.Object } request
            || !request.TryGetProperty("input"u8, out var input)
            || !IsTextInput(input))
        {
            await ProviderExchange.WriteErrorAsync(context, Provider.OpenAi, 400, "'input' must be a string or a non-empty array of strings.");
            return;
        }

        var dimensions = options.EmbeddingDimensions;
        if (request.TryGetProperty("dimensions"u8, out var requested) && requested.ValueKind != JsonValueKind.Null
            && (requested.ValueKind != JsonValueKind.Number || !requested.TryGetInt32(out dimensions) || dimensions < 1 || dimensions > FakeUpstreamOptions.MaxEmbeddingDimensions))
        {
            await ProviderExchange.WriteErrorAsync(context, Provider.OpenAi, 400, $"'dimensions' must be an integer from 1 to {FakeUpstreamOptions.MaxEmbeddingDimensions}.");
            return;
        }

        var base64 = false;
        if (request.TryGetProperty("encoding_format"u8, out var format) && format.ValueKind != JsonValueKind.Null)
        {
            base64 = format.ValueEquals("base64"u8);
            if (!base64 && !format.ValueEquals("float"u8))
            {
                await ProviderExchange.WriteErrorAsync(context, Provider.OpenAi, 400, "'encoding_format' must be 'float' or 'base64'.");
                return;
            }
        }

        await Pause.AtLeastAsync(options.EmbeddingLatencyMs, context.RequestAborted);
        var embeddings = new Embeddings(input, StringOr(request, "model"u8, DefaultEmbeddingModel), dimensions, base64);
        await JsonResponse.WriteAsync(context, arrival.Fault, embeddings, WriteEmbeddings);
    }

    private static async Task ListModelsAsync(HttpContext context, FakeUpstreamOptions options, RequestLog log)
    {
        // Both providers serve GET /v1/models; only Anthropic's SDK sends anthropic-version.
        if (context.Request.Headers.ContainsKey("anthropic-version"))
        {
            await AnthropicApi.ListModelsAsync(context, options, log);
            return;
        }

        if (await ProviderExchange.ReceiveAsync(context, Provider.OpenAi, options, log) is not { } arrival)
        {
            return;
        }

        await JsonResponse.WriteAsync(context, arrival.Fault, s_models, static (json, models) =>
        {
            json.WriteStartObject();
            json.WriteString("object"u8, "list"u8);
            json.WriteStartArray("data"u8);
            foreach (var model in models)
            {
                json.WriteStartObject();
                json.WriteString("id"u8, model);
                json.WriteString("object"u8, "model"u8);
                json.WriteNumber("created"u8, 1700000000);
                json.WriteString("owned_by"u8, "groundwork-fake"u8);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    private static long? MaxTokens(JsonElement request)
    {
        if (request.TryGetProperty("max_completion_tokens"u8, out var value) && value.ValueKind == JsonValueKind.Number
            || request.TryGetProperty("max_tokens"u8, out value) && value.ValueKind == JsonValueKind.Number)
        {
            return value.TryGetInt64(out var max) && max > 0 ? max : null;
        }

        return null;
    }

    private static string StringOr(JsonElement request, ReadOnlySpan<byte> name, string fallback) =>
        request.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : fallback;

    internal static bool IsTextInput(JsonElement input)
    {
        if (input.ValueKind == JsonValueKind.String)
        {
            return true;
        }

        if (input.ValueKind != JsonValueKind.Array || input.GetArrayLength() == 0)
        {
            return false;
        }

        foreach (var item in input.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return false;
            }
        }

        return true;
    }

    private static void WriteCompletion(Utf8JsonWriter json, Completion completion)
    {
        json.WriteStartObject();
        WriteHeader(json, completion, "chat.completion"u8);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        json.WriteStartObject("message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("content"u8, completion.Reply.Text);
        json.WriteNull("refusal"u8);
        json.WriteStartArray("annotations"u8);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteNull("logprobs"u8);
        json.WriteString("finish_reason"u8, FinishReason(completion));
        json.WriteEndObject();
        json.WriteEndArray();
        WriteUsage(json, completion);
        json.WriteString("service_tier"u8, "default"u8);
        json.WriteEndObject();
    }

    private static void WriteChunk(Utf8JsonWriter json, Completion completion, ReadOnlySpan<char> content, bool isFirst)
    {
        json.WriteStartObject();
        WriteHeader(json, completion, "chat.completion.chunk"u8);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        json.WriteStartObject("delta"u8);
        if (isFirst)
        {
            json.WriteString("role"u8, "assistant"u8);
        }

        json.WriteString("content"u8, content);
        if (isFirst)
        {
            json.WriteNull("refusal"u8);
        }

        json.WriteEndObject();
        json.WriteNull("logprobs"u8);
        json.WriteNull("finish_reason"u8);
        json.WriteEndObject();
        json.WriteEndArray();
        WriteNullUsage(json, completion);
        json.WriteEndObject();
    }

    private static void WriteFinalChunk(Utf8JsonWriter json, Completion completion)
    {
        json.WriteStartObject();
        WriteHeader(json, completion, "chat.completion.chunk"u8);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        json.WriteStartObject("delta"u8);
        json.WriteEndObject();
        json.WriteNull("logprobs"u8);
        json.WriteString("finish_reason"u8, FinishReason(completion));
        json.WriteEndObject();
        json.WriteEndArray();
        WriteNullUsage(json, completion);
        json.WriteEndObject();
    }

    private static void WriteUsageChunk(Utf8JsonWriter json, Completion completion)
    {
        json.WriteStartObject();
        WriteHeader(json, completion, "chat.completion.chunk"u8);
        json.WriteStartArray("choices"u8);
        json.WriteEndArray();
        WriteUsage(json, completion);
        json.WriteEndObject();
    }

    private static void WriteHeader(Utf8JsonWriter json, Completion completion, ReadOnlySpan<byte> type)
    {
        json.WriteString("id"u8, completion.Id);
        json.WriteString("object"u8, type);
        json.WriteNumber("created"u8, completion.Created);
        json.WriteString("model"u8, completion.Model);
        json.WriteString("system_fingerprint"u8, "fp_fake"u8);
    }

    private static void WriteNullUsage(Utf8JsonWriter json, Completion completion)
    {
        if (completion.IncludeUsage)
        {
            json.WriteNull("usage"u8);
        }
    }

    private static void WriteUsage(Utf8JsonWriter json, Completion completion)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("prompt_tokens"u8, completion.PromptTokens);
        json.WriteNumber("completion_tokens"u8, completion.Reply.Tokens);
        json.WriteNumber("total_tokens"u8, completion.PromptTokens + completion.Reply.Tokens);
        json.WriteStartObject("prompt_tokens_details"u8);
        json.WriteNumber("cached_tokens"u8, 0);
        json.WriteNumber("audio_tokens"u8, 0);
        json.WriteEndObject();
        json.WriteStartObject("completion_tokens_details"u8);
        json.WriteNumber("reasoning_tokens"u8, 0);
        json.WriteNumber("audio_tokens"u8, 0);
        json.WriteNumber("accepted_prediction_tokens"u8, 0);
        json.WriteNumber("rejected_prediction_tokens"u8, 0);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static ReadOnlySpan<byte> FinishReason(Completion completion) => completion.Reply.HitMaxTokens ? "length"u8 : "stop"u8;

    private static void WriteEmbeddings(Utf8JsonWriter json, Embeddings request)
    {
        var vector = ArrayPool<float>.Shared.Rent(request.Dimensions);
        var bytes = request.Base64 ? ArrayPool<byte>.Shared.Rent(request.Dimensions * sizeof(float)) : [];
        try
        {
            var tokens = 0;
            json.WriteStartObject();
            json.WriteString("object"u8, "list"u8);
            json.WriteStartArray("data"u8);
            if (request.Input.ValueKind == JsonValueKind.String)
            {
                tokens += WriteEmbedding(json, request, 0, request.Input.GetString()!, vector, bytes);
            }
            else
            {
                var index = 0;
                foreach (var item in request.Input.EnumerateArray())
                {
                    tokens += WriteEmbedding(json, request, index++, item.GetString()!, vector, bytes);
                }
            }

            json.WriteEndArray();
            json.WriteString("model"u8, request.Model);
            json.WriteStartObject("usage"u8);
            json.WriteNumber("prompt_tokens"u8, tokens);
            json.WriteNumber("total_tokens"u8, tokens);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        finally
        {
            ArrayPool<float>.Shared.Return(vector);
            if (request.Base64)
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    private static int WriteEmbedding(Utf8JsonWriter json, Embeddings request, int index, string text, float[] buffer, byte[] bytes)
    {
        var vector = buffer.AsSpan(0, request.Dimensions);
        EmbeddingVectors.Fill(text, vector);
        json.WriteStartObject();
        json.WriteString("object"u8, "embedding"u8);
        json.WriteNumber("index"u8, index);
        if (request.Base64)
        {
            // The SDKs decode base64 embeddings as little-endian float32.
            var raw = bytes.AsSpan(0, vector.Length * sizeof(float));
            for (var i = 0; i < vector.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(raw[(i * sizeof(float))..], vector[i]);
            }

            json.WriteBase64String("embedding"u8, raw);
        }
        else
        {
            json.WriteStartArray("embedding"u8);
            foreach (var value in vector)
            {
                json.WriteNumberValue(value);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        return Words.Count(text);
    }

    private readonly record struct Completion(string Id, long Created, string Model, ChatReply Reply, int PromptTokens, bool IncludeUsage);

    private readonly record struct Embeddings(JsonElement Input, string Model, int Dimensions, bool Base64);
}
