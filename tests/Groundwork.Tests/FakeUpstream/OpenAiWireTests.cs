using System.Net.Http.Json;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using Groundwork.FakeUpstream;
using Microsoft.Extensions.AI;
using static Groundwork.Tests.FakeUpstream.FakeUpstreamClients;

namespace Groundwork.Tests.FakeUpstream;

public sealed class OpenAiWireTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ChatResponseEchoesTheLastUserMessageWithWordCountUsage()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        var response = await OpenAiChat(server).GetResponseAsync(
            [new(ChatRole.System, "Answer from the context."), new(ChatRole.User, "What colour is the sky?")],
            cancellationToken: Ct);

        Assert.Equal("Echo: What colour is the sky?", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(4 + 5, response.Usage?.InputTokenCount);
        Assert.Equal(6, response.Usage?.OutputTokenCount);
        Assert.Equal(15, response.Usage?.TotalTokenCount);
    }

    [Fact]
    public async Task PromptWithRetrievedContextIsRecordedAsTheUpstreamReceivedIt()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        await OpenAiChat(server).GetResponseAsync(
            [new(ChatRole.System, "Context: [doc-7] The sky is green on Tuesdays."), new(ChatRole.User, "What colour is the sky?")],
            cancellationToken: Ct);

        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer test", request.Headers["Authorization"]);
        var body = request.Body!.Value;
        Assert.Equal(OpenAiModel, body.GetProperty("model").GetString());
        Assert.Contains("[doc-7] The sky is green", body.GetProperty("messages")[0].GetRawText());
    }

    [Fact]
    public async Task StreamingChatDeliversTheReplyWordByWordWithUsage()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        var (updates, error) = await CollectAsync(OpenAiChat(server).GetStreamingResponseAsync("one two three four", cancellationToken: Ct));

        Assert.Null(error);
        Assert.True(updates.Count(u => u.Text.Length > 0) >= 5, "each word should arrive in its own chunk");
        var response = updates.ToChatResponse();
        Assert.Equal("Echo: one two three four", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(4, response.Usage?.InputTokenCount);
        Assert.Equal(5, response.Usage?.OutputTokenCount);
        Assert.True(server.Requests[0].Body!.Value.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task MaxOutputTokensCutsTheReplyWithLengthFinishReason()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        var response = await OpenAiChat(server).GetResponseAsync("one two three", new ChatOptions { MaxOutputTokens = 2 }, Ct);

        Assert.Equal("Echo: one", response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(2, response.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task ConfiguredReplyReplacesTheEcho()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Reply = "The answer is 42." }, Ct);

        var response = await OpenAiChat(server).GetResponseAsync("Anything?", cancellationToken: Ct);

        Assert.Equal("The answer is 42.", response.Text);
    }

    [Fact]
    public async Task EchoIsCutToTheConfiguredLength()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { ReplyPrefix = "> ", EchoMaxChars = 5 }, Ct);

        var response = await OpenAiChat(server).GetResponseAsync("abcdefghij", cancellationToken: Ct);

        Assert.Equal("> abcde", response.Text);
    }

    [Fact]
    public async Task EmbeddingsAreDeterministicUnitVectorsOfTheConfiguredDimension()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        var embeddings = await OpenAiEmbeddings(server).GenerateAsync(["alpha beta", "gamma", "alpha beta"], cancellationToken: Ct);

        Assert.Equal(3, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(384, e.Vector.Length));
        Assert.All(embeddings, e => Assert.Equal(1f, TensorPrimitives.Norm(e.Vector.Span), 1e-5f));
        Assert.True(embeddings[0].Vector.Span.SequenceEqual(embeddings[2].Vector.Span));
        Assert.False(embeddings[0].Vector.Span.SequenceEqual(embeddings[1].Vector.Span));
        Assert.Equal(2 + 1 + 2, embeddings.Usage?.InputTokenCount);

        // The official SDK asks for base64, so that is the encoding this test covered.
        Assert.Equal("base64", server.Requests[0].Body!.Value.GetProperty("encoding_format").GetString());
    }

    [Fact]
    public async Task RequestedDimensionsOverrideTheConfiguredDimension()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { EmbeddingDimensions = 16 }, Ct);
        var generator = OpenAiEmbeddings(server);

        var configured = await generator.GenerateAsync(["text"], cancellationToken: Ct);
        var requested = await generator.GenerateAsync(["text"], new EmbeddingGenerationOptions { Dimensions = 64 }, Ct);

        Assert.Equal(16, configured[0].Vector.Length);
        Assert.Equal(64, requested[0].Vector.Length);
    }

    [Fact]
    public async Task FloatAndBase64EncodingsCarryTheSameVector()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var http = Http(server);
        http.DefaultRequestHeaders.Authorization = new("Bearer", "test");

        var floats = await PostEmbeddingAsync(http, "float");
        var base64 = await PostEmbeddingAsync(http, "base64");

        var fromFloats = floats.EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var fromBase64 = MemoryMarshal.Cast<byte, float>(base64.GetBytesFromBase64()).ToArray();
        Assert.Equal(384, fromFloats.Length);
        Assert.Equal(fromFloats, fromBase64);
    }

    [Fact]
    public async Task TextsSharingWordsAreCloserThanUnrelatedTexts()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        var embeddings = await OpenAiEmbeddings(server).GenerateAsync(
            ["refund policy for damaged goods", "what is the refund policy", "the weather in Oslo tomorrow"], cancellationToken: Ct);

        var related = TensorPrimitives.CosineSimilarity(embeddings[0].Vector.Span, embeddings[1].Vector.Span);
        var unrelated = TensorPrimitives.CosineSimilarity(embeddings[0].Vector.Span, embeddings[2].Vector.Span);
        Assert.True(related > unrelated + 0.2f, $"related {related}, unrelated {unrelated}");
    }

    [Fact]
    public async Task ModelsAreListedInOpenAiShape()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);

        var models = await OpenAiSdk(server).GetOpenAIModelClient().GetModelsAsync(Ct);

        Assert.Contains(models.Value, m => m.Id == OpenAiModel);
    }

    [Fact]
    public async Task MissingApiKeyIsRejectedInOpenAiErrorShape()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var http = Http(server);

        using var response = await http.PostAsJsonAsync("v1/chat/completions", new { model = "gpt-4o", messages = Array.Empty<object>() }, Ct);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    private static async Task<JsonElement> PostEmbeddingAsync(HttpClient http, string encoding)
    {
        using var response = await http.PostAsJsonAsync("v1/embeddings", new { model = "text-embedding-3-small", input = "same text", encoding_format = encoding }, Ct);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return body.GetProperty("data")[0].GetProperty("embedding").Clone();
    }
}
