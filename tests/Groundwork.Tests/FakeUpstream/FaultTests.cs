using System.ClientModel;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Anthropic.Exceptions;
using Groundwork.FakeUpstream;
using Microsoft.Extensions.AI;
using static Groundwork.Tests.FakeUpstream.FakeUpstreamClients;

namespace Groundwork.Tests.FakeUpstream;

public sealed class FaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenAiServerErrorSurfacesAsClientResultExceptionWithStatus500()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Status(500) }, Ct);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => OpenAiChat(server).GetResponseAsync("hi", cancellationToken: Ct));

        Assert.Equal(500, error.Status);
        using var body = JsonDocument.Parse(error.GetRawResponse()!.Content);
        Assert.Equal("server_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task AnthropicServerErrorSurfacesAsAnthropic5xxExceptionWithStatus500()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Status(500) }, Ct);

        var error = await Assert.ThrowsAsync<Anthropic5xxException>(() => AnthropicChat(server).GetResponseAsync("hi", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Contains("api_error", error.ResponseBody);
    }

    [Fact]
    public async Task StreamingRequestsFailWithTheSameStatusErrors()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Status(503) }, Ct);

        var (openAiUpdates, openAiError) = await CollectAsync(OpenAiChat(server).GetStreamingResponseAsync("hi", cancellationToken: Ct));
        var (anthropicUpdates, anthropicError) = await CollectAsync(AnthropicChat(server).GetStreamingResponseAsync("hi", cancellationToken: Ct));

        Assert.Empty(openAiUpdates);
        Assert.Equal(503, Assert.IsType<ClientResultException>(openAiError).Status);
        Assert.Empty(anthropicUpdates);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, Assert.IsType<AnthropicServiceUnavailableException>(anthropicError).StatusCode);
    }

    [Fact]
    public async Task OpenAiRateLimitCarriesRetryAfter()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.RateLimited(retryAfterSeconds: 7) }, Ct);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => OpenAiChat(server).GetResponseAsync("hi", cancellationToken: Ct));

        Assert.Equal(429, error.Status);
        Assert.True(error.GetRawResponse()!.Headers.TryGetValue("Retry-After", out var retryAfter));
        Assert.Equal("7", retryAfter);
        using var body = JsonDocument.Parse(error.GetRawResponse()!.Content);
        Assert.Equal("rate_limit_exceeded", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task AnthropicRateLimitSurfacesAsAnthropicRateLimitException()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.RateLimited(retryAfterSeconds: 7) }, Ct);

        var error = await Assert.ThrowsAsync<AnthropicRateLimitException>(() => AnthropicChat(server).GetResponseAsync("hi", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Contains("rate_limit_error", error.ResponseBody);
    }

    [Fact]
    public async Task OpenAiSdkRetriesPastAFaultOnTheNextRequest()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Status(500).ForNext(1) }, Ct);

        // The OpenAI SDK ignores retry-after-ms and a zero Retry-After, so this waits its ~0.8 s default back-off.
        var response = await OpenAiChat(server, maxRetries: 2).GetResponseAsync("hi", cancellationToken: Ct);

        Assert.Equal("Echo: hi", response.Text);
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(0, server.Options.RemainingFaults);
    }

    [Fact]
    public async Task AnthropicSdkRetriesPastAFaultOnTheNextRequest()
    {
        var fault = FakeFault.Status(529).ForNext(1) with { RetryAfterMs = 10 };
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = fault }, Ct);

        var response = await AnthropicChat(server, maxRetries: 2).GetResponseAsync("hi", cancellationToken: Ct);

        Assert.Equal("Echo: hi", response.Text);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task FaultForTheNextTwoRequestsStrikesTwiceThenStops()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Status(502).ForNext(2) }, Ct);
        var chat = OpenAiChat(server);

        await Assert.ThrowsAsync<ClientResultException>(() => chat.GetResponseAsync("one", cancellationToken: Ct));
        await Assert.ThrowsAsync<ClientResultException>(() => chat.GetResponseAsync("two", cancellationToken: Ct));
        var third = await chat.GetResponseAsync("three", cancellationToken: Ct);

        Assert.Equal("Echo: three", third.Text);
    }

    [Fact]
    public async Task FaultOnOnePathLeavesOtherPathsAlone()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Status(500).OnlyOn("/v1/embeddings") }, Ct);

        var chat = await OpenAiChat(server).GetResponseAsync("hi", cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<ClientResultException>(() => OpenAiEmbeddings(server).GenerateAsync(["hi"], cancellationToken: Ct));

        Assert.Equal("Echo: hi", chat.Text);
        Assert.Equal(500, error.Status);
    }

    [Fact]
    public async Task OpenAiStreamCutMidwayFailsAfterTheChunksBeforeTheCut()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.CutConnection(afterChunks: 3) }, Ct);

        var (updates, error) = await CollectAsync(OpenAiChat(server).GetStreamingResponseAsync("one two three four", cancellationToken: Ct));

        Assert.Equal("Echo: one ", string.Concat(updates.Select(u => u.Text)));
        var cut = Assert.IsType<HttpIOException>(error);
        Assert.Equal(HttpRequestError.ResponseEnded, cut.HttpRequestError);
    }

    [Fact]
    public async Task AnthropicStreamCutMidwayFailsAfterTheEventsBeforeTheCut()
    {
        // message_start, content_block_start, ping, then two text deltas.
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.CutConnection(afterChunks: 5) }, Ct);

        var (updates, error) = await CollectAsync(AnthropicChat(server).GetStreamingResponseAsync("one two three four", cancellationToken: Ct));

        Assert.Equal("Echo: one ", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(HttpRequestError.ResponseEnded, Assert.IsType<HttpIOException>(error).HttpRequestError);
    }

    [Fact]
    public async Task CutJsonResponseSurfacesAsAPrematureEnd()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.CutConnection() }, Ct);

        var openAi = await Assert.ThrowsAsync<HttpIOException>(() => OpenAiChat(server).GetResponseAsync("hi", cancellationToken: Ct));
        var anthropic = await Assert.ThrowsAsync<HttpIOException>(() => AnthropicChat(server).GetResponseAsync("hi", cancellationToken: Ct));

        Assert.Equal(HttpRequestError.ResponseEnded, openAi.HttpRequestError);
        Assert.Equal(HttpRequestError.ResponseEnded, anthropic.HttpRequestError);
    }

    [Fact]
    public async Task OpenAiMalformedStreamEventSurfacesAsJsonException()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Malformed(afterChunks: 2) }, Ct);

        var (updates, error) = await CollectAsync(OpenAiChat(server).GetStreamingResponseAsync("one two", cancellationToken: Ct));

        Assert.Equal("Echo: ", string.Concat(updates.Select(u => u.Text)));
        Assert.IsAssignableFrom<JsonException>(error);
    }

    [Fact]
    public async Task AnthropicMalformedStreamEventSurfacesAsAnthropicInvalidDataException()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Malformed(afterChunks: 4) }, Ct);

        var (updates, error) = await CollectAsync(AnthropicChat(server).GetStreamingResponseAsync("one two", cancellationToken: Ct));

        Assert.Equal("Echo: ", string.Concat(updates.Select(u => u.Text)));
        Assert.IsAssignableFrom<JsonException>(Assert.IsType<AnthropicInvalidDataException>(error).InnerException);
    }

    [Fact]
    public async Task MalformedJsonResponseSurfacesAsJsonException()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Malformed() }, Ct);

        await Assert.ThrowsAnyAsync<JsonException>(() => OpenAiChat(server).GetResponseAsync("hi", cancellationToken: Ct));
        await Assert.ThrowsAnyAsync<JsonException>(() => AnthropicChat(server).GetResponseAsync("hi", cancellationToken: Ct));
    }

    [Fact]
    public async Task ChatLatencyIsHonoured()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { ChatLatencyMs = 300 }, Ct);
        var chat = OpenAiChat(server);

        var started = Stopwatch.GetTimestamp();
        await chat.GetResponseAsync("hi", cancellationToken: Ct);

        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task EmbeddingLatencyIsHonoured()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { EmbeddingLatencyMs = 200 }, Ct);
        var embeddings = OpenAiEmbeddings(server);

        var started = Stopwatch.GetTimestamp();
        await embeddings.GenerateAsync(["hi"], cancellationToken: Ct);

        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task FirstByteAndChunkDelaysSlowTheStream()
    {
        // Seven events: message_start, content_block_start, ping, two deltas, content_block_stop, message_delta, message_stop.
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { FirstByteDelayMs = 100, StreamChunkDelayMs = 30 }, Ct);
        var chat = AnthropicChat(server);

        var started = Stopwatch.GetTimestamp();
        var (updates, error) = await CollectAsync(chat.GetStreamingResponseAsync("hi", cancellationToken: Ct));

        Assert.Null(error);
        Assert.Equal("Echo: hi", updates.ToChatResponse().Text);
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(100 + 7 * 30));
    }

    [Fact]
    public async Task LatencyChangedAtRunTimeAppliesToTheNextRequest()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        var chat = OpenAiChat(server);
        await chat.GetResponseAsync("warm-up", cancellationToken: Ct);

        server.Options.ChatLatencyMs = 250;
        var started = Stopwatch.GetTimestamp();
        await chat.GetResponseAsync("hi", cancellationToken: Ct);

        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(250));
    }

    [Fact]
    public async Task HangingOpenAiCallReturnsPromptlyWhenTheClientCancels()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Hang() }, Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(200);

        var started = Stopwatch.GetTimestamp();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => OpenAiChat(server).GetResponseAsync("hi", cancellationToken: cancel.Token));

        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task HangingAnthropicStreamReturnsPromptlyWhenTheClientCancels()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Hang() }, Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(200);

        var started = Stopwatch.GetTimestamp();
        var (_, error) = await CollectAsync(AnthropicChat(server).GetStreamingResponseAsync("hi", cancellationToken: cancel.Token));

        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task HangingUpstreamTripsEachSdksTimeout()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Hang() }, Ct);
        var timeout = TimeSpan.FromMilliseconds(200);

        var openAi = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => OpenAiChat(server, networkTimeout: timeout).GetResponseAsync("hi", cancellationToken: Ct));
        var anthropic = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => AnthropicChat(server, timeout: timeout).GetResponseAsync("hi", cancellationToken: Ct));

        Assert.IsType<TaskCanceledException>(openAi);
        Assert.IsType<TimeoutException>(Assert.IsType<TaskCanceledException>(anthropic).InnerException);
    }
}
