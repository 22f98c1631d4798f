using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Groundwork.FakeUpstream;

namespace Groundwork.Tests.OpenAi;

/// <summary>POST /v1/responses over HTTP with the fake OpenAI upstream behind gpt-4: the response object, the event sequence, rejections.</summary>
public sealed class OpenAiResponsesTests : IAsyncLifetime
{
    private const string HandbookText = "New employees receive their laptop from the Orion help desk on the first morning.";
    private const string Reply = "Laptops come from the Orion help desk [1].";

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

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string body)
    {
        using var client = _app.CreateClient();
        using var response = await client.PostAsync("/v1/responses", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task ResponseHasOneCompletedAssistantMessageWithTheGroundedText()
    {
        var handbook = await _app.AddDocumentAsync("Employee handbook", HandbookText);

        var (status, body) = await PostAsync("""{"model":"gpt-4","instructions":"Be brief.","input":"Where do new employees get their laptop?","max_output_tokens":100}""");

        Assert.True(status == HttpStatusCode.OK, body);
        var response = JsonDocument.Parse(body).RootElement;
        Assert.StartsWith("resp_", response.GetProperty("id").GetString());
        Assert.Equal("response", response.GetProperty("object").GetString());
        Assert.Equal("completed", response.GetProperty("status").GetString());
        Assert.Equal("gpt-4", response.GetProperty("model").GetString());
        var message = Assert.Single(response.GetProperty("output").EnumerateArray());
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.StartsWith("msg_", message.GetProperty("id").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        var part = Assert.Single(message.GetProperty("content").EnumerateArray());
        Assert.Equal("output_text", part.GetProperty("type").GetString());
        Assert.Equal(Reply, part.GetProperty("text").GetString());
        var usage = response.GetProperty("usage");
        Assert.Equal(usage.GetProperty("input_tokens").GetInt64() + usage.GetProperty("output_tokens").GetInt64(), usage.GetProperty("total_tokens").GetInt64());
        Assert.Equal(handbook, response.GetProperty("groundwork").GetProperty("sources")[0].GetProperty("document_id").GetInt64());
        var sent = _upstream.Requests.Single(r => r.Path == "/v1/chat/completions").Body!.Value.GetProperty("messages");
        Assert.Contains(sent.EnumerateArray(), m => m.GetProperty("content").GetString() == "Be brief.");
    }

    [Fact]
    public async Task StreamSendsTheDocumentedEventSequence()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        using var client = _app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = new StringContent(
                """{"model":"gpt-4","stream":true,"input":[{"role":"user","content":[{"type":"input_text","text":"Where do new employees get their laptop?"}]}]}""",
                Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(Ct)).EnumerateAsync(Ct))
        {
            events.Add(item);
        }

        var names = events.Select(e => e.EventType).ToList();
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"], names[..4]);
        Assert.Equal(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"], names[^4..]);
        Assert.All(names[4..^4], name => Assert.Equal("response.output_text.delta", name));
        var data = events.Select(e => JsonDocument.Parse(e.Data).RootElement).ToList();
        Assert.Equal(Enumerable.Range(0, events.Count), data.Select(d => d.GetProperty("sequence_number").GetInt32()));
        Assert.All(events.Zip(data), pair => Assert.Equal(pair.First.EventType, pair.Second.GetProperty("type").GetString()));
        Assert.Equal(Reply, string.Concat(data[4..^4].Select(d => d.GetProperty("delta").GetString())));
        var completed = data[^1].GetProperty("response");
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        Assert.Equal(Reply, completed.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.True(completed.GetProperty("usage").GetProperty("output_tokens").GetInt64() > 0);
        Assert.True(completed.GetProperty("groundwork").GetProperty("grounded").GetBoolean());
    }

    [Fact]
    public async Task StreamCutAfterItStartedEndsWithResponseFailedAndAnErrorEvent()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        _upstream.Options.Fault = FakeFault.CutConnection(afterChunks: 3);
        using var client = _app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = new StringContent("""{"model":"gpt-4","stream":true,"input":"Where do new employees get their laptop?"}""", Encoding.UTF8, "application/json"),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(Ct)).EnumerateAsync(Ct))
        {
            events.Add(item);
        }

        Assert.Equal(["response.failed", "error"], events.Select(e => e.EventType).ToList()[^2..]);
        Assert.Equal("failed", JsonDocument.Parse(events[^2].Data).RootElement.GetProperty("response").GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(events[^1].Data).RootElement.GetProperty("message").GetString()));
    }

    [Theory]
    [InlineData("""{"model":"gpt-4","input":"hi","store":true}""", "store")]
    [InlineData("""{"model":"gpt-4","input":"hi","previous_response_id":"resp_1"}""", "previous_response_id")]
    [InlineData("""{"model":"gpt-4","input":"hi","tools":[{"type":"web_search"}]}""", "tools")]
    [InlineData("""{"model":"gpt-4","input":"hi","background":true}""", "background")]
    [InlineData("""{"model":"gpt-4","input":[{"role":"user","content":[{"type":"input_image","image_url":"https://x"}]}]}""", "input[0].content[0].type")]
    [InlineData("""{"model":"gpt-4","input":[{"type":"function_call_output","call_id":"c","output":"x"}]}""", "input[0].type")]
    public async Task UnsupportedFeatureIsAnInvalidRequestErrorNamingIt(string body, string param)
    {
        var (status, text) = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }
}
