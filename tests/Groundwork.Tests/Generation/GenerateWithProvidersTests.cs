using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.FakeUpstream;

namespace Groundwork.Tests.Generation;

/// <summary>/generate against the fake upstream through the real OpenAI and Anthropic SDKs.</summary>
public sealed class GenerateWithProvidersTests : IAsyncLifetime
{
    private const string HandbookText =
        "New employees receive their laptop from the Orion help desk on the first morning. " +
        "The help desk is on the third floor next to the library.";

    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        settings["Providers:TimeoutSeconds"] = "2";
        // Most of these questions have no document to answer from; the model is still to be called, faults and all.
        settings["Generation:WhenNothingRelevant"] = "ask_model";
        _app = new GroundworkApp(settings);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private async Task<HttpResponseMessage> PostGenerateAsync(object request, CancellationToken cancellationToken)
    {
        using var client = _app.CreateClient();
        return await client.PostAsJsonAsync("/generate", request, GroundworkApp.Json, cancellationToken);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Gpt4AnswersThroughTheOpenAiProviderWithTheRetrievedPassages()
    {
        var handbook = await _app.AddDocumentAsync("Employee handbook", HandbookText);

        var answer = await _app.GenerateAsync(new { text = "Where do new employees get their laptop?", model = "gpt-4" });

        Assert.StartsWith("Echo: ", answer.GetProperty("text").GetString());
        Assert.Equal("gpt-4", answer.GetProperty("model").GetString());
        Assert.Equal("openai", answer.GetProperty("provider").GetString());
        Assert.Equal("gpt-4o", answer.GetProperty("upstream_model").GetString());
        Assert.Equal(handbook, answer.GetProperty("sources")[0].GetProperty("document_id").GetInt64());
        Assert.True(answer.GetProperty("usage").GetProperty("prompt_tokens").GetInt64() > 0);
        Assert.True(answer.GetProperty("usage").GetProperty("completion_tokens").GetInt64() > 0);

        var sent = _upstream.Requests.Single(r => r.Path == "/v1/chat/completions").Body!.Value;
        Assert.Equal("gpt-4o", sent.GetProperty("model").GetString());
        Assert.Equal(0.7, sent.GetProperty("temperature").GetDouble(), 3);
        var tokenLimit = sent.TryGetProperty("max_completion_tokens", out var limit) ? limit : sent.GetProperty("max_tokens");
        Assert.Equal(1024, tokenLimit.GetInt32());
        var prompt = sent.GetProperty("messages").ToString();
        Assert.Contains("Orion help desk", prompt);
        Assert.Contains("[1]", prompt);
    }

    [Fact]
    public async Task Gpt4CitationOfASourceIsMappedAndOfAPassageItWasNotGivenIsReportedUnmatched()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        await _app.AddDocumentAsync("Canteen", "The canteen on the ground floor serves lunch from noon to two.");
        const string reply = "Laptops come from the Orion help desk [2], and the canteen is downstairs [9].";
        _upstream.Options.Reply = reply;

        var answer = await _app.GenerateAsync(new { text = "Where do new employees get their laptop?", model = "gpt-4" });

        Assert.Equal(reply, answer.GetProperty("text").GetString());
        var sources = answer.GetProperty("sources");
        Assert.Equal(2, sources.GetArrayLength());
        var citation = Assert.Single(answer.GetProperty("citations").EnumerateArray());
        Assert.Equal(2, citation.GetProperty("number").GetInt32());
        Assert.Equal(reply.IndexOf("[2]", StringComparison.Ordinal), citation.GetProperty("start").GetInt32());
        Assert.Equal(reply.IndexOf("[2]", StringComparison.Ordinal) + 3, citation.GetProperty("end").GetInt32());
        Assert.Equal(sources[1].GetProperty("document_id").GetInt64(), citation.GetProperty("document_id").GetInt64());
        Assert.Equal(sources[1].GetProperty("chunk_id").GetInt64(), citation.GetProperty("chunk_id").GetInt64());
        Assert.Equal([false, true], sources.EnumerateArray().Select(s => s.GetProperty("cited").GetBoolean()));

        var unmatched = Assert.Single(answer.GetProperty("unmatched_citations").EnumerateArray());
        Assert.Equal(9, unmatched.GetProperty("number").GetInt32());
        Assert.Equal("[9]", reply[unmatched.GetProperty("start").GetInt32()..unmatched.GetProperty("end").GetInt32()]);

        var user = _upstream.Requests.Single(r => r.Path == "/v1/chat/completions").Body!.Value.GetProperty("messages")[1].GetProperty("content");
        var userText = user.ValueKind == JsonValueKind.String
            ? user.GetString()
            : string.Concat(user.EnumerateArray().Select(part => part.GetProperty("text").GetString()));
        Assert.Contains("<passage number=\"2\" title=\"", userText);
    }

