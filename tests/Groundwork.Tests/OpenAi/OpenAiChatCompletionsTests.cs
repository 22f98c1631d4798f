using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Groundwork.FakeUpstream;
using Groundwork.Generation;
using Groundwork.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.OpenAi;

/// <summary>
/// POST /v1/chat/completions over HTTP with the fake OpenAI upstream behind model gpt-4: the completion and chunk
/// objects, grounding on the tenant's documents, the parameters that are rejected, usage and failures mid-stream.
/// </summary>
public sealed class OpenAiChatCompletionsTests : IAsyncLifetime
{
    private const string HandbookText =
        "New employees receive their laptop from the Orion help desk on the first morning. " +
        "The help desk is on the third floor next to the library.";

    private const string Question = "Where do new employees get their laptop?";
    private const string Reply = "Laptops come from the Orion help desk [1], on the third floor [1][7].";

    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        settings["Providers:TimeoutSeconds"] = "2";
        _app = new GroundworkApp(settings);
        _upstream.Options.Reply = Reply;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static object Chat(object? extra = null, string content = Question, string model = "gpt-4")
    {
        var body = new Dictionary<string, object?>
        {
            ["model"] = model,
            ["messages"] = new object[] { new { role = "system", content = "Be brief." }, new { role = "user", content } },
        };
        foreach (var property in extra?.GetType().GetProperties() ?? [])
        {
            body[property.Name] = property.GetValue(extra);
        }

        return body;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsync("/v1/chat/completions",
            new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement);
    }

