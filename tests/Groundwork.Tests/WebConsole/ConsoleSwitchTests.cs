using System.Net;

namespace Groundwork.Tests.WebConsole;

public sealed class ConsoleSwitchTests
{
    [Fact]
    public async Task TheConsoleIsServedAtTheRootUnlessTurnedOff()
    {
        var cancellation = TestContext.Current.CancellationToken;
        await using (var on = new GroundworkApp())
        {
            using var client = on.CreateClient();
            using var page = await client.GetAsync("/", cancellation);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            using var script = await client.GetAsync("/_framework/blazor.web.js", cancellation);
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        }

        await using var off = new GroundworkApp(new Dictionary<string, string?> { ["Console:Enabled"] = "false" });
        using var offClient = off.CreateClient();
        using var root = await offClient.GetAsync("/", cancellation);
        Assert.Equal(HttpStatusCode.NotFound, root.StatusCode);
        Assert.Equal("application/problem+json", root.Content.Headers.ContentType?.MediaType);
        using var generate = await offClient.PostAsync("/generate", new StringContent("{\"text\":\"hi\",\"model\":\"local\"}",
            System.Text.Encoding.UTF8, "application/json"), cancellation);
        Assert.Equal(HttpStatusCode.OK, generate.StatusCode);
    }
}
