using System.Net;
using Microsoft.Extensions.Options;

namespace Groundwork.Tests.Hosting;

public sealed class SecurityHeadersTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("GET", "/health/live", HttpStatusCode.OK)]
    [InlineData("GET", "/docs/", HttpStatusCode.OK)]
    [InlineData("GET", "/me", HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/documents/123456", HttpStatusCode.NotFound)]
    [InlineData("POST", "/generate", HttpStatusCode.UnprocessableEntity)]
    public async Task EveryAnswerCarriesTheSecurityHeaders(string method, string path, HttpStatusCode expected)
    {
        await using var app = new GroundworkApp();
        using var client = app.CreateClient();
        if (expected == HttpStatusCode.Unauthorized)
        {
            client.DefaultRequestHeaders.Authorization = null;
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        var response = await client.SendAsync(request, Cancellation);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task CrossOriginCallsAreRefusedUnlessTheOriginIsConfigured()
    {
        await using var closed = new GroundworkApp();
        using var closedClient = closed.CreateClient();
        Assert.False((await closedClient.SendAsync(Preflight("https://console.example.com"), Cancellation)).Headers.Contains("Access-Control-Allow-Origin"));

        await using var open = new GroundworkApp(new Dictionary<string, string?> { ["Cors:Origins:0"] = "https://console.example.com" });
        using var openClient = open.CreateClient();
        var allowed = await openClient.SendAsync(Preflight("https://console.example.com"), Cancellation);
        Assert.True(allowed.IsSuccessStatusCode, $"preflight answered {(int)allowed.StatusCode}");
        Assert.Equal("https://console.example.com", Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.False((await openClient.SendAsync(Preflight("https://evil.example.com"), Cancellation)).Headers.Contains("Access-Control-Allow-Origin"));

        using var get = new HttpRequestMessage(HttpMethod.Get, "/me");
        get.Headers.Add("Origin", "https://console.example.com");
        var answered = await openClient.SendAsync(get, Cancellation);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("https://console.example.com", Assert.Single(answered.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Fact]
    public async Task AnOriginThatIsNotOneStopsTheServiceNamingTheSetting()
    {
        await using var app = new GroundworkApp(new Dictionary<string, string?> { ["Cors:Origins:0"] = "https://console.example.com/app" });
        var failure = Assert.ThrowsAny<OptionsValidationException>(() => app.CreateClient());
        Assert.Contains("Cors:Origins:0", failure.Message);
        await Task.CompletedTask;
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/generate");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");
        return request;
    }
}
