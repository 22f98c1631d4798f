using System.Text.Json.Nodes;
using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Groundwork.Generation;
using Groundwork.Hosting;
using Groundwork.Models;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using RequestSizeLimitAttribute = Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute;

namespace Groundwork.OpenAi;

public static class ResponsesEndpoints
{
    public static RouteGroupBuilder MapResponses(this RouteGroupBuilder group)
    {
        group.MapPost("/responses", CreateResponseAsync)
            .WithRequestExample(JsonNode.Parse("""{"model": "local", "input": "What is the Zorblax reactor cooled by?"}""")!)
            .WithName("CreateResponse")
            .WithSummary("Answer text input (OpenAI's Responses API), grounded on the tenant's documents")
            .WithDescription(
                "OpenAI's `POST /responses` for text: `input` as a string or messages, `instructions`, streaming with the documented " +
                "events (response.created … response.completed; response.failed and error when it fails after it started). " +
                "Responses are not stored: `store: true`, `previous_response_id`, tools and non-text input are answered 400. " +
                "Retrieval and the `groundwork` field work as for chat completions.")
            .WithMetadata(new RequestSizeLimitAttribute(GenerationApi.MaxBodyBytes))
            .Accepts<JsonElement>("application/json")
            .Produces<ResponseObject>()
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return group;
    }

    public static async Task<IResult> CreateResponseAsync(
        JsonRequestReader reader, Caller caller, GenerationService generation, ModelRegistry models, HttpContext context, TimeProvider clock,
        IOptions<JsonOptions> jsonOptions, CancellationToken cancellationToken)
    {
        ResponsesRequest request;
        try
        {
            // The service's own reader: charset, size, duplicate keys and bad escapes are answered as for every endpoint.
            request = ResponsesRequest.Read(await reader.ReadObjectAsync(context, GenerationApi.MaxBodyBytes));
        }
        catch (OpenAiRequestException rejected)
        {
            return OpenAiErrors.InvalidRequest(rejected.Param, rejected.Message);
        }

        if (OpenAiModels.NotFound(models, request.Conversation.Model) is { } notFound)
        {
            return notFound;
        }

        var shape = new ResponseShape(request, "resp_" + Guid.NewGuid().ToString("N"), "msg_" + Guid.NewGuid().ToString("N"),
            clock.GetUtcNow().ToUnixTimeSeconds());
        if (request.Stream)
        {
            var startedAt = context.Features.Get<RequestArrival>()?.Timestamp ?? Stopwatch.GetTimestamp();
            var stream = await generation.StartConversationStreamAsync(request.Conversation, caller, startedAt, cancellationToken);
            context.Response.RegisterForDispose(stream);
            OpenAiModels.WriteStreamHeaders(context.Response, stream.Budgets, clock);
            return TypedResults.ServerSentEvents(new ResponseEventStream(shape, jsonOptions.Value.SerializerOptions).EventsAsync(stream, cancellationToken));
        }

        var answer = await generation.AnswerConversationAsync(request.Conversation, caller, cancellationToken);
        OpenAiModels.WriteAnswerHeaders(context.Response, answer, clock);
        return TypedResults.Ok(shape.Finished(
            answer.Text, answer.FinishReason, ResponseUsage.Of(answer.Usage.PromptTokens, answer.Usage.CompletionTokens, answer.Usage.TotalTokens),
            GroundworkAnswer.Of(answer.Grounding, answer.AnsweredBy?.Provider, answer.AnsweredBy?.UpstreamModel)));
    }
}

/// <summary>The response object of one request at each stage: in progress, finished (completed or incomplete) or failed.</summary>
internal sealed record ResponseShape(ResponsesRequest Request, string Id, string MessageId, long CreatedAt)
{
    public ResponseObject InProgress() => Object("in_progress", output: [], usage: null, groundwork: null);

    public ResponseOutputMessage Message(string status, IReadOnlyList<ResponseOutputText> content) =>
        new("message", MessageId, status, "assistant", content);

    public ResponseObject Finished(string text, string finishReason, ResponseUsage usage, GroundworkAnswer groundwork)
    {
        var cut = finishReason == "length";
        var status = cut ? "incomplete" : "completed";
        return Object(status, [Message(status, [ResponseOutputText.Of(text)])], usage, groundwork) with
        {
            IncompleteDetails = cut ? new ResponseIncompleteDetails("max_output_tokens") : null,
        };
    }

