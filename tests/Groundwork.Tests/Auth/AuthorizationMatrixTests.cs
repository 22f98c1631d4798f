using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.Auth;

/// <summary>
/// Every endpoint the service maps (read from its endpoint data source, so new ones are included) × every key state ×
/// every role, through real HTTP: 401 with a Bearer challenge for a missing, malformed, unknown, expired or revoked key;
/// 403 problem details for a valid key without the right; anything else for a key with it.
/// </summary>
public sealed partial class AuthorizationMatrixTests : IAsyncLifetime
{
    /// <summary>What each endpoint needs. A new endpoint must be added here: the matrix cannot guess its rule.</summary>
    private static readonly Dictionary<string, Right> Rights = new()
    {
        ["POST /generate"] = Right.Reader,
        ["GET /models"] = Right.Reader,
        ["POST /embeddings"] = Right.Reader,
        ["POST /search"] = Right.Reader,
        ["GET /documents"] = Right.Reader,
        ["GET /documents/stats"] = Right.Reader,
        ["GET /documents/{id}"] = Right.Reader,
        ["GET /documents/{id}/chunks"] = Right.Reader,
        ["POST /documents"] = Right.Editor,
        ["DELETE /documents/{id}"] = Right.Editor,
        ["GET /me"] = Right.Reader,
        ["GET /users/{id}/keys"] = Right.Reader,
        ["POST /users/{id}/keys"] = Right.Writer,
        ["DELETE /keys/{id}"] = Right.Writer,
        ["GET /users"] = Right.Admin,
        ["GET /users/{id}"] = Right.Admin,
        ["POST /users"] = Right.AdminWriter,
        ["PATCH /users/{id}"] = Right.AdminWriter,
        ["GET /audit"] = Right.Admin,
        ["GET /usage"] = Right.Admin,
        ["GET /tenants"] = Right.Operator,
        ["GET /metrics"] = Right.Operator,
        ["GET /tenants/{id}"] = Right.Operator,
        ["POST /tenants"] = Right.OperatorWriter,
        ["PATCH /tenants/{id}"] = Right.OperatorWriter,
        ["GET /v1/models"] = Right.Reader,
        ["GET /v1/models/{**id}"] = Right.Reader,
        ["POST /v1/embeddings"] = Right.Reader,
        ["POST /v1/chat/completions"] = Right.Reader,
        ["POST /v1/responses"] = Right.Reader,
    };

    // The matrix sends hundreds of requests without a valid key from one address: more than the per-address limit allows.
    private readonly GroundworkApp _app = new(new Dictionary<string, string?> { ["RateLimits:UnauthenticatedBurst"] = "1000000" });
    private readonly List<Principal> _principals = [];
    private readonly List<(string Name, string? Authorization)> _refused = [];
    private HttpClient _client = null!;

    private enum Right { Reader, Editor, Writer, Admin, AdminWriter, Operator, OperatorWriter }

    private sealed record Principal(string Name, string Key, long UserId, long TenantId, string Role, bool ReadOnly, bool Operator);

    private sealed record Route(string Method, string Template, bool Anonymous)
    {
        public string Name => $"{Method} {Template}";
    }

