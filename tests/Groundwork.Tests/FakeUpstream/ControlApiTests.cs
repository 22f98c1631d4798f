using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.FakeUpstream;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using static Groundwork.Tests.FakeUpstream.FakeUpstreamClients;

namespace Groundwork.Tests.FakeUpstream;

public sealed class ControlApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConfigPatchChangesOnlyTheGivenSettings()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { EmbeddingLatencyMs = 7 }, Ct);
        using var http = Http(server);

        using var response = await http.PostAsJsonAsync("_fake/config", new { chatLatencyMs = 20, reply = "Patched." }, Ct);

        response.EnsureSuccessStatusCode();
        Assert.Equal(20, server.Options.ChatLatencyMs);
        Assert.Equal(7, server.Options.EmbeddingLatencyMs);
        Assert.Equal("Patched.", server.Options.Reply);
        var shown = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(20, shown.GetProperty("chatLatencyMs").GetInt32());
    }

    [Fact]
    public async Task InvalidConfigPatchIsRejectedAndChangesNothing()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var http = Http(server);

        using var negative = await http.PostAsJsonAsync("_fake/config", new { chatLatencyMs = 50, streamChunkDelayMs = -1 }, Ct);
        using var unknown = await http.PostAsJsonAsync("_fake/config", new { chatLatencyMs = 50, latency = 5 }, Ct);
        using var badFault = await http.PostAsJsonAsync("_fake/config", new { chatLatencyMs = 50, fault = new { kind = "Status", statusCode = 200 } }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Contains("StreamChunkDelayMs", await negative.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("latency", await unknown.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.BadRequest, badFault.StatusCode);
        Assert.Contains("StatusCode", await badFault.Content.ReadAsStringAsync(Ct));
        Assert.Equal(0, server.Options.ChatLatencyMs);
        Assert.Null(server.Options.Fault);
    }

    [Fact]
    public async Task FaultSetOverHttpStrikesTheNextRequestOnly()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var http = Http(server);
        var chat = AnthropicChat(server);

        using var set = await http.PostAsJsonAsync("_fake/config", new { fault = new { kind = "status", statusCode = 529, count = 1, path = "/v1/messages" } }, Ct);
        set.EnsureSuccessStatusCode();

        var error = await Assert.ThrowsAsync<global::Anthropic.Exceptions.AnthropicOverloadedException>(() => chat.GetResponseAsync("one", cancellationToken: Ct));
        var second = await chat.GetResponseAsync("two", cancellationToken: Ct);

        Assert.Equal(529, (int)error.StatusCode);
        Assert.Equal("Echo: two", second.Text);
        Assert.Equal(new FakeFault { Kind = FaultKind.Status, StatusCode = 529, Count = 1, Path = "/v1/messages" }, server.Options.Fault);
    }

    [Fact]
    public async Task FaultIsClearedWithNullAndKeptWhenLeftOut()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Fault = FakeFault.Status(500).ForNext(3) }, Ct);
        using var http = Http(server);
        await Assert.ThrowsAnyAsync<Exception>(() => OpenAiChat(server).GetResponseAsync("hi", cancellationToken: Ct));

        (await http.PostAsJsonAsync("_fake/config", new { chatLatencyMs = 1 }, Ct)).Dispose();
        var remainingAfterUnrelatedChange = server.Options.RemainingFaults;
        using var clear = await http.PostAsync("_fake/config", JsonContent.Create(JsonDocument.Parse("""{"fault":null}""").RootElement), Ct);

        Assert.Equal(2, remainingAfterUnrelatedChange);
        clear.EnsureSuccessStatusCode();
        Assert.Null(server.Options.Fault);
    }

    [Fact]
    public async Task RecordedRequestsAreServedOverHttp()
    {
        await using var server = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        using var http = Http(server);
        await OpenAiChat(server).GetResponseAsync("remember me", cancellationToken: Ct);

        var requests = await http.GetFromJsonAsync<JsonElement>("_fake/requests", Ct);

        var request = Assert.Single(requests.EnumerateArray());
        Assert.Equal("/v1/chat/completions", request.GetProperty("path").GetString());
        Assert.Equal("Bearer test", request.GetProperty("headers").GetProperty("Authorization").GetString());
        Assert.Contains("remember me", request.GetProperty("body").GetProperty("messages").GetRawText());
    }

    [Fact]
    public async Task RecordingKeepsOnlyTheMostRecentRequests()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { RecordedRequestLimit = 2 }, Ct);
        var chat = OpenAiChat(server);

        foreach (var prompt in new[] { "first", "second", "third" })
        {
            await chat.GetResponseAsync(prompt, cancellationToken: Ct);
        }

        Assert.Equal(
            ["second", "third"],
            server.Requests.Select(r => r.Body!.Value.GetProperty("messages")[0].GetProperty("content").GetString()));
    }

    [Fact]
    public async Task ResetRestoresStartUpOptionsAndForgetsRequests()
    {
        await using var server = await FakeUpstreamServer.StartAsync(new FakeUpstreamOptions { Reply = "Start-up reply." }, Ct);
        using var http = Http(server);
        await OpenAiChat(server).GetResponseAsync("hi", cancellationToken: Ct);
        server.Options.Reply = null;
        server.Options.Fault = FakeFault.Hang();

        using var reset = await http.PostAsync("_fake/reset", null, Ct);

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal("Start-up reply.", server.Options.Reply);
        Assert.Null(server.Options.Fault);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void OptionsBindFromCommandLineStyleConfiguration()
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(
        [
            "--FakeUpstream:ChatLatencyMs=100",
            "--FakeUpstream:EmbeddingLatencyMs=10",
            "--FakeUpstream:Fault:Kind=CutConnection",
            "--FakeUpstream:Fault:Count=2",
        ]).Build();

        var options = FakeUpstreamOptions.FromConfiguration(configuration.GetSection(FakeUpstreamOptions.SectionName));

        Assert.Equal(100, options.ChatLatencyMs);
        Assert.Equal(10, options.EmbeddingLatencyMs);
        Assert.Equal(384, options.EmbeddingDimensions);
        Assert.Equal(FakeFault.CutConnection(afterChunks: 1).ForNext(2), options.Fault);
    }

    [Fact]
    public void MisspelledOrInvalidSettingFailsNamingIt()
    {
        var misspelled = new ConfigurationBuilder().AddInMemoryCollection([new("FakeUpstream:ChatLatency", "100")]).Build();
        var negative = new ConfigurationBuilder().AddInMemoryCollection([new("FakeUpstream:FirstByteDelayMs", "-5")]).Build();

        var unknown = Assert.Throws<InvalidOperationException>(() => FakeUpstreamOptions.FromConfiguration(misspelled.GetSection("FakeUpstream")));
        var outOfRange = Assert.Throws<InvalidOperationException>(() => FakeUpstreamOptions.FromConfiguration(negative.GetSection("FakeUpstream")));

        Assert.Contains("ChatLatency", unknown.Message);
        Assert.Contains("FirstByteDelayMs", outOfRange.Message);
    }
}
