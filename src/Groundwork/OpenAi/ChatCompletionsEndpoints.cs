using System.Text.Json.Nodes;
using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Groundwork.Generation;
using Groundwork.Hosting;
using Groundwork.Models;
using Groundwork.Usage;
using Microsoft.AspNetCore.Http.Json;
using RequestSizeLimitAttribute = Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute;
using Microsoft.Extensions.Options;

namespace Groundwork.OpenAi;

public static class ChatCompletionsEndpoints
{
    public static RouteGroupBuilder MapChatCompletions(this RouteGroupBuilder group)
    {
        group.MapPost("/chat/completions", CreateChatCompletionAsync)
            .WithRequestExample(JsonNode.Parse("""{"model": "local", "messages": [{"role": "user", "content": "What is the Zorblax reactor cooled by?"}]}""")!)
            .WithName("CreateChatCompletion")
            .WithSummary("Answer a conversation (OpenAI's chat completions), grounded on the tenant's documents")
            .WithDescription(
                "OpenAI's `POST /chat/completions`, non-streaming or streaming (`data: {chunk}` events, then `data: [DONE]`). " +
                "Passages retrieved for the last user message are given to the model as `/generate` gives them; the body field " +
                "`groundwork` ({\"retrieval\": false} or {top_k, mode, filter, min_relevance}) controls retrieval, and the " +
                "answer's `groundwork` field (on the last content chunk of a stream) has its sources and citations. " +
                "Parameters Groundwork does not support are answered 400 invalid_request_error naming them.")
            .WithMetadata(new RequestSizeLimitAttribute(GenerationApi.MaxBodyBytes))
            .Accepts<JsonElement>("application/json")
            .Produces<ChatCompletion>()
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return group;
    }

    public static async Task<IResult> CreateChatCompletionAsync(
        JsonRequestReader reader, Caller caller, GenerationService generation, ModelRegistry models, HttpContext context, TimeProvider clock,
        IOptions<JsonOptions> jsonOptions, CancellationToken cancellationToken)
    {
        ChatCompletionRequest request;
        try
        {
            // The service's own reader: charset, size, duplicate keys and bad escapes are answered as for every endpoint.
            request = ChatCompletionRequest.Read(await reader.ReadObjectAsync(context, GenerationApi.MaxBodyBytes));
        }
        catch (OpenAiRequestException rejected)
        {
            return OpenAiErrors.InvalidRequest(rejected.Param, rejected.Message);
        }

        var conversation = request.Conversation;
        if (OpenAiModels.NotFound(models, conversation.Model) is { } notFound)
        {
            return notFound;
        }

        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = clock.GetUtcNow().ToUnixTimeSeconds();
        var response = context.Response;
        if (request.Stream)
        {
            var startedAt = context.Features.Get<RequestArrival>()?.Timestamp ?? Stopwatch.GetTimestamp();
            var stream = await generation.StartConversationStreamAsync(conversation, caller, startedAt, cancellationToken);
            response.RegisterForDispose(stream);
            OpenAiModels.WriteStreamHeaders(response, stream.Budgets, clock);
            var chunks = new ChatCompletionStream(id, created, conversation.Model, request.IncludeUsage, jsonOptions.Value.SerializerOptions);
            return TypedResults.ServerSentEvents(chunks.EventsAsync(stream, cancellationToken));
        }

        var answer = await generation.AnswerConversationAsync(conversation, caller, cancellationToken);
        OpenAiModels.WriteAnswerHeaders(response, answer, clock);
        return TypedResults.Ok(new ChatCompletion(
            id, "chat.completion", created, conversation.Model,
            [new ChatCompletionChoice(0, new ChatCompletionMessage("assistant", answer.Text, Refusal: null, []), Logprobs: null, answer.FinishReason)],
            ChatCompletionUsage.Of(answer.Usage), SystemFingerprint: null,
            GroundworkAnswer.Of(answer.Grounding, answer.AnsweredBy?.Provider, answer.AnsweredBy?.UpstreamModel)));
    }
}