    private async Task<JsonElement> CompleteAsync(object body, HttpClient? client = null)
    {
        using var own = client is null ? _app.CreateClient() : null;
        var (status, json) = await PostAsync(client ?? own!, body);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status}: {json}");
        return json;
    }

    private async Task<(HttpResponseMessage Response, List<SseItem<string>> Events)> StreamAsync(object body) =>
        (await StreamWithWireAsync(body)) is var (response, events, _) ? (response, events) : default;

    /// <summary>The response, its events and the bytes as sent.</summary>
    private async Task<(HttpResponseMessage Response, List<SseItem<string>> Events, string Wire)> StreamWithWireAsync(object body)
    {
        using var client = _app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"),
        };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var wire = await response.Content.ReadAsStringAsync(Ct);
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(wire))).EnumerateAsync(Ct))
        {
            events.Add(item);
        }

        return (response, events, wire);
    }

    private JsonElement SentUpstream() => _upstream.Requests.Single(r => r.Path == "/v1/chat/completions").Body!.Value;

    private async Task<List<UsageRecordEntity>> UsageRecordsAsync()
    {
        using var operatorClient = _app.CreateClient();
        // GET /usage waits for the records queued so far to be written.
        await operatorClient.GetFromJsonAsync<JsonElement>("/usage", GroundworkApp.Json, Ct);
        using var scope = _app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<GroundworkDbContext>().UsageRecords.OrderBy(r => r.Id).ToListAsync(Ct);
    }

    [Fact]
    public async Task CompletionIsAChatCompletionGroundedOnTheTenantsPassages()
    {
        var handbook = await _app.AddDocumentAsync("Employee handbook", HandbookText);

        var completion = await CompleteAsync(Chat(new { temperature = 0.2, max_tokens = 100 }));

        Assert.StartsWith("chatcmpl-", completion.GetProperty("id").GetString());
        Assert.Equal("chat.completion", completion.GetProperty("object").GetString());
        Assert.Equal("gpt-4", completion.GetProperty("model").GetString());
        Assert.True(completion.GetProperty("created").GetInt64() > 1_700_000_000);
        var choice = Assert.Single(completion.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal(Reply, choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        var usage = completion.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt64() > 0);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64() + usage.GetProperty("completion_tokens").GetInt64(),
            usage.GetProperty("total_tokens").GetInt64());

        var groundwork = completion.GetProperty("groundwork");
        Assert.True(groundwork.GetProperty("grounded").GetBoolean());
        var source = groundwork.GetProperty("sources")[0];
        Assert.Equal(handbook, source.GetProperty("document_id").GetInt64());
        Assert.True(source.GetProperty("cited").GetBoolean());
        Assert.Equal([1, 1], groundwork.GetProperty("citations").EnumerateArray().Select(c => c.GetProperty("number").GetInt32()));
        Assert.Equal(7, Assert.Single(groundwork.GetProperty("unmatched_citations").EnumerateArray()).GetProperty("number").GetInt32());

        // The model saw Groundwork's instructions, the caller's system message and the passages with the question.
        var sent = SentUpstream();
        var messages = sent.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(GroundedPrompt.Instructions, messages[0].GetProperty("content").GetString());
        Assert.Equal("Be brief.", messages[1].GetProperty("content").GetString());
        var user = messages[^1].GetProperty("content").GetString()!;
        Assert.Contains("Orion help desk", user);
        Assert.EndsWith("Question: " + Question, user);
        Assert.Equal(0.2, sent.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(100, sent.TryGetProperty("max_completion_tokens", out var max) ? max.GetInt32() : sent.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public async Task ContentAsTextPartsIsTheirConcatenation()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        var parts = new object[] { new { type = "text", text = "Where do new employees " }, new { type = "text", text = "get their laptop?" } };

        var completion = await CompleteAsync(new
        {
            model = "gpt-4",
            messages = new object[] { new { role = "developer", content = "Be brief." }, new { role = "user", content = parts } },
        });

        Assert.True(completion.GetProperty("groundwork").GetProperty("grounded").GetBoolean());
        Assert.EndsWith("Question: " + Question, SentUpstream().GetProperty("messages").EnumerateArray().Last().GetProperty("content").GetString());
    }

    public static TheoryData<string, string> RejectedBodies => new()
    {
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"n":2}""", "n" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}]}""", "tools" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}""", "response_format" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"presence_penalty":0.5}""", "presence_penalty" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"logprobs":true}""", "logprobs" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"frobnicate":1}""", "frobnicate" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"temperature":2.5}""", "temperature" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]}""", "stop" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}""", "stream_options" },
        { """{"model":"gpt-4","messages":[{"role":"tool","content":"hi"}]}""", "messages[0].role" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x"}}]}]}""", "messages[0].content[0].type" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"groundwork":{"top_k":0}}""", "groundwork.top_k" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"groundwork":{"mode":"fuzzy"}}""", "groundwork.mode" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"groundwork":{"filter":{"colour":{"eq":"red"}}}}""", "groundwork.filter.colour" },
        { """{"model":"gpt-4","messages":[{"role":"user","content":"hi"}],"groundwork":{"retrieval":false,"top_k":3}}""", "groundwork.top_k" },
        { """{"model":"gpt-4"}""", "messages" },
    };

    [Theory]
    [MemberData(nameof(RejectedBodies))]
    public async Task UnsupportedOrInvalidParameterIsAnInvalidRequestErrorNamingIt(string body, string param)
    {
        using var client = _app.CreateClient();
        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = json.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(param.Split('.', '[')[0], error.GetProperty("message").GetString());
        Assert.DoesNotContain(_upstream.Requests, r => r.Path == "/v1/chat/completions");
    }

    [Fact]
    public async Task UnknownModelIsNotFoundModelNotFound()
    {
        using var client = _app.CreateClient();
        var (status, json) = await PostAsync(client, Chat(model: "gpt-17"));

        Assert.Equal(HttpStatusCode.NotFound, status);
        var error = json.GetProperty("error");
        Assert.Equal("not_found_error", error.GetProperty("type").GetString());
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Contains("gpt-17", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task RetrievalOffSendsTheConversationAsItIs()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);

        var completion = await CompleteAsync(Chat(new { groundwork = new { retrieval = false } }));

        var groundwork = completion.GetProperty("groundwork");
        Assert.False(groundwork.GetProperty("grounded").GetBoolean());
        Assert.Equal(0, groundwork.GetProperty("sources").GetArrayLength());
        var messages = SentUpstream().GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("content").GetString()).ToList();
        Assert.Equal(["Be brief.", Question], messages);
    }

    [Fact]
    public async Task TopKBoundsThePassagesGivenToTheModel()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        await _app.AddDocumentAsync("Laptop policy", "Every employee laptop is encrypted and returned to the help desk when they leave.");
        await _app.AddDocumentAsync("Help desk hours", "The help desk for laptops opens at eight and closes at five.");

        var all = await CompleteAsync(Chat());
        var one = await CompleteAsync(Chat(new { groundwork = new { top_k = 1, mode = "keyword" } }));

        Assert.True(all.GetProperty("groundwork").GetProperty("sources").GetArrayLength() > 1);
        Assert.Equal(1, one.GetProperty("groundwork").GetProperty("sources").GetArrayLength());
    }

    [Fact]
    public async Task CompletionIsMeteredAsAModelCallOfTheCaller()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);

        var completion = await CompleteAsync(Chat());
        var (stream, events) = await StreamAsync(Chat(new { stream = true, stream_options = new { include_usage = true } }));
        stream.Dispose();

        var records = await UsageRecordsAsync();
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.Equal("ok", r.Status));
        Assert.All(records, r => Assert.Equal("gpt-4", r.Model));
        Assert.Equal(completion.GetProperty("usage").GetProperty("total_tokens").GetInt64(), records[0].TotalTokens);
        var usageChunk = JsonDocument.Parse(events[^2].Data).RootElement;
        Assert.Equal(usageChunk.GetProperty("usage").GetProperty("total_tokens").GetInt64(), records[1].TotalTokens);
    }

    [Fact]
    public async Task OtherTenantsKeyGetsNoneOfTheFirstTenantsPassages()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        using var stranger = await _app.CreateTenantClientAsync("reader");

        var completion = await CompleteAsync(Chat(), stranger.Http);

        var groundwork = completion.GetProperty("groundwork");
        Assert.False(groundwork.GetProperty("grounded").GetBoolean());
        Assert.Equal(0, groundwork.GetProperty("sources").GetArrayLength());
        Assert.Equal(LocalExtractiveChatClientAnswer, completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.DoesNotContain(_upstream.Requests, r => r.Path == "/v1/chat/completions");
    }

    private const string LocalExtractiveChatClientAnswer = Groundwork.Models.LocalExtractiveChatClient.NothingRelevantAnswer;

    [Fact]
    public async Task StreamIsChunksThenTheFinishWithGroundworkThenUsageThenDone()
    {
        var handbook = await _app.AddDocumentAsync("Employee handbook", HandbookText);

        var json = await CompleteAsync(Chat());
        var (response, events, wire) = await StreamWithWireAsync(Chat(new { stream = true, stream_options = new { include_usage = true } }));
        using (response)
        {
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        }

        // As OpenAI sends it: only data fields, one line each, an empty line after each event.
        Assert.StartsWith("data: {\"id\":\"chatcmpl-", wire);
        Assert.EndsWith("\n\ndata: [DONE]\n\n", wire);
        Assert.All(wire.Split("\n\n")[..^1], e => Assert.Matches("^data: [^\n]+$", e));
        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        var id = chunks[0].GetProperty("id").GetString();
        Assert.StartsWith("chatcmpl-", id);
        Assert.All(chunks, c =>
        {
            Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString());
            Assert.Equal(id, c.GetProperty("id").GetString());
            Assert.Equal("gpt-4", c.GetProperty("model").GetString());
        });
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());

        var usageChunk = chunks[^1];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.True(usageChunk.GetProperty("usage").GetProperty("completion_tokens").GetInt64() > 0);

        var finish = chunks[^2];
        var finishChoice = finish.GetProperty("choices")[0];
        Assert.Equal("stop", finishChoice.GetProperty("finish_reason").GetString());
        var groundwork = finish.GetProperty("groundwork");
        Assert.Equal(handbook, groundwork.GetProperty("sources")[0].GetProperty("document_id").GetInt64());
        Assert.Equal(json.GetProperty("groundwork").GetProperty("citations").ToString(), groundwork.GetProperty("citations").ToString());
        Assert.Equal(json.GetProperty("groundwork").GetProperty("sources").ToString(), groundwork.GetProperty("sources").ToString());
        Assert.All(chunks[..^2], c => Assert.False(c.TryGetProperty("groundwork", out _)));

        var content = string.Concat(chunks[..^2].Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out var text) ? text.GetString() : ""));
        Assert.Equal(Reply, content);
        Assert.True(chunks.Count > 5, "the fake sends a word per chunk: the answer comes in many chunks");
    }

    [Fact]
    public async Task StreamWithoutIncludeUsageHasNoUsageChunk()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);

        var (response, events) = await StreamAsync(Chat(new { stream = true }));
        response.Dispose();

        Assert.Equal("[DONE]", events[^1].Data);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal(1, c.GetProperty("choices").GetArrayLength()));
        Assert.All(chunks, c => Assert.False(c.TryGetProperty("usage", out _)));
    }

    [Fact]
    public async Task StreamCutAfterItStartedEndsWithAnErrorEventAndNoDone()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        _upstream.Options.Fault = FakeFault.CutConnection(afterChunks: 3);

        var (response, events) = await StreamAsync(Chat(new { stream = true }));
        response.Dispose();

        Assert.DoesNotContain(events, e => e.Data == "[DONE]");
        var error = JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("error");
        Assert.Equal("api_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.True(error.TryGetProperty("param", out _));
        Assert.True(error.TryGetProperty("code", out _));
        Assert.Contains(events[..^1], e => JsonDocument.Parse(e.Data).RootElement.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out _));
        Assert.Equal("failed", Assert.Single(await UsageRecordsAsync()).Status);
    }
}
