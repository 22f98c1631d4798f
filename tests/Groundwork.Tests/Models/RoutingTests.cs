using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Groundwork.FakeUpstream;

namespace Groundwork.Tests.Models;

/// <summary>
/// The fault matrix for single answers: each upstream failure of the first target ends in the second target's answer,
/// or, when no target is left, in the right gateway status within the targets' time-outs.
/// </summary>
public sealed class RoutingTests(RoutingFixture fixture) : IClassFixture<RoutingFixture>, IAsyncLifetime
{
    private const string Chat = RoutingFixture.ChatPath;
    private const string Messages = RoutingFixture.MessagesPath;

    public async ValueTask InitializeAsync() => await fixture.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private FakeUpstreamServer Primary => fixture.Primary;

    private FakeUpstreamServer Backup => fixture.Backup;

    private async Task AssertBackupAnsweredAsync(string model = "chain")
    {
        var answer = await RoutingFixture.BodyAsync(await fixture.GenerateAsync(model, TestContext.Current.CancellationToken), HttpStatusCode.OK);
        Assert.StartsWith("Echo: ", answer.GetProperty("text").GetString());
        Assert.Equal(1, fixture.Calls(Backup, Messages));
        Assert.Equal("claude-backup", Backup.Requests.Single(r => r.Path == Messages).Body!.Value.GetProperty("model").GetString());
    }

