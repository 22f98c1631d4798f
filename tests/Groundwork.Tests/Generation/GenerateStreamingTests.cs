using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Groundwork.FakeUpstream;
using Groundwork.Generation;
using Groundwork.Infrastructure;
using Groundwork.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.Generation;

/// <summary>
/// Streamed /generate over HTTP, read with the real SSE parser: local, OpenAI SSE and Anthropic SSE through the fake
/// upstream, faults after the stream started, budgets, and clients that go away.
/// </summary>
public sealed class GenerateStreamingTests : IAsyncLifetime
{
    private const string HandbookText =
        "New employees receive their laptop from the Orion help desk on the first morning. " +
        "The help desk is on the third floor next to the library.";

    private const string Question = "Where do new employees get their laptop?";

    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        settings["Providers:TimeoutSeconds"] = "2";
        _app = new GroundworkApp(settings);
    }

    public async ValueTask DisposeAsync()
    {
        _upstream.ReleaseChat();
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private static async Task<HttpResponseMessage> PostStreamAsync(
        HttpClient client, object body, CancellationToken cancellationToken, bool byAcceptHeader = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/generate") { Content = JsonContent.Create(body, options: GroundworkApp.Json) };
        if (byAcceptHeader)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private async Task<List<SseItem<string>>> StreamAsync(object body, bool byAcceptHeader = false)
    {
        using var client = _app.CreateClient();
        using var response = await PostStreamAsync(client, body, Ct, byAcceptHeader);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await ReadAllAsync(response);
    }

    private static async Task<List<SseItem<string>>> ReadAllAsync(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(body).EnumerateAsync(Ct))
        {
            events.Add(item);
        }

        return events;
    }

    private static JsonElement Data(SseItem<string> item) => JsonDocument.Parse(item.Data).RootElement;

    private static JsonElement Single(List<SseItem<string>> events, string name) => Data(Assert.Single(events, e => e.EventType == name));

    private static string Deltas(List<SseItem<string>> events) =>
        string.Concat(events.Where(e => e.EventType == "delta").Select(e => Data(e).GetProperty("text").GetString()));

    /// <summary>sources, at least one delta, citations, usage, done: nothing else, in that order.</summary>
    private static void AssertOrder(List<SseItem<string>> events)
    {
        var names = events.Select(e => e.EventType).ToList();
        Assert.Equal("sources", names[0]);
        Assert.Equal(["citations", "usage", "done"], names[^3..]);
        Assert.NotEmpty(names[1..^3]);
        Assert.All(names[1..^3], name => Assert.Equal("delta", name));
    }

    /// <summary>The usage records of one user's model calls, oldest first.</summary>
    private async Task<List<UsageRecordEntity>> UsageRecordsAsync(TenantClient user)
    {
        using var operatorClient = _app.CreateClient();
        // GET /usage waits for the records queued so far to be written.
        await operatorClient.GetFromJsonAsync<JsonElement>($"/usage?tenant_id={user.TenantId}", GroundworkApp.Json, Ct);
        using var scope = _app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<GroundworkDbContext>().UsageRecords
            .Where(r => r.UserId == user.UserId).OrderBy(r => r.Id).ToListAsync(Ct);
    }

    private async Task<List<string>> UsageStatusesAsync(TenantClient user) => [.. (await UsageRecordsAsync(user)).Select(r => r.Status)];

    /// <summary>
    /// The statuses once the call is recorded: a stream whose client went away records its call when the upstream
    /// call has ended, which the upstream may see first.
    /// </summary>
    private async Task<List<string>> RecordedStatusesAsync(TenantClient user)
    {
        List<string> statuses;
        while ((statuses = await UsageStatusesAsync(user)).Count == 0)
        {
        }

        return statuses;
    }

    private async Task SetUserBudgetAsync(long userId, long tokens)
    {
        using var operatorClient = _app.CreateClient();
        var response = await operatorClient.PatchAsJsonAsync($"/users/{userId}", new { budget = new { tokens, period = "day" } }, GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A reader of the operator's tenant (so it sees the documents the tests add), with its own budget and usage.</summary>
    private Task<TenantClient> ReaderAsync() => _app.CreateTenantClientAsync("reader", tenantId: OperatorTenantId());

    private long OperatorTenantId()
    {
        using var scope = _app.Services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<GroundworkDbContext>().Tenants.OrderBy(t => t.Id).First().Id;
    }

    [Theory]
    [InlineData("local", "local", LocalExtractiveChatClient.ModelId)]
    [InlineData("gpt-4", "openai", "gpt-4o")]
    [InlineData("claude-3", "anthropic", "claude-3-5-haiku-latest")]
    public async Task StreamSendsSourcesDeltasCitationsUsageAndDoneThatAgreeWithTheJsonAnswer(string model, string provider, string upstreamModel)
    {
        var handbook = await _app.AddDocumentAsync("Employee handbook", HandbookText);
        if (model != "local")
        {
            _upstream.Options.Reply = "Laptops come from the Orion help desk [1], on the third floor [1][2].";
        }

        var json = await _app.GenerateAsync(new { text = Question, model });
        var events = await StreamAsync(new { text = Question, model, stream = true });

        AssertOrder(events);
        var sources = Single(events, "sources");
        Assert.True(sources.GetProperty("grounded").GetBoolean());
        Assert.Equal(handbook, sources.GetProperty("sources")[0].GetProperty("document_id").GetInt64());
        Assert.Equal(json.GetProperty("sources").GetArrayLength(), sources.GetProperty("sources").GetArrayLength());

        var text = Deltas(events);
        Assert.Equal(json.GetProperty("text").GetString(), text);
        var citations = Single(events, "citations");
        Assert.Equal(json.GetProperty("citations").ToString(), citations.GetProperty("citations").ToString());
        Assert.Equal(json.GetProperty("unmatched_citations").ToString(), citations.GetProperty("unmatched_citations").ToString());
        Assert.NotEqual(0, citations.GetProperty("citations").GetArrayLength());
        var citedInJson = json.GetProperty("sources").EnumerateArray().Where(s => s.GetProperty("cited").GetBoolean()).Select(s => s.GetProperty("number").GetInt32());
        Assert.Equal(citedInJson, citations.GetProperty("cited_sources").EnumerateArray().Select(n => n.GetInt32()));

        var usage = Single(events, "usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt64() > 0);
        Assert.True(usage.GetProperty("completion_tokens").GetInt64() > 0);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64() + usage.GetProperty("completion_tokens").GetInt64(), usage.GetProperty("total_tokens").GetInt64());
        Assert.Equal(json.GetProperty("usage").ToString(), usage.ToString());

        var done = Single(events, "done");
        Assert.Equal(model, done.GetProperty("model").GetString());
        Assert.Equal(provider, done.GetProperty("provider").GetString());
        Assert.Equal(upstreamModel, done.GetProperty("upstream_model").GetString());
        Assert.Equal("stop", done.GetProperty("finish_reason").GetString());
        Assert.Equal(provider, json.GetProperty("provider").GetString());
        Assert.Equal(upstreamModel, json.GetProperty("upstream_model").GetString());
    }

    [Fact]
    public async Task OpenAiStreamReallyStreamsFromTheUpstream()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);

        var events = await StreamAsync(new { text = Question, model = "gpt-4", stream = true });

        // The fake sends one word per chunk, so a streamed answer comes in many deltas.
        Assert.True(events.Count(e => e.EventType == "delta") > 3);
        var sent = _upstream.Requests.Single(r => r.Path == "/v1/chat/completions").Body!.Value;
        Assert.True(sent.GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task AcceptEventStreamStreamsWithoutTheStreamField()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);

        var events = await StreamAsync(new { text = Question, model = "local" }, byAcceptHeader: true);

        AssertOrder(events);
        Assert.Equal("local", Single(events, "done").GetProperty("provider").GetString());
    }

    [Fact]
    public async Task StreamFalseAndNoAcceptHeaderAnswerJsonSayingWhoAnswered()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        using var client = _app.CreateClient();

        var response = await client.PostAsJsonAsync("/generate", new { text = Question, model = "claude-3", stream = false }, GroundworkApp.Json, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("anthropic", Assert.Single(response.Headers.GetValues("Groundwork-Provider")));
        Assert.Equal("claude-3-5-haiku-latest", Assert.Single(response.Headers.GetValues("Groundwork-Upstream-Model")));
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct);
        Assert.Equal("claude-3", answer.GetProperty("model").GetString());
        Assert.Equal("anthropic", answer.GetProperty("provider").GetString());
    }

    [Fact]
    public async Task AbstentionStreamsTheAbstentionWithoutCallingTheModel()
    {
        // No document: nothing is relevant, and the server abstains (its default).
        var events = await StreamAsync(new { text = Question, model = "gpt-4", stream = true });

        Assert.Equal(["sources", "delta", "citations", "usage", "done"], events.Select(e => e.EventType));
        var sources = Single(events, "sources");
        Assert.False(sources.GetProperty("grounded").GetBoolean());
        Assert.Equal(0, sources.GetProperty("sources").GetArrayLength());
        Assert.Equal(LocalExtractiveChatClient.NothingRelevantAnswer, Deltas(events));
        var citations = Single(events, "citations");
        Assert.Equal(0, citations.GetProperty("citations").GetArrayLength());
        Assert.Equal(0, citations.GetProperty("cited_sources").GetArrayLength());
        Assert.Equal(0, Single(events, "usage").GetProperty("total_tokens").GetInt64());
        var done = Single(events, "done");
        Assert.Equal("gpt-4", done.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("provider").ValueKind);
        Assert.DoesNotContain(_upstream.Requests, r => r.Path == "/v1/chat/completions");
    }

    [Fact]
    public async Task InvalidRequestIsA422BeforeAnyEvent()
    {
        using var client = _app.CreateClient();
        using var response = await PostStreamAsync(client, new { text = Question, model = "gpt-4", stream = true, temperature = 3 }, Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task StreamOverTheBudgetIsA429BeforeAnyEvent()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        using var tenant = await ReaderAsync();
        await SetUserBudgetAsync(tenant.UserId, 10);
        _upstream.ClearRequests();

        using var response = await PostStreamAsync(tenant.Http, new { text = Question, model = "gpt-4", stream = true }, Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task StreamOfAnUnconfiguredProviderIsA503BeforeAnyEvent()
    {
        await using var app = new GroundworkApp();
        using var client = app.CreateClient();

        using var response = await PostStreamAsync(client, new { text = Question, model = "gpt-4", stream = true }, Ct);
        // A client that accepts only text/event-stream gets the status without a problem body.
        using var byAccept = await PostStreamAsync(client, new { text = Question, model = "gpt-4" }, Ct, byAcceptHeader: true);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("OPENAI_API_KEY", (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, byAccept.StatusCode);
    }

    public static TheoryData<string, string> BrokenStreams => new()
    {
        { "gpt-4", nameof(FaultKind.CutConnection) },
        { "gpt-4", nameof(FaultKind.Malformed) },
        { "claude-3", nameof(FaultKind.CutConnection) },
        { "claude-3", nameof(FaultKind.Malformed) },
    };

    [Theory]
    [MemberData(nameof(BrokenStreams))]
    public async Task UpstreamStreamBrokenAfterTwoChunksEndsWithOneBadGatewayErrorEvent(string model, string fault)
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        _upstream.Options.Fault = new FakeFault { Kind = Enum.Parse<FaultKind>(fault), AfterChunks = 2 };

        var events = await StreamAsync(new { text = Question, model, stream = true });

        Assert.Equal("sources", events[0].EventType);
        Assert.Equal("error", events[^1].EventType);
        Assert.All(events[1..^1], e => Assert.Equal("delta", e.EventType));
        var error = Data(events[^1]);
        Assert.Equal(502, error.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData("gpt-4")]
    [InlineData("claude-3")]
    public async Task UpstreamThatNeverAnswersEndsTheStreamWithAGatewayTimeoutErrorEvent(string model)
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        _upstream.Options.Fault = FakeFault.Hang();

        var events = await StreamAsync(new { text = Question, model, stream = true });

        Assert.Equal(["sources", "error"], events.Select(e => e.EventType));
        var error = Data(events[^1]);
        Assert.Equal(504, error.GetProperty("status").GetInt32());
        Assert.Contains("Providers__TimeoutSeconds", error.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task StreamSettlesItsReservationToTheReportedUsage()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        using var tenant = await ReaderAsync();
        const long budget = 1_000_000;
        await SetUserBudgetAsync(tenant.UserId, budget);

        using var response = await PostStreamAsync(tenant.Http, new { text = Question, model = "gpt-4", stream = true }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The headers go out with the worst case reserved.
        var reservedLeft = RemainingUserTokens(response);
        Assert.True(reservedLeft < budget);
        var used = Single(await ReadAllAsync(response), "usage").GetProperty("total_tokens").GetInt64();
        Assert.True(used > 0);

        var record = Assert.Single(await UsageRecordsAsync(tenant));
        Assert.Equal("ok", record.Status);
        Assert.Equal(used, record.TotalTokens);
        Assert.Equal("gpt-4", record.Model);
        // Settled: the next call sees only what was used spent, the rest of the reservation is back.
        using var next = await tenant.Http.PostAsJsonAsync("/generate", new { text = "x", model = "local" }, GroundworkApp.Json, Ct);
        Assert.True(RemainingUserTokens(next) >= budget - used - 1_000 && RemainingUserTokens(next) > reservedLeft);
        Assert.True(RemainingUserTokens(next) <= budget - used);
    }

    [Fact]
    public async Task FailedStreamReleasesItsReservationAndIsRecordedFailed()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        using var tenant = await ReaderAsync();
        var body = new { text = Question, model = "gpt-4", max_tokens = 50, stream = true };
        // The 429 names the call's worst case; then room for one call in flight, not two.
        await SetUserBudgetAsync(tenant.UserId, 1);
        using var refused = await PostStreamAsync(tenant.Http, body, Ct);
        var worstCase = (await refused.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("requested_tokens").GetInt64();
        await SetUserBudgetAsync(tenant.UserId, worstCase + worstCase / 2);
        _upstream.Options.Fault = FakeFault.CutConnection(afterChunks: 2).ForNext(1);

        var failed = await ReadAllAsync(await PostStreamAsync(tenant.Http, body, Ct));
        Assert.Equal("error", failed[^1].EventType);
        using var second = await PostStreamAsync(tenant.Http, body, Ct);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("done", (await ReadAllAsync(second))[^1].EventType);

        var records = await UsageRecordsAsync(tenant);
        Assert.Equal(["failed", "ok"], records.Select(r => r.Status));
        Assert.Equal(0, records[0].TotalTokens);
    }

    [Fact]
    public async Task ClientThatHangsUpBeforeTheFirstTokenCancelsTheUpstreamWithinASecond()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        using var tenant = await ReaderAsync();
        _upstream.HoldChat();

        var response = await PostStreamAsync(tenant.Http, new { text = Question, model = "gpt-4", stream = true }, Ct);
        var body = await response.Content.ReadAsStreamAsync(Ct);
        var events = SseParser.Create(body).EnumerateAsync(Ct).GetAsyncEnumerator(Ct);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("sources", events.Current.EventType);
        await _upstream.WaitForHeldChatAsync(1, Ct);

        await events.DisposeAsync();
        await body.DisposeAsync();
        response.Dispose();

        await AssertUpstreamSeesTheClientGoWithinASecondAsync();
        Assert.Equal(["cancelled"], await RecordedStatusesAsync(tenant));
    }

    [Theory]
    [InlineData("gpt-4", 3)] // role, "Echo:", " Where"
    [InlineData("claude-3", 5)] // message_start, content_block_start, ping, "Echo:", " Where"
    public async Task ClientThatHangsUpAfterDeltasCancelsTheUpstreamWithinASecond(string model, int chunksBeforeStall)
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        using var tenant = await ReaderAsync();
        // The upstream sends its first two text chunks and then nothing more, until its client goes away.
        _upstream.Options.Fault = FakeFault.Stall(chunksBeforeStall);

        var response = await PostStreamAsync(tenant.Http, new { text = Question, model, stream = true }, Ct);
        var body = await response.Content.ReadAsStreamAsync(Ct);
        var events = SseParser.Create(body).EnumerateAsync(Ct).GetAsyncEnumerator(Ct);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("sources", events.Current.EventType);
        // Both text chunks have arrived: the upstream is stalled, and can only see its client go away.
        for (var delta = 0; delta < 2; delta++)
        {
            Assert.True(await events.MoveNextAsync());
            Assert.Equal("delta", events.Current.EventType);
        }

        await events.DisposeAsync();
        await body.DisposeAsync();
        response.Dispose();

        await AssertUpstreamSeesTheClientGoWithinASecondAsync();
        Assert.Equal(["cancelled"], await RecordedStatusesAsync(tenant));
    }

    private static long RemainingUserTokens(HttpResponseMessage response)
    {
        var member = response.Headers.GetValues("RateLimit").Single(v => v.StartsWith("\"user-tokens\";", StringComparison.Ordinal));
        var remaining = member.Split(';').Single(p => p.StartsWith("r=", StringComparison.Ordinal));
        return long.Parse(remaining[2..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task AssertUpstreamSeesTheClientGoWithinASecondAsync()
    {
        // Well before the 2 s model timeout.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(1));
        await _upstream.WaitForClientDisconnectAsync(deadline.Token);
    }

    [Fact]
    public async Task TimeToFirstTokenIsRecordedPerModelAndProvider()
    {
        await _app.AddDocumentAsync("Employee handbook", HandbookText);
        var meterFactory = _app.Services.GetRequiredService<IMeterFactory>();
        var measurements = new List<(double Seconds, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter.Scope == meterFactory && instrument.Meter.Name == GenerationMetrics.MeterName
                && instrument.Name == GenerationMetrics.TimeToFirstTokenName)
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            lock (measurements)
            {
                measurements.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.Start();

        var events = await StreamAsync(new { text = Question, model = "gpt-4", stream = true });
        Assert.Equal("done", events[^1].EventType);

        var (seconds, tags) = Assert.Single(measurements);
        Assert.InRange(seconds, 0, 60);
        Assert.True(seconds > 0);
        Assert.Equal("gpt-4", tags["model"]);
        Assert.Equal("openai", tags["provider"]);
    }

    [Fact]
    public async Task OpenApiDescribesTheEventStreamBesideTheJsonAnswer()
    {
        using var client = _app.CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var content = document.GetProperty("paths").GetProperty("/generate").GetProperty("post").GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.EndsWith("/GenerateResponse", content.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());

        var stream = content.GetProperty("text/event-stream").GetProperty("schema");
        var events = stream.GetProperty("oneOf").EnumerateArray().ToList();
        Assert.Equal(["sources", "delta", "citations", "usage", "done", "error"], events.Select(e => e.GetProperty("properties").GetProperty("event").GetProperty("const").GetString()));
        var schemas = document.GetProperty("components").GetProperty("schemas");
        JsonElement DataSchema(string name) => schemas.GetProperty(events.Single(e => e.GetProperty("title").GetString() == name)
            .GetProperty("properties").GetProperty("data").GetProperty("$ref").GetString()!.Split('/')[^1]);
        Assert.Equal(["text"], DataSchema("delta").GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["model", "provider", "upstream_model", "finish_reason"], DataSchema("done").GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["status", "title", "detail"], DataSchema("error").GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["grounded", "sources"], DataSchema("sources").GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["citations", "unmatched_citations", "cited_sources"], DataSchema("citations").GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.True(schemas.GetProperty("GenerateRequest").GetProperty("properties").TryGetProperty("stream", out _));
    }
}
