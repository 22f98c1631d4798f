using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Groundwork.Tests.Hosting;

/// <summary>HEAD is answered like GET, without the body, on every GET route.</summary>
public sealed class HeadRequestTests : AppTest
{
    // The test client's redirect handler would follow /docs's redirect with a GET; a real client keeps HEAD.
    private HttpClient Unredirected => field ??= App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HeadAnswersLikeGetWithoutABodyOnEveryGetRoute()
    {
        var user = await Client.PostAsJsonAsync("/users", new { email = "head@example.com", name = "Head" }, GroundworkApp.Json, Cancellation);
        var userId = (await user.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("id").GetInt64();
        var documentId = await App.AddDocumentAsync("Head", "A document to read with HEAD.");
        var tenantId = (await Client.GetFromJsonAsync<JsonElement>("/me", Cancellation)).GetProperty("tenant").GetProperty("id").GetInt64();

        var document = await Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Cancellation);
        var routes = document.GetProperty("paths").EnumerateObject()
            .Where(path => path.Value.TryGetProperty("get", out _))
            .Select(path => path.Name.Replace("/documents/{id}", $"/documents/{documentId}").Replace("/users/{id}", $"/users/{userId}")
                .Replace("/tenants/{id}", $"/tenants/{tenantId}").Replace("/v1/models/{id}", "/v1/models/local"))
            .Concat(["/health/live", "/health/ready", "/openapi/v1.json", "/docs", "/docs/"])
            .ToList();
        Assert.Contains("/documents/stats", routes);

        foreach (var route in routes)
        {
            Assert.DoesNotContain('{', route);
            var get = await Unredirected.GetAsync(route, Cancellation);
            Assert.True((int)get.StatusCode < 400, $"GET {route} answered {(int)get.StatusCode}");
            await AssertHeadMatchesAsync(route, get);
        }
    }

    [Fact]
    public async Task HeadOfAMissingResourceIsNotFoundWithoutABody()
    {
        var get = await Client.GetAsync("/users/987654", Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        await AssertHeadMatchesAsync("/users/987654", get);
    }

    [Fact]
    public async Task HeadOfAPostOnlyRouteIsStillMethodNotAllowed()
    {
        var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/generate"), Cancellation);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, head.StatusCode);
        Assert.Equal(["POST"], head.Content.Headers.Allow);
    }

    private async Task AssertHeadMatchesAsync(string route, HttpResponseMessage get)
    {
        var head = await Unredirected.SendAsync(new HttpRequestMessage(HttpMethod.Head, route), Cancellation);
        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.True((await head.Content.ReadAsByteArrayAsync(Cancellation)).Length == 0, $"HEAD {route} has a body");
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Equal(Headers(get), Headers(head));
    }

    private static Dictionary<string, string> Headers(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers)
            // RateLimit says what is left of the key's request bucket, one less after every request, HEAD or GET.
            .Where(header => header.Key is not ("Date" or "Content-Length" or "RateLimit"))
            .ToDictionary(header => header.Key, header => string.Join(", ", header.Value));
}