    [Fact]
    public async Task Claude3AnswersThroughTheAnthropicProviderWithTheRequestedTokenLimit()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);

        var answer = await _app.GenerateAsync(new { text = "Where is the help desk?", model = "claude-3", temperature = 0.2, max_tokens = 300 });

        Assert.StartsWith("Echo: ", answer.GetProperty("text").GetString());
        Assert.Equal("claude-3", answer.GetProperty("model").GetString());
        Assert.Equal("anthropic", answer.GetProperty("provider").GetString());
        Assert.Equal("claude-3-5-haiku-latest", answer.GetProperty("upstream_model").GetString());
        var sent = _upstream.Requests.Single(r => r.Path == "/v1/messages").Body!.Value;
        Assert.Equal("claude-3-5-haiku-latest", sent.GetProperty("model").GetString());
        Assert.Equal(300, sent.GetProperty("max_tokens").GetInt32());
        // The Anthropic SDK (13.x, API 2026-10-21) has no sampling temperature: it is not sent, as the README says.
        Assert.False(sent.TryGetProperty("temperature", out _));
        Assert.Contains("third floor", sent.GetProperty("messages").ToString());
        Assert.True(answer.GetProperty("usage").GetProperty("total_tokens").GetInt64() > 0);
    }

    [Fact]
    public async Task UnconfiguredProviderAnswers503NamingTheSetting()
    {
        await using var app = new GroundworkApp();
        using var client = app.CreateClient();
        var openAi = await ProblemAsync(await client.PostAsJsonAsync("/generate", new { text = "hi", model = "gpt-4" },
            TestContext.Current.CancellationToken), HttpStatusCode.ServiceUnavailable);
        Assert.Contains("OPENAI_API_KEY", openAi.GetProperty("detail").GetString());
        var anthropic = await ProblemAsync(await client.PostAsJsonAsync("/generate", new { text = "hi", model = "claude-3" },
            TestContext.Current.CancellationToken), HttpStatusCode.ServiceUnavailable);
        Assert.Contains("ANTHROPIC_API_KEY", anthropic.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("gpt-4")]
    [InlineData("claude-3")]
    public async Task UpstreamServerErrorIsABadGateway(string model)
    {
        _upstream.Options.Fault = FakeFault.Status(500);
        var problem = await ProblemAsync(await PostGenerateAsync(new { text = "hello", model }, TestContext.Current.CancellationToken), HttpStatusCode.BadGateway);
        Assert.Contains("500", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("gpt-4")]
    [InlineData("claude-3")]
    public async Task UpstreamThatNeverAnswersIsAGatewayTimeout(string model)
    {
        _upstream.Options.Fault = FakeFault.Hang();
        var problem = await ProblemAsync(await PostGenerateAsync(new { text = "hello", model }, TestContext.Current.CancellationToken), HttpStatusCode.GatewayTimeout);
        Assert.Contains("Providers__TimeoutSeconds", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("gpt-4")]
    [InlineData("claude-3")]
    public async Task UpstreamRateLimitIsServiceUnavailable(string model)
    {
        _upstream.Options.Fault = FakeFault.RateLimited(retryAfterSeconds: 7);
        var response = await PostGenerateAsync(new { text = "hello", model }, TestContext.Current.CancellationToken);
        await ProblemAsync(response, HttpStatusCode.ServiceUnavailable);
    }

    [Theory]
    [InlineData("gpt-4")]
    [InlineData("claude-3")]
    public async Task UpstreamMalformedAnswerIsABadGateway(string model)
    {
        _upstream.Options.Fault = FakeFault.Malformed();
        await ProblemAsync(await PostGenerateAsync(new { text = "hello", model }, TestContext.Current.CancellationToken), HttpStatusCode.BadGateway);
    }

    [Theory]
    [InlineData("gpt-4")]
    [InlineData("claude-3")]
    public async Task UpstreamConnectionCutIsABadGateway(string model)
    {
        _upstream.Options.Fault = FakeFault.CutConnection();
        await ProblemAsync(await PostGenerateAsync(new { text = "hello", model }, TestContext.Current.CancellationToken), HttpStatusCode.BadGateway);
    }

    [Fact]
    public async Task ClientDisconnectCancelsTheUpstreamCall()
    {
        _upstream.HoldChat();
        using var clientGone = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var generate = PostGenerateAsync(new { text = "hello", model = "gpt-4" }, clientGone.Token);

        // Hang up once the call is held at the upstream.
        await _upstream.WaitForHeldChatAsync(1, TestContext.Current.CancellationToken);
        await clientGone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generate);

        // Well before the 2 s model timeout, the upstream sees its caller go away.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(1.5));
        await _upstream.WaitForClientDisconnectAsync(deadline.Token);
    }
}
