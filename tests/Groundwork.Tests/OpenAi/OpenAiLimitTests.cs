using System.Net;
using System.Net.Http.Json;
using Groundwork.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Groundwork.Tests.OpenAi.OpenAiErrorAssertions;

namespace Groundwork.Tests.OpenAi;

/// <summary>The key's request rate and the tenant's token budget refuse /v1 requests as OpenAI's 429s, with Groundwork's headers kept.</summary>
public sealed class OpenAiLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KeyOverItsRequestRateIs429RateLimitExceededWithRetryAfter()
    {
        // One permit per 1000 s: no refill can happen during the test.
        await using var app = new GroundworkApp(new Dictionary<string, string?>
        {
            ["RateLimits:PermitsPerSecond"] = "0.001",
            ["RateLimits:Burst"] = "2",
        });
        using var reader = await app.CreateTenantClientAsync("reader");
        Assert.Equal(HttpStatusCode.OK, (await reader.Http.GetAsync("/v1/models", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.Http.GetAsync("/v1/models", Ct)).StatusCode);

        var refused = await reader.Http.GetAsync("/v1/models", Ct);

        var error = await ErrorAsync(refused, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("request rate", error.GetProperty("message").GetString());
        Assert.InRange(refused.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0, 1, 1000);
        Assert.Contains(refused.Headers.GetValues("RateLimit"), v => v.StartsWith("\"requests\";r=0;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExhaustedTokenBudgetIs429InsufficientQuotaNamingTheBudget()
    {
        await using var app = new GroundworkApp();
        using var reader = await app.CreateTenantClientAsync("reader");
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<GroundworkDbContext>().Tenants.Where(t => t.Id == reader.TenantId)
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.BudgetTokens, 5L).SetProperty(t => t.BudgetPeriod, BudgetPeriod.Day), Ct);
        }

        var refused = await reader.Http.PostAsJsonAsync("/v1/embeddings", new { input = "a text longer than five tokens of budget allow" }, Ct);

        var error = await ErrorAsync(refused, HttpStatusCode.TooManyRequests, "insufficient_quota");
        Assert.Equal("insufficient_quota", error.GetProperty("code").GetString());
        Assert.Equal("tenant", error.GetProperty("limit").GetString());
        Assert.Equal(5, error.GetProperty("budget_tokens").GetInt64());
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Contains(refused.Headers.GetValues("RateLimit"), v => v.StartsWith("\"tenant-tokens\";", StringComparison.Ordinal));
    }
}