    [Fact]
    public async Task TheFirstTargetAnswersWhenItIsHealthyWithTheProvidersExtraHeaders()
    {
        var answer = await RoutingFixture.BodyAsync(await fixture.GenerateAsync("chain", TestContext.Current.CancellationToken), HttpStatusCode.OK);

        Assert.StartsWith("Echo: ", answer.GetProperty("text").GetString());
        var sent = Primary.Requests.Single(r => r.Path == Chat);
        Assert.Equal("gpt-4o", sent.Body!.Value.GetProperty("model").GetString());
        Assert.Equal("search-team", sent.Headers["X-Team"]);
        Assert.Equal("Bearer primary-key", sent.Headers["Authorization"]);
        Assert.Equal(0, fixture.Calls(Backup, Messages));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task AServerErrorFallsBackToTheNextTarget(int status)
    {
        Primary.Options.Fault = FakeFault.Status(status);

        await AssertBackupAnsweredAsync();
        Assert.Equal(1, fixture.Calls(Primary, Chat));
    }

    [Fact]
    public async Task ARateLimitWithALongerRetryAfterThanWorthWaitingFallsBackAtOnce()
    {
        Primary.Options.Fault = FakeFault.RateLimited(retryAfterSeconds: 30);
        var clock = Stopwatch.StartNew();

        await AssertBackupAnsweredAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task MalformedJsonFallsBack()
    {
        Primary.Options.Fault = FakeFault.Malformed();

        await AssertBackupAnsweredAsync();
    }

    [Fact]
    public async Task ACutConnectionFallsBack()
    {
        Primary.Options.Fault = FakeFault.CutConnection();

        await AssertBackupAnsweredAsync();
    }

    [Fact]
    public async Task AConnectionThatNeverAnswersFallsBackAfterTheTargetsTimeout()
    {
        Primary.Options.Fault = FakeFault.Hang();
        var clock = Stopwatch.StartNew();

        await AssertBackupAnsweredAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        // The abandoned attempt was cancelled at the upstream, not left running.
        await Primary.WaitForClientDisconnectAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ASlowFirstByteFallsBackAfterTheTargetsTimeout()
    {
        Primary.Options.FirstByteDelayMs = 30_000;

        await AssertBackupAnsweredAsync();
    }

    [Fact]
    public async Task ARefusedConnectionFallsBack()
    {
        await AssertBackupAnsweredAsync("refused");
    }

    [Fact]
    public async Task ARequestTheProviderRejectsIsNotTriedElsewhere()
    {
        Primary.Options.Fault = FakeFault.Status(400);

        var problem = await RoutingFixture.BodyAsync(await fixture.GenerateAsync("chain", TestContext.Current.CancellationToken), HttpStatusCode.BadGateway);

        Assert.Contains("400", problem.GetProperty("detail").GetString());
        Assert.Equal(0, fixture.Calls(Backup, Messages));
    }

    [Fact]
    public async Task WhenEveryTargetFailsTheAnswerIs502NamingEachTarget()
    {
        Primary.Options.Fault = FakeFault.Status(500);
        Backup.Options.Fault = FakeFault.Status(500);

        var problem = await RoutingFixture.BodyAsync(await fixture.GenerateAsync("chain", TestContext.Current.CancellationToken), HttpStatusCode.BadGateway);

        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("Model 'chain' has no target left", detail);
        Assert.Contains("primary/gpt-4o", detail);
        Assert.Contains("backup/claude-backup", detail);
        Assert.DoesNotContain("primary-key", detail);
        Assert.DoesNotContain("backup-key", detail);
    }

    [Fact]
    public async Task WhenEveryTargetIsRateLimitedTheAnswerIs503WithTheShortestRetryAfter()
    {
        Primary.Options.Fault = FakeFault.RateLimited(retryAfterSeconds: 40);
        Backup.Options.Fault = FakeFault.RateLimited(retryAfterSeconds: 30);

        var response = await fixture.GenerateAsync("chain", TestContext.Current.CancellationToken);

        await RoutingFixture.BodyAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task AnthropicsRetryAfterIsPassedOn()
    {
        Backup.Options.Fault = FakeFault.RateLimited(retryAfterSeconds: 7);

        var response = await fixture.GenerateAsync("claude", TestContext.Current.CancellationToken);

        await RoutingFixture.BodyAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task WhenEveryTargetTimesOutTheAnswerIs504NamingTheSetting()
    {
        Primary.Options.Fault = FakeFault.Hang();
        Backup.Options.Fault = FakeFault.Hang();

        var problem = await RoutingFixture.BodyAsync(await fixture.GenerateAsync("chain", TestContext.Current.CancellationToken), HttpStatusCode.GatewayTimeout);

        Assert.Contains("Models__chain__Targets__1__Timeouts__TotalSeconds", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task WeightedTargetsShareTheCallsAndEachCallIsAnsweredOnce()
    {
        for (var i = 0; i < 24; i++)
        {
            await RoutingFixture.BodyAsync(await fixture.GenerateAsync("shared", TestContext.Current.CancellationToken), HttpStatusCode.OK);
        }

        var primary = fixture.Calls(Primary, Chat);
        var backup = fixture.Calls(Backup, Messages);
        Assert.Equal(24, primary + backup);
        // Equal weights: each side gets some (the chance of a 24-0 split is 2 in 16 million).
        Assert.InRange(primary, 1, 23);
    }

    [Fact]
    public async Task OllamaAnswersThroughItsNativeApi()
    {
        var answer = await RoutingFixture.BodyAsync(await fixture.GenerateAsync("llama", TestContext.Current.CancellationToken), HttpStatusCode.OK);

        Assert.StartsWith("Echo: ", answer.GetProperty("text").GetString());
        Assert.True(answer.GetProperty("usage").GetProperty("completion_tokens").GetInt64() > 0);
        Assert.Equal("llama3.2", Primary.Requests.Single(r => r.Path == RoutingFixture.OllamaChatPath).Body!.Value.GetProperty("model").GetString());
        Assert.Equal(0, fixture.Calls(Backup, Messages));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(429)]
    public async Task AFailingOllamaFallsBack(int status)
    {
        Primary.Options.Fault = FakeFault.Status(status).OnlyOn(RoutingFixture.OllamaChatPath);

        await AssertBackupAnsweredAsync("llama");
    }

    [Fact]
    public async Task AnOllamaThatNeverAnswersFallsBackAfterItsTimeout()
    {
        Primary.Options.Fault = FakeFault.Hang().OnlyOn(RoutingFixture.OllamaChatPath);

        await AssertBackupAnsweredAsync("llama");
    }

    private async Task<List<SseItem<string>>> StreamAsync(string model)
    {
        using var client = fixture.App.CreateClient();
        using var response = await client.PostAsJsonAsync(
            "/generate", new { text = "Where is the help desk?", model, stream = true }, GroundworkApp.Json, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken))
                           .EnumerateAsync(TestContext.Current.CancellationToken))
        {
            events.Add(item);
        }

        return events;
    }

    private static string Text(List<SseItem<string>> events) =>
        string.Concat(events.Where(e => e.EventType == "delta").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("text").GetString()));

    private static JsonElement Last(List<SseItem<string>> events, string type)
    {
        Assert.Equal(type, events[^1].EventType);
        return JsonDocument.Parse(events[^1].Data).RootElement;
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("malformed")]
    [InlineData("hang")]
    [InlineData("500")]
    public async Task AStreamThatFailsBeforeItsFirstTokenFallsBackWithNothingSent(string fault)
    {
        Primary.Options.Fault = fault switch
        {
            "cut" => FakeFault.CutConnection(afterChunks: 0),
            "malformed" => FakeFault.Malformed(afterChunks: 0),
            "hang" => FakeFault.Hang(),
            _ => FakeFault.Status(500),
        };

        var events = await StreamAsync("chain");

        var done = Last(events, "done");
        Assert.Equal("backup", done.GetProperty("provider").GetString());
        Assert.Equal("claude-backup", done.GetProperty("upstream_model").GetString());
        Assert.StartsWith("Echo: ", Text(events));
        Assert.DoesNotContain(events, e => e.EventType == "error");
    }

    [Theory]
    [InlineData("cut")]
    [InlineData("malformed")]
    public async Task AStreamThatFailsAfterItsFirstTokenEndsWithOneErrorEventAndNoSwitch(string fault)
    {
        Primary.Options.Fault = fault == "cut" ? FakeFault.CutConnection(afterChunks: 3) : FakeFault.Malformed(afterChunks: 3);

        var events = await StreamAsync("chain");

        Assert.NotEmpty(Text(events));
        Assert.Equal(502, Last(events, "error").GetProperty("status").GetInt32());
        Assert.Single(events, e => e.EventType == "error");
        Assert.DoesNotContain(events, e => e.EventType == "done");
        Assert.Equal(0, fixture.Calls(Backup, Messages));
    }

    [Fact]
    public async Task AStreamThatStallsAfterItsFirstTokenEndsWithA504NamingTheBetweenChunksSetting()
    {
        Primary.Options.Fault = FakeFault.Stall(afterChunks: 3);

        var events = await StreamAsync("chain");

        var error = Last(events, "error");
        Assert.Equal(504, error.GetProperty("status").GetInt32());
        Assert.Contains("Timeouts__TotalSeconds", error.GetProperty("detail").GetString());
        Assert.Equal(0, fixture.Calls(Backup, Messages));
    }

    [Fact]
    public async Task OllamaStreamsItsAnswerAndAStallAfterTheFirstTokenEndsWithAnErrorEvent()
    {
        var healthy = await StreamAsync("llama");
        Assert.StartsWith("Echo: ", Text(healthy));
        Assert.True(healthy.Count(e => e.EventType == "delta") > 1);
        Assert.Equal("ollama-a", Last(healthy, "done").GetProperty("provider").GetString());

        Primary.Options.Fault = FakeFault.Stall(afterChunks: 2).OnlyOn(RoutingFixture.OllamaChatPath);
        var stalled = await StreamAsync("llama");

        Assert.Equal(504, Last(stalled, "error").GetProperty("status").GetInt32());
        Assert.Equal(0, fixture.Calls(Backup, Messages));
    }

    [Fact]
    public async Task AnOllamaStreamCutBeforeItsFirstTokenFallsBack()
    {
        Primary.Options.Fault = FakeFault.CutConnection(afterChunks: 0).OnlyOn(RoutingFixture.OllamaChatPath);

        var events = await StreamAsync("llama");

        Assert.Equal("backup", Last(events, "done").GetProperty("provider").GetString());
    }

    [Fact]
    public async Task TheJsonAnswerSaysWhichTargetAnsweredAfterAFallback()
    {
        Primary.Options.Fault = FakeFault.Status(500);

        var response = await fixture.GenerateAsync("chain", TestContext.Current.CancellationToken);
        var answer = await RoutingFixture.BodyAsync(response, HttpStatusCode.OK);

        Assert.Equal("chain", answer.GetProperty("model").GetString());
        Assert.Equal("backup", answer.GetProperty("provider").GetString());
        Assert.Equal("claude-backup", answer.GetProperty("upstream_model").GetString());
        Assert.Equal("backup", response.Headers.GetValues("Groundwork-Provider").Single());
    }
}