/// <summary>What the chat completions and responses endpoints share: the model check and the response headers.</summary>
internal static class OpenAiModels
{
    /// <summary>404 model_not_found, as OpenAI answers, for a model name Groundwork does not have.</summary>
    public static IResult? NotFound(ModelRegistry models, string model) => models.Names.Contains(model, StringComparer.Ordinal)
        ? null
        : OpenAiErrors.NotFound("model", $"The model '{model}' does not exist. Groundwork's models: {string.Join(", ", models.Names)}.", "model_not_found");

    public static void WriteAnswerHeaders(HttpResponse response, ConversationAnswer answer, TimeProvider clock)
    {
        BudgetHeaders.Write(response, answer.Budgets, clock.GetUtcNow().UtcDateTime);
        if (answer.AnsweredBy is { } answeredBy)
        {
            response.Headers[GenerationApi.ProviderHeader] = answeredBy.Provider;
            response.Headers[GenerationApi.UpstreamModelHeader] = answeredBy.UpstreamModel;
        }
    }

    public static void WriteStreamHeaders(HttpResponse response, IReadOnlyList<BudgetStatus> budgets, TimeProvider clock)
    {
        BudgetHeaders.Write(response, budgets, clock.GetUtcNow().UtcDateTime);
        response.Headers.CacheControl = "no-cache";
        // Reverse proxies such as nginx buffer responses unless told not to.
        response.Headers["X-Accel-Buffering"] = "no";
    }

    /// <summary>The sources of a stream's first event, marked cited as its citations event says.</summary>
    public static GroundworkAnswer Answer(StreamSources sources, StreamCitations? citations, StreamDone done)
    {
        var cited = citations?.CitedSources ?? [];
        return new GroundworkAnswer(
            sources.Grounded, [.. sources.Sources.Select(source => source with { Cited = cited.Contains(source.Number) })],
            citations?.Citations ?? [], citations?.UnmatchedCitations ?? [], done.Provider, done.UpstreamModel);
    }
}

/// <summary>
/// A <see cref="GenerationStream"/> as OpenAI's chunks: the role first, a chunk per delta, the finish reason with
/// Groundwork's sources and citations, the usage when asked for, then <c>[DONE]</c>; a failure after the start ends it
/// with one error event and no <c>[DONE]</c>.
/// </summary>
internal sealed class ChatCompletionStream(string id, long created, string model, bool includeUsage, JsonSerializerOptions json)
{
    public async IAsyncEnumerable<SseItem<string>> EventsAsync(GenerationStream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        StreamSources? sources = null;
        StreamCitations? citations = null;
        StreamUsage? usage = null;
        await foreach (var item in stream.EventsAsync(cancellationToken))
        {
            switch (item.Data)
            {
                case StreamSources first:
                    sources = first;
                    yield return Chunk([new ChatCompletionChunkChoice(0, new ChatCompletionDelta("assistant", string.Empty), null, null)]);
                    break;
                case StreamDelta delta:
                    yield return Chunk([new ChatCompletionChunkChoice(0, new ChatCompletionDelta(Content: delta.Text), null, null)]);
                    break;
                case StreamCitations mapped:
                    citations = mapped;
                    break;
                case StreamUsage reported:
                    usage = reported;
                    break;
                case StreamDone done:
                    yield return Chunk([new ChatCompletionChunkChoice(0, new ChatCompletionDelta(), null, done.FinishReason ?? "stop")],
                        groundwork: OpenAiModels.Answer(sources!, citations, done));
                    if (includeUsage)
                    {
                        yield return Chunk([], new ChatCompletionUsage(usage?.PromptTokens ?? 0, usage?.CompletionTokens ?? 0, usage?.TotalTokens ?? 0));
                    }

                    yield return new SseItem<string>("[DONE]");
                    break;
                case StreamError error:
                    yield return new SseItem<string>(JsonSerializer.Serialize(OpenAiStreamError.Of(error), json));
                    yield break;
            }
        }
    }

    private SseItem<string> Chunk(
        IReadOnlyList<ChatCompletionChunkChoice> choices, ChatCompletionUsage? usage = null, GroundworkAnswer? groundwork = null) =>
        new(JsonSerializer.Serialize(
            new ChatCompletionChunk(id, "chat.completion.chunk", created, model, SystemFingerprint: null, choices, usage, groundwork), json));
}
