using System.Text.Json;
using Groundwork.FakeUpstream;

namespace Groundwork.Tests.Documents;

/// <summary>The heading path of each passage reaches a provider's model, through the real OpenAI SDK and the fake upstream.</summary>
public sealed class HeadingPathPromptTests : IAsyncLifetime
{
    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        _app = new GroundworkApp(GroundworkApp.UpstreamSettings(_upstream));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task PromptNamesEachPassagesSectionHtmlEncoded()
    {
        await _app.AddDocumentAsync("Service manual",
            "# Service Manual\n\n## Installation\n\n### Wiring & \"Fuses\"\n\nThe red wire goes to terminal L1 and the blue wire to terminal N.");
        await _app.AddDocumentAsync("Canteen", "The canteen on the ground floor serves lentil soup on Thursdays.");

        var answer = await _app.GenerateAsync(new { text = "Which terminal does the red wire go to?", model = "gpt-4" });

        var sources = answer.GetProperty("sources");
        Assert.Equal("Service Manual › Installation › Wiring & \"Fuses\"", sources[0].GetProperty("heading_path").GetString());
        var user = _upstream.Requests.Single(r => r.Path == "/v1/chat/completions").Body!.Value.GetProperty("messages")[1].GetProperty("content");
        var prompt = user.ValueKind == JsonValueKind.String
            ? user.GetString()!
            : string.Concat(user.EnumerateArray().Select(part => part.GetProperty("text").GetString()));
        Assert.Contains("<passage number=\"1\" title=\"Service manual\" section=\"Service Manual › Installation › Wiring &amp; &quot;Fuses&quot;\">", prompt);
        Assert.Contains("<passage number=\"2\" title=\"Canteen\">", prompt);
    }
}
