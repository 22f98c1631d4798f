using System.Net;
using System.Text;
using System.Text.Json;
using Groundwork.FakeUpstream;

namespace Groundwork.Tests.OpenAi;

/// <summary>
/// A streamed chat completion byte for byte against OpenAI's reference format: <c>data: {json}\n\n</c> events with no
/// <c>event:</c> lines, <c>chat.completion.chunk</c> objects sharing one id and created, the usage chunk with
/// <c>choices: []</c> right before <c>data: [DONE]\n\n</c>, which ends the body.
/// </summary>
public sealed class OpenAiStreamWireTests : IAsyncLifetime
{
    private const string Reply = "The help desk is on the third floor.";

    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Reply = Reply }, TestContext.Current.CancellationToken);
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        settings["Generation:WhenNothingRelevant"] = "ask_model";
        _app = new GroundworkApp(settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task StreamedCompletionIsDataEventsOfChunksEndingWithUsageThenDone()
    {
        using var client = _app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(
                """{"model":"gpt-4","messages":[{"role":"user","content":"Where is the help desk?"}],"stream":true,"stream_options":{"include_usage":true}}""",
                Encoding.UTF8, "application/json"),
        };

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        var body = Encoding.UTF8.GetString(bytes);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("\n\ndata: [DONE]\n\n", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", body, StringComparison.Ordinal);

        var events = body[..^"\n\n".Length].Split("\n\n");
        Assert.Equal("data: [DONE]", events[^1]);
        foreach (var e in events)
        {
            Assert.StartsWith("data: ", e, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', e);
        }

        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.True(chunks.Count >= 3, body);
        var id = chunks[0].GetProperty("id").GetString();
        var created = chunks[0].GetProperty("created").GetInt64();
        Assert.False(string.IsNullOrEmpty(id));
        foreach (var chunk in chunks)
        {
            Assert.Equal("chat.completion.chunk", chunk.GetProperty("object").GetString());
            Assert.Equal(id, chunk.GetProperty("id").GetString());
            Assert.Equal(created, chunk.GetProperty("created").GetInt64());
            Assert.Equal("gpt-4", chunk.GetProperty("model").GetString());
        }

        var usageChunk = chunks[^1];
        Assert.Equal(JsonValueKind.Array, usageChunk.GetProperty("choices").ValueKind);
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        var usage = usageChunk.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt64() > 0);
        Assert.True(usage.GetProperty("completion_tokens").GetInt64() > 0);
        Assert.Equal(
            usage.GetProperty("prompt_tokens").GetInt64() + usage.GetProperty("completion_tokens").GetInt64(),
            usage.GetProperty("total_tokens").GetInt64());

        var answer = chunks[..^1];
        Assert.Equal("assistant", answer[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var text = new StringBuilder();
        foreach (var chunk in answer)
        {
            var choice = Assert.Single(chunk.GetProperty("choices").EnumerateArray());
            Assert.Equal(0, choice.GetProperty("index").GetInt32());
            // Only the usage chunk carries usage (null or absent before it).
            Assert.True(!chunk.TryGetProperty("usage", out var u) || u.ValueKind == JsonValueKind.Null, chunk.ToString());
            if (choice.GetProperty("delta").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            {
                text.Append(content.GetString());
            }
        }

        Assert.Equal(Reply, text.ToString());
        Assert.Equal("stop", answer[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.All(answer[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind));
    }
}
