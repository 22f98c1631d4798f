using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using Groundwork.FakeUpstream;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OllamaSharp.Models;
using OllamaSharp.Models.Chat;
using OllamaSharp.Models.Exceptions;
using static Groundwork.Tests.FakeUpstream.FakeUpstreamClients;

namespace Groundwork.Tests.FakeUpstream;

/// <summary>The fake's Ollama API through OllamaSharp, natively and as Microsoft.Extensions.AI clients, and its faults.</summary>
public sealed class OllamaWireTests
{
    private const string Model = "llama3.2";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StreamingChatDeliversTheReplyInSeveralUpdatesWithUsageAtTheEnd()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var ollama = Ollama(server);

        var (updates, error) = await CollectAsync(((IChatClient)ollama).GetStreamingResponseAsync(
            [new(Microsoft.Extensions.AI.ChatRole.System, "Be brief."), new(Microsoft.Extensions.AI.ChatRole.User, "one two three four")],
            cancellationToken: Ct));

        Assert.Null(error);
        Assert.True(updates.Count(u => u.Text.Length > 0) >= 5, "each word should arrive in its own update");
        var usage = Assert.Single(updates.SelectMany(u => u.Contents).OfType<UsageContent>());
        Assert.Same(updates[^1], updates.Single(u => u.Contents.Contains(usage)));
        var response = updates.ToChatResponse();
        Assert.Equal("Echo: one two three four", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(2 + 4, usage.Details.InputTokenCount);
        Assert.Equal(5, usage.Details.OutputTokenCount);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/api/chat", request.Path);
        Assert.True(request.Body!.Value.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task ChatResponseWithoutStreamingIsTheWholeMessageWithUsage()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var ollama = Ollama(server);

        var response = await ((IChatClient)ollama).GetResponseAsync("What colour is the sky?", cancellationToken: Ct);

        Assert.Equal("Echo: What colour is the sky?", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(5, response.Usage?.InputTokenCount);
        Assert.Equal(6, response.Usage?.OutputTokenCount);
        Assert.False(Assert.Single(server.Requests).Body!.Value.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task NativeChatStreamsLinesAndEndsWithTheDoneResponse()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Reply = "The answer is 42." }, Ct);
        using var ollama = Ollama(server);

        var lines = new List<ChatResponseStream?>();
        await foreach (var line in ollama.ChatAsync(new ChatRequest { Model = Model, Messages = [new Message(OllamaSharp.Models.Chat.ChatRole.User, "Anything?")] }, Ct))
        {
            lines.Add(line);
        }

        Assert.Equal(5, lines.Count);
        Assert.All(lines[..^1], line => Assert.False(line!.Done));
        Assert.Equal("The answer is 42.", string.Concat(lines.Select(l => l!.Message.Content)));
        var done = Assert.IsType<ChatDoneResponseStream>(lines[^1]);
        Assert.True(done.Done);
        Assert.Equal("stop", done.DoneReason);
        Assert.Equal("", done.Message.Content);
        Assert.Equal(Model, done.Model);
        Assert.Equal(1, done.PromptEvalCount);
        Assert.Equal(4, done.EvalCount);
        Assert.True(done.TotalDuration > 0 && done.TotalDuration >= done.PromptEvalDuration + done.EvalDuration);
        Assert.NotNull(done.CreatedAt);
    }

    [Fact]
    public async Task ChatStreamsNdjsonWhenTheRequestDoesNotSayStream()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var http = Http(server);

        using var response = await http.PostAsJsonAsync("api/chat", new { model = Model, messages = new[] { new { role = "user", content = "hi there" } } }, Ct);

        response.EnsureSuccessStatusCode();
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["Echo: ", "hi ", "there", ""], lines.Select(l => l.GetProperty("message").GetProperty("content").GetString()));
        Assert.All(lines, l => Assert.Equal("assistant", l.GetProperty("message").GetProperty("role").GetString()));
        Assert.Equal([false, false, false, true], lines.Select(l => l.GetProperty("done").GetBoolean()));
        string[] doneFields = ["model", "created_at", "message", "done", "done_reason", "total_duration", "load_duration",
            "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"];
        Assert.Equal(doneFields, lines[^1].EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, lines[^1].GetProperty("eval_count").GetInt32());
    }

    [Fact]
    public async Task StreamFalseAnswersOneJsonObject()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var http = Http(server);

        using var response = await http.PostAsJsonAsync("api/chat", new { model = Model, stream = false, messages = new[] { new { role = "user", content = "hi there" } } }, Ct);

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Echo: hi there", body.GetProperty("message").GetProperty("content").GetString());
        Assert.True(body.GetProperty("done").GetBoolean());
        Assert.Equal("stop", body.GetProperty("done_reason").GetString());
    }

    [Fact]
    public async Task NumPredictCutsTheReplyWithLengthDoneReasonAndTemperatureIsAccepted()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var ollama = Ollama(server);

        var response = await ((IChatClient)ollama).GetResponseAsync("one two three", new ChatOptions { MaxOutputTokens = 2, Temperature = 0.2f }, Ct);

        Assert.Equal("Echo: one", response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(2, response.Usage?.OutputTokenCount);
        var options = Assert.Single(server.Requests).Body!.Value.GetProperty("options");
        Assert.Equal(2, options.GetProperty("num_predict").GetInt32());
        Assert.Equal(0.2, options.GetProperty("temperature").GetDouble(), 1e-6);
    }

    [Fact]
    public async Task NoApiKeyIsNeededAndExtraHeadersAreRecorded()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var ollama = Ollama(server);
        ollama.DefaultRequestHeaders["X-Groundwork-Tenant"] = "tenant-7";

        var response = await ((IChatClient)ollama).GetResponseAsync("hi", cancellationToken: Ct);

        Assert.Equal("Echo: hi", response.Text);
        var request = Assert.Single(server.Requests);
        Assert.Equal("tenant-7", request.Headers["X-Groundwork-Tenant"]);
        Assert.False(request.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task EmbeddingsAreTheSameVectorsAsOpenAisWithWordCountUsage()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var ollama = Ollama(server);

        var embeddings = await ((IEmbeddingGenerator<string, Embedding<float>>)ollama).GenerateAsync(["alpha beta", "gamma"], cancellationToken: Ct);
        var openAi = await OpenAiEmbeddings(server).GenerateAsync(["alpha beta", "gamma"], cancellationToken: Ct);

        Assert.Equal(2, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(384, e.Vector.Length));
        Assert.All(embeddings, e => Assert.Equal(1f, TensorPrimitives.Norm(e.Vector.Span), 1e-5f));
        Assert.True(embeddings[0].Vector.Span.SequenceEqual(openAi[0].Vector.Span));
        Assert.True(embeddings[1].Vector.Span.SequenceEqual(openAi[1].Vector.Span));
        Assert.Equal(3, embeddings.Usage?.InputTokenCount);
        Assert.Equal("/api/embed", server.Requests[0].Path);
    }

    [Fact]
    public async Task NativeEmbedHonoursRequestedDimensions()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { EmbeddingDimensions = 16 }, Ct);
        using var ollama = Ollama(server);

        var configured = await ollama.EmbedAsync(new EmbedRequest { Model = "all-minilm", Input = ["text"] }, Ct);
        var requested = await ollama.EmbedAsync(new EmbedRequest { Model = "all-minilm", Input = ["text", "more text"], Dimensions = 64 }, Ct);

        Assert.Equal(16, Assert.Single(configured.Embeddings).Length);
        Assert.Equal([64, 64], requested.Embeddings.Select(e => e.Length));
        Assert.Equal(3, requested.PromptEvalCount);
        Assert.True(requested.TotalDuration > 0);
    }

    [Fact]
    public async Task EmbedAcceptsASingleStringInput()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var http = Http(server);

        using var response = await http.PostAsJsonAsync("api/embed", new { model = "all-minilm", input = "just one" }, Ct);

        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("all-minilm", body.GetProperty("model").GetString());
        Assert.Equal(384, Assert.Single(body.GetProperty("embeddings").EnumerateArray()).GetArrayLength());
        Assert.Equal(2, body.GetProperty("prompt_eval_count").GetInt32());
    }

    [Fact]
    public async Task ModelsAndVersionAreListedInOllamaShape()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var ollama = Ollama(server);

        var models = (await ollama.ListLocalModelsAsync(Ct)).ToList();
        var version = await ollama.GetVersionAsync(Ct);

        Assert.Contains(models, m => m.Name == "llama3.2:latest" && m.Details.Format == "gguf");
        Assert.Matches(@"^\d+\.\d+\.\d+$", version);
    }

    [Fact]
    public async Task HeldChatWaitsForReleaseWhileEmbeddingsPass()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var ollama = Ollama(server);
        server.HoldChat();

        var chat = ((IChatClient)ollama).GetResponseAsync("held", cancellationToken: Ct);
        await server.WaitForHeldChatAsync(1, Ct);
        var embeddings = await ((IEmbeddingGenerator<string, Embedding<float>>)ollama).GenerateAsync(["passes"], cancellationToken: Ct);

        Assert.False(chat.IsCompleted);
        Assert.Single(embeddings);
        server.ReleaseChat();
        Assert.Equal("Echo: held", (await chat).Text);
    }

    [Fact]
    public async Task ServerErrorSurfacesAsHttpRequestExceptionWithStatus500()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Status(500) }, Ct);
        using var ollama = Ollama(server);

        var json = await Assert.ThrowsAsync<HttpRequestException>(() => ((IChatClient)ollama).GetResponseAsync("hi", cancellationToken: Ct));
        var (updates, streamed) = await CollectAsync(((IChatClient)ollama).GetStreamingResponseAsync("hi", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.InternalServerError, json.StatusCode);
        Assert.Empty(updates);
        Assert.Equal(HttpStatusCode.InternalServerError, Assert.IsType<HttpRequestException>(streamed).StatusCode);
    }

    [Fact]
    public async Task RateLimitSurfacesAsHttpRequestExceptionWithStatus429()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.RateLimited(retryAfterSeconds: 7) }, Ct);
        using var ollama = Ollama(server);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => ((IEmbeddingGenerator<string, Embedding<float>>)ollama).GenerateAsync(["hi"], cancellationToken: Ct));

        // OllamaSharp keeps the status only: the response, its headers and its body are gone.
        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public async Task BadRequestSurfacesAsOllamaExceptionWithTheErrorText()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Status(400) }, Ct);
        using var ollama = Ollama(server);

        var error = await Assert.ThrowsAsync<OllamaException>(() => ((IChatClient)ollama).GetResponseAsync("hi", cancellationToken: Ct));

        Assert.Equal("Fake upstream fault: status 400.", error.Message);
    }

    [Fact]
    public async Task StatusFaultAnswersOllamasErrorBodyWithRetryAfter()
    {
        var fault = FakeFault.RateLimited(retryAfterSeconds: 7) with { RetryAfterMs = 6500 };
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = fault }, Ct);
        using var http = Http(server);

        using var response = await http.PostAsJsonAsync("api/chat", new { model = Model, messages = Array.Empty<object>() }, Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("7", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal("6500", response.Headers.GetValues("retry-after-ms").Single());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(JsonValueKind.String, body.GetProperty("error").ValueKind);
        Assert.Single(body.EnumerateObject());
    }

    [Fact]
    public async Task FaultOnTheEmbedPathLeavesChatAlone()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Status(503).OnlyOn("/api/embed") }, Ct);
        using var ollama = Ollama(server);

        var chat = await ((IChatClient)ollama).GetResponseAsync("hi", cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => ((IEmbeddingGenerator<string, Embedding<float>>)ollama).GenerateAsync(["hi"], cancellationToken: Ct));

        Assert.Equal("Echo: hi", chat.Text);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
    }

    [Fact]
    public async Task StreamCutBeforeTheFirstLineFailsWithAPrematureEnd()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.CutConnection(afterChunks: 0) }, Ct);
        using var ollama = Ollama(server);

        var (updates, error) = await CollectAsync(((IChatClient)ollama).GetStreamingResponseAsync("one two", cancellationToken: Ct));

        Assert.Empty(updates);
        Assert.Equal(HttpRequestError.ResponseEnded, Assert.IsType<HttpIOException>(error).HttpRequestError);
    }

    [Fact]
    public async Task StreamCutAfterTheFirstLineFailsAfterThatLine()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.CutConnection(afterChunks: 1) }, Ct);
        using var ollama = Ollama(server);

        var (updates, error) = await CollectAsync(((IChatClient)ollama).GetStreamingResponseAsync("one two", cancellationToken: Ct));

        Assert.Equal("Echo: ", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(HttpRequestError.ResponseEnded, Assert.IsType<HttpIOException>(error).HttpRequestError);
    }

    [Fact]
    public async Task CutJsonResponseFailsWhileTheBodyIsRead()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.CutConnection() }, Ct);
        using var ollama = Ollama(server);

        var chat = await Assert.ThrowsAsync<HttpRequestException>(() => ((IChatClient)ollama).GetResponseAsync("hi", cancellationToken: Ct));
        var embed = await Assert.ThrowsAsync<HttpRequestException>(() => ((IEmbeddingGenerator<string, Embedding<float>>)ollama).GenerateAsync(["hi"], cancellationToken: Ct));

        Assert.Null(chat.StatusCode);
        Assert.Equal(HttpRequestError.ResponseEnded, Assert.IsType<HttpIOException>(chat.InnerException).HttpRequestError);
        Assert.Equal(HttpRequestError.ResponseEnded, Assert.IsType<HttpIOException>(embed.InnerException).HttpRequestError);
    }

    [Fact]
    public async Task MalformedStreamLineSurfacesAsJsonException()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Malformed(afterChunks: 1) }, Ct);
        using var ollama = Ollama(server);

        var (updates, error) = await CollectAsync(((IChatClient)ollama).GetStreamingResponseAsync("one two", cancellationToken: Ct));

        Assert.Equal("Echo: ", string.Concat(updates.Select(u => u.Text)));
        Assert.IsType<JsonException>(error);
    }

    [Fact]
    public async Task MalformedJsonResponseSurfacesAsJsonException()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Malformed() }, Ct);
        using var ollama = Ollama(server);

        await Assert.ThrowsAnyAsync<JsonException>(() => ((IChatClient)ollama).GetResponseAsync("hi", cancellationToken: Ct));
        await Assert.ThrowsAnyAsync<JsonException>(() => ((IEmbeddingGenerator<string, Embedding<float>>)ollama).GenerateAsync(["hi"], cancellationToken: Ct));
    }

    [Fact]
    public async Task HangingStreamEndsPromptlyWhenTheClientCancels()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Hang() }, Ct);
        using var ollama = Ollama(server);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(200);

        var started = Stopwatch.GetTimestamp();
        var (updates, error) = await CollectAsync(((IChatClient)ollama).GetStreamingResponseAsync("hi", cancellationToken: cancel.Token));

        Assert.Empty(updates);
        Assert.IsType<TaskCanceledException>(error);
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task CancellingMidStreamEndsOllamaSharpsStreamWithoutAnError()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var ollama = Ollama(server);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        // OllamaSharp checks the token between lines and ends the enumeration quietly: no OperationCanceledException,
        // and no final update with a finish reason, which is the only sign that the answer is incomplete.
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in ((IChatClient)ollama).GetStreamingResponseAsync("one two three", cancellationToken: cancel.Token))
        {
            updates.Add(update);
            await cancel.CancelAsync();
        }

        var only = Assert.Single(updates);
        Assert.Equal("Echo: ", only.Text);
        Assert.Null(only.FinishReason);
    }

    [Fact]
    public async Task StreamLatencyAndChunkDelaysAreHonoured()
    {
        // Four lines: "Echo: ", "one ", "two", then done.
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { ChatLatencyMs = 150, StreamChunkDelayMs = 20 }, Ct);
        using var ollama = Ollama(server);

        var started = Stopwatch.GetTimestamp();
        var (_, error) = await CollectAsync(((IChatClient)ollama).GetStreamingResponseAsync("one two", cancellationToken: Ct));

        Assert.Null(error);
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(150 + 4 * 20));
    }

    private static OllamaApiClient Ollama(FakeUpstreamServer server) =>
        new(new HttpClient { BaseAddress = server.OllamaEndpoint, Timeout = TimeSpan.FromSeconds(30) }, Model);
}
