using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Anthropic.Models.Models;
using Groundwork.FakeUpstream;
using Microsoft.Extensions.AI;
using static Groundwork.Tests.FakeUpstream.FakeUpstreamClients;

namespace Groundwork.Tests.FakeUpstream;

public sealed class AnthropicWireTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MessageResponseEchoesTheLastUserMessageWithWordCountUsage()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        var response = await AnthropicChat(server).GetResponseAsync(
            [new(ChatRole.System, "Answer from the context."), new(ChatRole.User, "What colour is the sky?")],
            cancellationToken: Ct);

        Assert.Equal("Echo: What colour is the sky?", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(4 + 5, response.Usage?.InputTokenCount);
        Assert.Equal(6, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task SystemPromptAndAnthropicHeadersReachTheUpstream()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        await AnthropicChat(server).GetResponseAsync(
            [new(ChatRole.System, "Context: [doc-7] The sky is green on Tuesdays."), new(ChatRole.User, "What colour is the sky?")],
            cancellationToken: Ct);

        var request = Assert.Single(server.Requests);
        Assert.Equal("/v1/messages", request.Path);
        Assert.True(request.Headers.ContainsKey("anthropic-version"));

        // This SDK version sends the key as a bearer token; the fake accepts that or x-api-key.
        Assert.Contains("test", request.Headers.GetValueOrDefault("x-api-key") ?? request.Headers["Authorization"]);
        var body = request.Body!.Value;
        Assert.Equal(AnthropicModel, body.GetProperty("model").GetString());
        Assert.Contains("[doc-7] The sky is green", body.GetProperty("system").GetRawText());
    }

    [Fact]
    public async Task StreamingMessageDeliversTheReplyWithStopReasonAndUsage()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        var (updates, error) = await CollectAsync(AnthropicChat(server).GetStreamingResponseAsync("one two three four", cancellationToken: Ct));

        Assert.Null(error);
        Assert.True(updates.Count(u => u.Text.Length > 0) >= 5, "each word should arrive in its own delta");
        var response = updates.ToChatResponse();
        Assert.Equal("Echo: one two three four", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(4, response.Usage?.InputTokenCount);
        Assert.Equal(5, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task MaxOutputTokensCutsTheReplyWithLengthFinishReason()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        var response = await AnthropicChat(server).GetResponseAsync("one two three", new ChatOptions { MaxOutputTokens = 2 }, Ct);

        Assert.Equal("Echo: one", response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task StreamFollowsAnthropicsEventSequence()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var http = AnthropicHttp(server);

        using var response = await http.PostAsJsonAsync(
            "v1/messages",
            new { model = AnthropicModel, max_tokens = 100, stream = true, messages = new[] { new { role = "user", content = "hi there" } } },
            Ct);
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split('\n');

        Assert.Equal("text/event-stream; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var events = lines.Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l["event: ".Length..]).ToArray();
        Assert.Equal(
            ["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta",
             "content_block_stop", "message_delta", "message_stop"],
            events);
        var data = lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement).ToArray();
        Assert.Equal(events, data.Select(d => d.GetProperty("type").GetString()));
        Assert.Equal("end_turn", data[^2].GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(3, data[^2].GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task MissingAnthropicVersionIsRejectedInAnthropicErrorShape()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var http = Http(server);
        http.DefaultRequestHeaders.Add("x-api-key", "test");

        using var response = await http.PostAsJsonAsync("v1/messages", new { model = AnthropicModel, max_tokens = 10, messages = Array.Empty<object>() }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("error", body.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("anthropic-version", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task ModelsAreListedInAnthropicShape()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        var page = await AnthropicSdk(server).Models.List(new ModelListParams(), Ct);

        Assert.Contains(page.Items, m => m.ID == "claude-sonnet-4-5");
    }

    private static HttpClient AnthropicHttp(FakeUpstreamServer server)
    {
        var http = Http(server);
        http.DefaultRequestHeaders.Add("x-api-key", "test");
        http.DefaultRequestHeaders.Add("anthropic-version", "2023-06-01");
        return http;
    }
}