    public async ValueTask InitializeAsync()
    {
        _client = _app.CreateClient();
        _client.DefaultRequestHeaders.Authorization = null;
        var (operatorId, operatorTenant) = await _app.OperatorAsync();
        _principals.Add(new Principal("operator", _app.OperatorKey, operatorId, operatorTenant, "admin", false, true));
        _principals.Add(new Principal("operator read-only", (await _app.AddKeyAsync(operatorId, readOnly: true)).Key, operatorId, operatorTenant, "admin", true, true));
        _refused.Add(("expired operator", $"Bearer {(await _app.AddKeyAsync(operatorId, expiresAt: DateTime.UtcNow.AddMinutes(-1))).Key}"));
        foreach (var role in new[] { "reader", "editor", "admin" })
        {
            using var user = await _app.CreateTenantClientAsync(role);
            _principals.Add(new Principal(role, user.Key, user.UserId, user.TenantId, role, false, false));
            _principals.Add(new Principal($"{role} read-only", (await _app.AddKeyAsync(user.UserId, readOnly: true)).Key, user.UserId, user.TenantId, role, true, false));
            _refused.Add(($"expired {role}", $"Bearer {(await _app.AddKeyAsync(user.UserId, expiresAt: DateTime.UtcNow.AddSeconds(-1))).Key}"));
        }

        // Revoked through the API after a successful request, so the revocation has to reach the key cache.
        foreach (var principal in _principals.Where(p => !p.ReadOnly).ToList())
        {
            var (keyId, key) = await _app.AddKeyAsync(principal.UserId);
            using var holder = _app.ClientWithKey(key);
            Assert.Equal(HttpStatusCode.OK, (await holder.GetAsync("/me", TestContext.Current.CancellationToken)).StatusCode);
            using var operatorClient = _app.CreateClient();
            Assert.Equal(HttpStatusCode.NoContent, (await operatorClient.DeleteAsync($"/keys/{keyId}", TestContext.Current.CancellationToken)).StatusCode);
            _refused.Add(($"revoked {principal.Name}", $"Bearer {key}"));
        }

        _refused.Add(("no key", null));
        _refused.Add(("malformed", "Bearer not-a-key"));
        _refused.Add(("bearer without key", "Bearer "));
        _refused.Add(("another scheme", $"Basic {Convert.ToBase64String(Encoding.ASCII.GetBytes("admin:admin"))}"));
        _refused.Add(("unknown", $"Bearer {Groundwork.Auth.ApiKeyFormat.New()}"));
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public void EveryEndpointHasAKnownRuleAndOnlyProbesDocsAndConsolePagesAreAnonymous()
    {
        var routes = Routes();
        var anonymous = routes.Where(r => r.Anonymous).Select(r => r.Template).ToList();
        // Besides probes and docs, only the web console's pages (at / and under /console/) and its Blazor endpoints: its
        // pages load without a key and then call the API with the one the user signs in with.
        Assert.All(anonymous, template => Assert.Matches("^/(health/|openapi/|docs|console/|_blazor|_framework/|$)", template));
        Assert.Contains("/health/live", anonymous);
        var unclassified = routes.Where(r => !r.Anonymous && !Rights.ContainsKey(r.Name)).Select(r => r.Name).ToList();
        Assert.True(unclassified.Count == 0, $"add these endpoints to {nameof(Rights)}: {string.Join(", ", unclassified)}");
        Assert.Empty(Rights.Keys.Except(routes.Select(r => r.Name)));
    }

    [Fact]
    public async Task EveryEndpointRefusesRequestsWithoutAValidKeyWithABearerChallenge()
    {
        var failures = new List<string>();
        foreach (var route in Routes().Where(r => !r.Anonymous))
        {
            foreach (var (name, authorization) in _refused)
            {
                using var response = await SendAsync(route, authorization, ownUserId: 1, ownTenantId: 1);
                var challenge = response.Headers.WwwAuthenticate.ToString();
                if (response.StatusCode != HttpStatusCode.Unauthorized || !challenge.StartsWith("Bearer", StringComparison.Ordinal)
                    || response.Content.Headers.ContentType?.MediaType != ErrorMediaType(route))
                {
                    failures.Add($"{route.Name} with {name}: {(int)response.StatusCode}, WWW-Authenticate '{challenge}'");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task EveryEndpointAllowsExactlyTheRolesItsRuleNames()
    {
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var route in Routes().Where(r => !r.Anonymous && Rights.ContainsKey(r.Name)))
        {
            foreach (var principal in _principals)
            {
                var allowed = Allows(Rights[route.Name], principal);
                using var response = await SendAsync(route, $"Bearer {principal.Key}", principal.UserId, principal.TenantId);
                var status = (int)response.StatusCode;
                checkedCount++;
                if (allowed ? status is 401 or 403 || status >= 500 : status != 403 || response.Content.Headers.ContentType?.MediaType != ErrorMediaType(route))
                {
                    failures.Add($"{route.Name} as {principal.Name}: {status} (expected {(allowed ? "allowed" : "403 problem")})");
                }
            }
        }

        Assert.True(checkedCount >= Rights.Count * _principals.Count, $"only {checkedCount} requests made");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/docs/")]
    public async Task ProbesAndDocsNeedNoKey(string path)
    {
        var response = await _client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>The OpenAI-compatible API answers errors in OpenAI's JSON shape, the rest of Groundwork as problem details.</summary>
    private static string ErrorMediaType(Route route) => route.Template.StartsWith("/v1/", StringComparison.Ordinal) ? "application/json" : "application/problem+json";

    private static bool Allows(Right right, Principal p) => right switch
    {
        Right.Reader => true,
        Right.Editor => !p.ReadOnly && p.Role is "editor" or "admin",
        Right.Writer => !p.ReadOnly,
        Right.Admin => p.Role == "admin",
        Right.AdminWriter => p.Role == "admin" && !p.ReadOnly,
        Right.Operator => p.Operator,
        Right.OperatorWriter => p.Operator && !p.ReadOnly,
        _ => throw new ArgumentOutOfRangeException(nameof(right)),
    };

    private List<Route> Routes() =>
    [
        .. _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(method => new Route(
                method, "/" + Parameter().Replace(endpoint.RoutePattern.RawText!.Trim('/'), "{$1}"),
                endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)))
            .Distinct(),
    ];

    private async Task<HttpResponseMessage> SendAsync(Route route, string? authorization, long ownUserId, long ownTenantId)
    {
        // Own ids, so that an allowed request reaches its handler's rules; other ids are unknown (404).
        var path = route.Template.Replace("/users/{id}", $"/users/{ownUserId}").Replace("/tenants/{id}", $"/tenants/{ownTenantId}")
            .Replace("{id}", "987654321098");
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        if (route.Method is "POST" or "PATCH" or "PUT")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await _client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>A route parameter with its constraints, which the templates above leave out.</summary>
    [GeneratedRegex(@"\{([^}:=?]+)[^}]*\}")]
    private static partial Regex Parameter();
}
