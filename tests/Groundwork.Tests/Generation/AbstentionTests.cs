using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.FakeUpstream;
using Groundwork.Generation;
using Groundwork.Models;
using Groundwork.Retrieval;

namespace Groundwork.Tests.Generation;

/// <summary>
/// With the real relevance bar (Search:MinRelevance at its default) and the real MiniLM model: questions the documents
/// do not answer abstain, with the local model and with a provider model at the fake upstream, while questions they
/// answer are grounded; relevance is bounded and thresholds /search.
/// </summary>
public sealed class AbstentionTests : IAsyncLifetime
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private FakeUpstreamServer _upstream = null!;

    public async ValueTask InitializeAsync() =>
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _upstream.DisposeAsync();

    private async Task<GroundworkApp> StartAsync(string whenNothingRelevant = GenerationOptions.Abstain)
    {
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        settings["Search:MinRelevance"] = SearchOptions.DefaultMinRelevance.ToString(CultureInfo.InvariantCulture);
        settings["Generation:WhenNothingRelevant"] = whenNothingRelevant;
        var app = new GroundworkApp(settings);
        await app.AddDocumentAsync("Handbook", "Employees get sixteen weeks of paid parental leave. Holidays are listed on the intranet.");
        await app.AddDocumentAsync("Deploys", "Deploys are frozen on Fridays after 14:00. Hotfixes need the approval of the on-call lead.");
        await app.AddDocumentAsync("Heat pump", "Check the outdoor coil for leaves and dirt twice a year. Replace the air filter every spring.");
        return app;
    }

    [Theory]
    [InlineData("What is the capital of Australia?")]
    [InlineData("asdfghjkl qwerty")]
    public async Task LocalModelSaysTheDocumentsDoNotAnswer(string question)
    {
        await using var app = await StartAsync();

        var answer = await app.GenerateAsync(new { text = question, model = "local" });

        Assert.False(answer.GetProperty("grounded").GetBoolean());
        Assert.Equal(0, answer.GetProperty("sources").GetArrayLength());
        Assert.Equal(0, answer.GetProperty("citations").GetArrayLength());
        Assert.StartsWith(LocalExtractiveChatClient.NothingRelevantAnswer, answer.GetProperty("text").GetString());
    }

    [Fact]
    public async Task AnAnsweredQuestionIsGroundedWithRelevantSourcesOnly()
    {
        await using var app = await StartAsync();

        var answer = await app.GenerateAsync(new { text = "How many weeks of parental leave do employees get?", model = "local" });

        Assert.True(answer.GetProperty("grounded").GetBoolean());
        var sources = answer.GetProperty("sources").EnumerateArray().ToList();
        Assert.Equal("Handbook", sources[0].GetProperty("title").GetString());
        Assert.All(sources, source => Assert.InRange(source.GetProperty("relevance").GetDouble(), SearchOptions.DefaultMinRelevance, 1.0));
        Assert.DoesNotContain(sources, source => source.GetProperty("title").GetString() == "Heat pump");
        Assert.StartsWith("Employees get sixteen weeks of paid parental leave. [1]", answer.GetProperty("text").GetString());
    }

    [Fact]
    public async Task AfterItsDocumentIsDeletedTheQuestionAbstainsInsteadOfUsingAnotherDocument()
    {
        await using var app = await StartAsync();
        using var client = app.CreateClient();
        var question = new { text = "How many weeks of parental leave do employees get?", model = "local" };
        var handbook = (await app.GenerateAsync(question)).GetProperty("sources")[0].GetProperty("document_id").GetInt64();

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/documents/{handbook}", Cancel)).StatusCode);
        var answer = await app.GenerateAsync(question);

        Assert.False(answer.GetProperty("grounded").GetBoolean());
        Assert.Equal(0, answer.GetProperty("sources").GetArrayLength());
    }

    [Fact]
    public async Task AProviderModelIsNotCalledWhenNothingIsRelevant()
    {
        await using var app = await StartAsync();
        _upstream.ClearRequests();

        var answer = await app.GenerateAsync(new { text = "What is the capital of Australia?", model = "gpt-4" });

        Assert.False(answer.GetProperty("grounded").GetBoolean());
        Assert.Equal(0, answer.GetProperty("usage").GetProperty("total_tokens").GetInt64());
        Assert.DoesNotContain(_upstream.Requests, request => request.Path == "/v1/chat/completions");
    }

    [Fact]
    public async Task WithAskModelTheProviderIsToldNothingIsRelevantAndGivenNoPassages()
    {
        await using var app = await StartAsync(GenerationOptions.AskModel);
        _upstream.ClearRequests();

        var answer = await app.GenerateAsync(new { text = "What is the capital of Australia?", model = "gpt-4" });

        Assert.False(answer.GetProperty("grounded").GetBoolean());
        Assert.Equal(0, answer.GetProperty("sources").GetArrayLength());
        var body = _upstream.Requests.Single(r => r.Path == "/v1/chat/completions").Body!.Value;
        var prompt = body.GetProperty("messages")[1].GetProperty("content") is { ValueKind: JsonValueKind.String } content
            ? content.GetString()!
            : string.Concat(body.GetProperty("messages")[1].GetProperty("content").EnumerateArray().Select(part => part.GetProperty("text").GetString()));
        Assert.Contains(GroundedPrompt.NothingRelevantNote, prompt);
        Assert.DoesNotContain("<passage ", prompt);
        // The grounding travels on the message as data, never on the wire.
        Assert.DoesNotContain("groundwork", body.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RelevanceIsBetweenZeroAndOneInEveryModeAndMinRelevanceThresholdsSearch()
    {
        await using var app = await StartAsync();
        using var client = app.CreateClient();

        foreach (var mode in new[] { "vector", "keyword", "hybrid" })
        {
            var all = await SearchAsync(client, new { query = "parental leave weeks", mode, top_k = 10, min_relevance = 0.0 });
            Assert.NotEmpty(all);
            Assert.All(all, hit => Assert.InRange(hit.GetProperty("relevance").GetDouble(), 0.0, 1.0));
            Assert.Equal("Handbook", all.MaxBy(hit => hit.GetProperty("relevance").GetDouble()).GetProperty("title").GetString());

            var bar = all.Max(hit => hit.GetProperty("relevance").GetDouble());
            var above = await SearchAsync(client, new { query = "parental leave weeks", mode, top_k = 10, min_relevance = bar });
            Assert.All(above, hit => Assert.True(hit.GetProperty("relevance").GetDouble() >= bar));
            Assert.Contains(above, hit => hit.GetProperty("title").GetString() == "Handbook");
        }

        Assert.Empty(await SearchAsync(client, new { query = "What is the capital of Australia?" }));
    }

    private static async Task<List<JsonElement>> SearchAsync(HttpClient client, object request)
    {
        var response = await client.PostAsJsonAsync("/search", request, GroundworkApp.Json, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("results").EnumerateArray()];
    }
}