    public ResponseObject Failed(string message, IReadOnlyList<ResponseOutputMessage> output) =>
        Object("failed", output, usage: null, groundwork: null) with { Error = new ResponseError("server_error", message) };

    private ResponseObject Object(string status, IReadOnlyList<ResponseOutputMessage> output, ResponseUsage? usage, GroundworkAnswer? groundwork)
    {
        var options = Request.Conversation.Options;
        return new ResponseObject(
            Id, "response", CreatedAt, status, Error: null, IncompleteDetails: null, Request.Instructions, options.MaxOutputTokens,
            Request.Conversation.Model, output, ParallelToolCalls: false, PreviousResponseId: null, Store: false,
            options.Temperature is { } temperature ? Math.Round(temperature, 6) : null, options.TopP is { } topP ? Math.Round(topP, 6) : null,
            ResponseTextOptions.Plain, ToolChoice: "none", Tools: [], Truncation: "disabled", usage, Request.User, Request.Metadata, groundwork);
    }
}

/// <summary>
/// A <see cref="GenerationStream"/> as the Responses API's named events with their <c>sequence_number</c>: created, in
/// progress, the message and its text part added, the text deltas, then everything done and <c>response.completed</c>
/// with the whole response; a failure after the start sends <c>response.failed</c> and an <c>error</c> event, and ends.
/// </summary>
internal sealed class ResponseEventStream(ResponseShape shape, JsonSerializerOptions json)
{
    private int _sequence;

    public async IAsyncEnumerable<SseItem<string>> EventsAsync(GenerationStream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        StreamSources? sources = null;
        StreamCitations? citations = null;
        StreamUsage? usage = null;
        var text = new StringBuilder();
        var itemId = shape.MessageId;
        await foreach (var item in stream.EventsAsync(cancellationToken))
        {
            switch (item.Data)
            {
                case StreamSources first:
                    sources = first;
                    yield return Event("response.created", new { response = shape.InProgress() });
                    yield return Event("response.in_progress", new { response = shape.InProgress() });
                    yield return Event("response.output_item.added", new { output_index = 0, item = shape.Message("in_progress", []) });
                    yield return Event("response.content_part.added",
                        new { item_id = itemId, output_index = 0, content_index = 0, part = ResponseOutputText.Of(string.Empty) });
                    break;
                case StreamDelta delta:
                    text.Append(delta.Text);
                    yield return Event("response.output_text.delta",
                        new { item_id = itemId, output_index = 0, content_index = 0, delta = delta.Text, logprobs = Array.Empty<object>() });
                    break;
                case StreamCitations mapped:
                    citations = mapped;
                    break;
                case StreamUsage reported:
                    usage = reported;
                    break;
                case StreamDone done:
                    var answer = text.ToString();
                    var response = shape.Finished(answer, done.FinishReason ?? "stop",
                        ResponseUsage.Of(usage?.PromptTokens ?? 0, usage?.CompletionTokens ?? 0, usage?.TotalTokens ?? 0),
                        OpenAiModels.Answer(sources!, citations, done));
                    var part = ResponseOutputText.Of(answer);
                    yield return Event("response.output_text.done",
                        new { item_id = itemId, output_index = 0, content_index = 0, text = answer, logprobs = Array.Empty<object>() });
                    yield return Event("response.content_part.done", new { item_id = itemId, output_index = 0, content_index = 0, part });
                    yield return Event("response.output_item.done", new { output_index = 0, item = response.Output[0] });
                    yield return Event(response.Status == "completed" ? "response.completed" : "response.incomplete", new { response });
                    break;
                case StreamError error:
                    var message = error.Detail ?? error.Title;
                    yield return Event("response.failed",
                        new { response = shape.Failed(message, text.Length > 0 ? [shape.Message("incomplete", [ResponseOutputText.Of(text.ToString())])] : []) });
                    yield return Event("error", new { code = "server_error", message, param = (string?)null });
                    yield break;
            }
        }
    }

    /// <summary>An event whose data leads with its type and sequence number, as OpenAI sends them.</summary>
    private SseItem<string> Event(string type, object fields)
    {
        var data = JsonSerializer.SerializeToNode(fields, json)!.AsObject();
        var ordered = new System.Text.Json.Nodes.JsonObject { ["type"] = type, ["sequence_number"] = _sequence++ };
        foreach (var (name, value) in data.ToList())
        {
            data.Remove(name);
            ordered[name] = value;
        }

        return new SseItem<string>(ordered.ToJsonString(json), type);
    }
}
