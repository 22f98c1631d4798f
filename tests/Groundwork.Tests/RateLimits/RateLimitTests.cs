using System.Net;
using System.Net.Http.Headers;
using Groundwork.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.RateLimits;

/// <summary>Request rates per key and per address, with buckets small and slow enough (one permit per 1000 s) that refills cannot happen during a test.</summary>
public sealed class RateLimitTests
{
    private const long OverriddenTenant = 4_200_000_001;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static GroundworkApp TinyBuckets() => new(new Dictionary<string, string?>
    {
        ["RateLimits:PermitsPerSecond"] = "0.001",
        ["RateLimits:Burst"] = "2",
        [$"RateLimits:Tenants:{OverriddenTenant}:Burst"] = "4",
        ["RateLimits:UnauthenticatedPermitsPerSecond"] = "0.001",
        ["RateLimits:UnauthenticatedBurst"] = "3",
    });

    [Fact]
    public async Task KeyOverItsBucketIsA429WithRetryAfterAndOtherKeysGoOn()
    {
        await using var app = TinyBuckets();
        using var first = await app.CreateTenantClientAsync("reader");
        using var second = await app.CreateTenantClientAsync("reader", first.TenantId);

        var allowed = await first.Http.GetAsync("/documents", Ct);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Contains("\"requests\";q=2;w=2000", allowed.Headers.GetValues("RateLimit-Policy"));
        Assert.Contains(allowed.Headers.GetValues("RateLimit"), v => v.StartsWith("\"requests\";r=1;", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, (await first.Http.GetAsync("/documents", Ct)).StatusCode);

        var refused = await first.Http.GetAsync("/documents", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.InRange(refused.Headers.RetryAfter.Delta.Value.TotalSeconds, 1, 1000);
        Assert.Contains(refused.Headers.GetValues("RateLimit"), v => v.StartsWith("\"requests\";r=0;", StringComparison.Ordinal));
        // The limit is on every API group, not only the one used up.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await first.Http.PostAsync("/search", JsonContent("{\"query\":\"x\"}"), Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await second.Http.GetAsync("/documents", Ct)).StatusCode);
    }

    [Fact]
    public async Task TenantOverrideSetsItsKeysBuckets()
    {
        await using var app = TinyBuckets();
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
            db.Tenants.Add(new TenantEntity { Id = OverriddenTenant, Name = "overridden", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Ct);
        }

        using var client = await app.CreateTenantClientAsync("reader", OverriddenTenant);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync("/documents", Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.Http.GetAsync("/documents", Ct)).StatusCode);
    }

    [Fact]
    public async Task BadKeysAreLimitedPerAddressBeforeTheyAreAnswered401()
    {
        await using var app = TinyBuckets();
        using var guesser = app.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            guesser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Groundwork.Auth.ApiKeyFormat.New());
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("/documents", Ct)).StatusCode);
        }

        guesser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Groundwork.Auth.ApiKeyFormat.New());
        var refused = await guesser.GetAsync("/documents", Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        // Even the right key is not tried from this address now: nothing is learnt from a guess while limited.
        using var keyless = app.CreateClient();
        keyless.DefaultRequestHeaders.Authorization = null;
        Assert.Equal(HttpStatusCode.TooManyRequests, (await keyless.GetAsync("/documents", Ct)).StatusCode);

        // Valid keys have their own buckets and go on; the health probes are not limited.
        using var valid = await app.CreateTenantClientAsync("reader");
        Assert.Equal(HttpStatusCode.OK, (await valid.Http.GetAsync("/documents", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await keyless.GetAsync("/health/live", Ct)).StatusCode);
    }

    [Fact]
    public async Task InvalidRateLimitSettingStopsStartUpNamingIt()
    {
        await using var app = new GroundworkApp(new Dictionary<string, string?> { ["RateLimits:Tenants:not-a-tenant:Burst"] = "0" });
        var failure = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("RateLimits:Tenants:not-a-tenant", failure.ToString());
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
