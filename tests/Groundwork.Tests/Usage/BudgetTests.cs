using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.FakeUpstream;
using Groundwork.Generation;
using Groundwork.Infrastructure;
using Groundwork.Models;
using Groundwork.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.Usage;

/// <summary>Token budgets over real HTTP, with calls held at the fake upstream so that they are truly in flight together.</summary>
public sealed class BudgetTests : IAsyncLifetime
{
    private const string Question = "How is the reactor cooled?";
    private const int MaxTokens = 50;

    private FakeUpstreamServer _upstream = null!;
    private GroundworkApp _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync(cancellationToken: Ct);
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        // No documents: every call asks the model with the same prompt, so its worst case is known exactly.
        settings["Generation:WhenNothingRelevant"] = "ask_model";
        _app = new GroundworkApp(settings);
    }

    public async ValueTask DisposeAsync()
    {
        _upstream.ReleaseChat();
        await _app.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    /// <summary>What the service reserves for one call of <see cref="Question"/> on gpt-4 with <see cref="MaxTokens"/>.</summary>
    private long WorstCase() => _app.Services.GetRequiredService<PromptTokenEstimator>()
        .WorstCase(ModelProvider.OpenAI, GroundedPrompt.Build(Question, []), MaxTokens);

    /// <summary>Sets the budgets as the operator does, through the API (which also evicts the keys' cached lookups).</summary>
    private async Task SetBudgetsAsync(long tenantId, long? tenantTokens, long? userId = null, long? userTokens = null, BudgetPeriod period = BudgetPeriod.Day)
    {
        using var operatorClient = _app.CreateClient();
        var tenant = await operatorClient.PatchAsJsonAsync($"/tenants/{tenantId}", new { budget = Setting(tenantTokens) }, GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, tenant.StatusCode);
        if (userId is not null)
        {
            var user = await operatorClient.PatchAsJsonAsync($"/users/{userId}", new { budget = Setting(userTokens) }, GroundworkApp.Json, Ct);
            Assert.Equal(HttpStatusCode.OK, user.StatusCode);
        }

        object? Setting(long? tokens) => tokens is { } t ? new { tokens = t, period = period == BudgetPeriod.Day ? "day" : "month" } : null;
    }

    private static Task<HttpResponseMessage> GenerateAsync(HttpClient client, CancellationToken cancellationToken) =>
        client.PostAsJsonAsync("/generate", new { text = Question, model = "gpt-4", max_tokens = MaxTokens }, GroundworkApp.Json, cancellationToken);

    private async Task<JsonElement> UsageAsync(long tenantId)
    {
        using var operatorClient = _app.CreateClient();
        return await operatorClient.GetFromJsonAsync<JsonElement>($"/usage?tenant_id={tenantId}", GroundworkApp.Json, Ct);
    }

    [Fact]
    public async Task HundredConcurrentCallsSpendAtMostTheBudgetAndTheRestAreRefused()
    {
        using var tenant = await _app.CreateTenantClientAsync("reader");
        var worstCase = WorstCase();
        // Ten worst cases fit, an eleventh does not.
        var budget = 10 * worstCase + worstCase / 2;
        await SetBudgetsAsync(tenant.TenantId, budget);
        _upstream.HoldChat();

        var calls = Enumerable.Range(0, 100).Select(_ => GenerateAsync(tenant.Http, Ct)).ToList();

        // Ten calls reach the model and are held there; every other one is refused while they hold their reservations.
        await _upstream.WaitForHeldChatAsync(10, Ct);
        var pending = calls.ToHashSet();
        var refused = new List<HttpResponseMessage>();
        // Only a bound on failure (calls admitted past the budget would be held too and never answer), not a synchronisation.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(120));
        while (refused.Count < 90)
        {
            var done = await Task.WhenAny(pending).WaitAsync(deadline.Token);
            pending.Remove(done);
            refused.Add(await done);
        }

        Assert.All(refused, r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        Assert.Equal(10, pending.Count);
        Assert.All(pending, call => Assert.False(call.IsCompleted));

        _upstream.ReleaseChat();
        var answered = await Task.WhenAll(pending);
        Assert.All(answered, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        long spentByAnswers = 0;
        foreach (var response in answered)
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct);
            var used = body.GetProperty("usage").GetProperty("total_tokens").GetInt64();
            Assert.InRange(used, 1, worstCase);
            spentByAnswers += used;
        }

        var usage = await UsageAsync(tenant.TenantId);
        Assert.Equal(10, usage.GetProperty("total").GetProperty("requests").GetInt64());
        Assert.Equal(spentByAnswers, usage.GetProperty("total").GetProperty("total_tokens").GetInt64());
        Assert.True(spentByAnswers <= budget);
        var problem = await refused[0].Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct);
        Assert.Equal(worstCase, problem.GetProperty("requested_tokens").GetInt64());
    }

    [Fact]
    public async Task CancelledCallGivesItsReservationBack()
    {
        using var tenant = await _app.CreateTenantClientAsync("reader");
        // Room for exactly one call in flight.
        await SetBudgetsAsync(tenant.TenantId, WorstCase() + 1);
        _upstream.HoldChat();
        using var clientGone = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var held = GenerateAsync(tenant.Http, clientGone.Token);
        await _upstream.WaitForHeldChatAsync(1, Ct);

        // While it is held, its reservation leaves no room for another.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await GenerateAsync(tenant.Http, Ct)).StatusCode);

        await clientGone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);
        _upstream.ReleaseChat();

        // The service records the cancelled call after releasing its reservation; wait for that record.
        while ((await UsageAsync(tenant.TenantId)).GetProperty("total").GetProperty("requests").GetInt64() == 0)
        {
        }

        var usage = await UsageAsync(tenant.TenantId);
        Assert.Equal(0, usage.GetProperty("total").GetProperty("total_tokens").GetInt64());
        var next = await GenerateAsync(tenant.Http, Ct);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        // GET /usage waits for the records queued so far to be written.
        Assert.Equal(2, (await UsageAsync(tenant.TenantId)).GetProperty("total").GetProperty("requests").GetInt64());
        using var scope = _app.Services.CreateScope();
        var statuses = await scope.ServiceProvider.GetRequiredService<GroundworkDbContext>().UsageRecords
            .Where(r => r.TenantId == tenant.TenantId).OrderBy(r => r.Id).Select(r => r.Status).ToListAsync(Ct);
        Assert.Equal(["cancelled", "ok"], statuses);
    }

    [Fact]
    public async Task FailedCallIsRecordedAndCostsNothing()
    {
        using var tenant = await _app.CreateTenantClientAsync("reader");
        await SetBudgetsAsync(tenant.TenantId, WorstCase() + 1);
        _upstream.Options.Fault = FakeFault.Status(500).ForNext(1);

        Assert.Equal(HttpStatusCode.BadGateway, (await GenerateAsync(tenant.Http, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GenerateAsync(tenant.Http, Ct)).StatusCode);

        await UsageAsync(tenant.TenantId);
        using var scope = _app.Services.CreateScope();
        var records = await scope.ServiceProvider.GetRequiredService<GroundworkDbContext>().UsageRecords
            .Where(r => r.TenantId == tenant.TenantId).OrderBy(r => r.Id).ToListAsync(Ct);
        Assert.Equal(["failed", "ok"], records.Select(r => r.Status));
        Assert.Equal(0, records[0].TotalTokens);
        Assert.All(records, r => Assert.Equal("gpt-4", r.Model));
        Assert.All(records, r => Assert.Equal(tenant.UserId, r.UserId));
        Assert.All(records, r => Assert.True(r.KeyId > 0));
        Assert.All(records, r => Assert.True(r.LatencyMs >= 0));
        Assert.True(records[1].PromptTokens > 0 && records[1].CompletionTokens > 0);
        Assert.Equal(records[1].PromptTokens + records[1].CompletionTokens, records[1].TotalTokens);
    }

    [Fact]
    public async Task UserBudgetIsSpentWithinTheTenants()
    {
        using var first = await _app.CreateTenantClientAsync("reader");
        using var second = await _app.CreateTenantClientAsync("reader", first.TenantId);
        var worstCase = WorstCase();
        // The first user may make one call a day; the tenant has room for many.
        await SetBudgetsAsync(first.TenantId, 100 * worstCase, first.UserId, worstCase + 1);

        Assert.Equal(HttpStatusCode.OK, (await GenerateAsync(first.Http, Ct)).StatusCode);
        var refused = await GenerateAsync(first.Http, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct);
        Assert.Equal("user", problem.GetProperty("limit").GetString());
        // The other user of the tenant has no budget of their own: only the tenant's applies.
        Assert.Equal(HttpStatusCode.OK, (await GenerateAsync(second.Http, Ct)).StatusCode);

        // A user's budget larger than the tenant's does not let them spend past the tenant's.
        using var third = await _app.CreateTenantClientAsync("reader");
        await SetBudgetsAsync(third.TenantId, worstCase + 1, third.UserId, 100 * worstCase);
        Assert.Equal(HttpStatusCode.OK, (await GenerateAsync(third.Http, Ct)).StatusCode);
        var overTenant = await GenerateAsync(third.Http, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, overTenant.StatusCode);
        Assert.Equal("tenant", (await overTenant.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("limit").GetString());
    }

    [Fact]
    public async Task OverBudgetIsA429NamingTheLimitWhatRemainsAndWhenItResets()
    {
        using var tenant = await _app.CreateTenantClientAsync("reader");
        var worstCase = WorstCase();
        var budget = worstCase + worstCase / 2;
        await SetBudgetsAsync(tenant.TenantId, budget);

        var first = await GenerateAsync(tenant.Http, Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var used = (await first.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("usage").GetProperty("total_tokens").GetInt64();
        Assert.Contains($"\"tenant-tokens\";q={budget};w=86400;qu=\"tokens\"", first.Headers.GetValues("RateLimit-Policy"));
        Assert.Contains(first.Headers.GetValues("RateLimit"), v => v.StartsWith($"\"tenant-tokens\";r={budget - used};t=", StringComparison.Ordinal));
        Assert.Contains(first.Headers.GetValues("RateLimit"), v => v.StartsWith("\"requests\";r=", StringComparison.Ordinal));

        // After the first call less than a worst case is left, so the second is refused before it reaches the model.
        _upstream.ClearRequests();
        var refused = await GenerateAsync(tenant.Http, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Empty(_upstream.Requests);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct);
        Assert.Equal("tenant", problem.GetProperty("limit").GetString());
        Assert.Equal("day", problem.GetProperty("period").GetString());
        Assert.Equal(budget, problem.GetProperty("budget_tokens").GetInt64());
        Assert.Equal(budget - used, problem.GetProperty("remaining_tokens").GetInt64());
        var resetsAt = problem.GetProperty("resets_at").GetDateTime().ToUniversalTime();
        Assert.Equal(DateTime.UtcNow.Date.AddDays(1), resetsAt);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 86400);
        Assert.Contains(refused.Headers.GetValues("RateLimit"), v => v.StartsWith($"\"tenant-tokens\";r={budget - used};t=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MeShowsTheBudgetsThatApplyWithWhatIsLeft()
    {
        using var tenant = await _app.CreateTenantClientAsync("reader");
        await SetBudgetsAsync(tenant.TenantId, 5_000, tenant.UserId, 1_200, BudgetPeriod.Month);

        var me = await tenant.Http.GetFromJsonAsync<JsonElement>("/me", GroundworkApp.Json, Ct);

        var budgets = me.GetProperty("budget").EnumerateArray().ToDictionary(b => b.GetProperty("scope").GetString()!);
        Assert.Equal(["tenant", "user"], budgets.Keys.Order());
        Assert.Equal(5_000, budgets["tenant"].GetProperty("remaining_tokens").GetInt64());
        Assert.Equal(1_200, budgets["user"].GetProperty("budget_tokens").GetInt64());
        Assert.Equal("month", budgets["user"].GetProperty("period").GetString());
    }

    [Theory]
    [InlineData("gpt-4", 3, true)]
    [InlineData("gpt-4", 1024, true)]
    [InlineData("claude-3", 3, true)]
    [InlineData("local", 3, true)]
    [InlineData("local", 1024, true)]
    [InlineData("local", 3, false)] // nothing in the tenant: the "not in the documents" answer, asked of the model
    public async Task WorstCaseReservedCoversWhatTheModelReports(string model, int maxTokens, bool grounded)
    {
        using var tenant = await _app.CreateTenantClientAsync("reader");
        if (grounded)
        {
            using var editor = await _app.CreateTenantClientAsync("editor", tenant.TenantId);
            var added = await editor.Http.PostAsJsonAsync("/documents?wait=true", new
            {
                title = "Reactor manual",
                text = "The Zorblax reactor is cooled by liquid helium kept at four kelvin. Its control rods are made of hafnium-based alloys. " +
                       "Maintenance: the helium is topped up every Monday; the rods are inspected every quarter by the ops team.",
            }, GroundworkApp.Json, Ct);
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        var request = new { text = "What is the reactor cooled by, and what are its rods made of?", model, max_tokens = maxTokens };

        // A budget of one token refuses the call and says what its worst case is; then a large one lets it through.
        await SetBudgetsAsync(tenant.TenantId, 1);
        var refused = await tenant.Http.PostAsJsonAsync("/generate", request, GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var worstCase = (await refused.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("requested_tokens").GetInt64();
        await SetBudgetsAsync(tenant.TenantId, 1_000_000);
        var answered = await tenant.Http.PostAsJsonAsync("/generate", request, GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        var usage = (await answered.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("usage");

        Assert.InRange(usage.GetProperty("total_tokens").GetInt64(), 1, worstCase);
        Assert.True(usage.GetProperty("completion_tokens").GetInt64() <= (model == "local" ? LocalExtractiveChatClient.MostAnswerWords(maxTokens) : maxTokens));
        var remaining = answered.Headers.GetValues("RateLimit").Single(v => v.StartsWith("\"tenant-tokens\"", StringComparison.Ordinal));
        Assert.StartsWith($"\"tenant-tokens\";r={1_000_000 - usage.GetProperty("total_tokens").GetInt64()};", remaining);
    }

    [Fact]
    public async Task SpendSurvivesARestart()
    {
        var settings = GroundworkApp.UpstreamSettings(_upstream);
        settings["Generation:WhenNothingRelevant"] = "ask_model";
        var dataPath = Path.Combine(Path.GetTempPath(), "groundwork-tests", Guid.NewGuid().ToString("N"));
        try
        {
            string key;
            long tenantId;
            var worstCase = WorstCase();
            await using (var before = new GroundworkApp(settings, dataPath))
            {
                using var tenant = await before.CreateTenantClientAsync("reader");
                (key, tenantId) = (tenant.Key, tenant.TenantId);
                using (var scope = before.Services.CreateScope())
                {
                    await scope.ServiceProvider.GetRequiredService<GroundworkDbContext>().Tenants.Where(t => t.Id == tenantId)
                        .ExecuteUpdateAsync(set => set.SetProperty(t => t.BudgetTokens, worstCase + worstCase / 2).SetProperty(t => t.BudgetPeriod, BudgetPeriod.Month), Ct);
                }

                Assert.Equal(HttpStatusCode.OK, (await GenerateAsync(tenant.Http, Ct)).StatusCode);
            }

            // A new process knows what was spent this month from the usage records: less than a worst case is left.
            await using var after = new GroundworkApp(settings, dataPath);
            using var client = after.CreateClient();
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await GenerateAsync(client, Ct)).StatusCode);
        }
        finally
        {
            if (Directory.Exists(dataPath))
            {
                Directory.Delete(dataPath, recursive: true);
            }
        }
    }

    [Fact]
    public async Task DailyBudgetResetsAtUtcMidnight()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 2, 23, 59, 0, TimeSpan.Zero));
        using var factory = _app.WithWebHostBuilder(builder => builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(clock)));
        using var client = factory.CreateClient();
        var tenant = await CreateTenantAsync(factory);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tenant.Key);
        var worstCase = new PromptTokenEstimator().WorstCase(ModelProvider.OpenAI, GroundedPrompt.Build(Question, []), MaxTokens);
        await SetBudgetsAsync(factory, tenant.TenantId, worstCase + worstCase / 2);

        Assert.Equal(HttpStatusCode.OK, (await GenerateAsync(client, Ct)).StatusCode);
        var refused = await GenerateAsync(client, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(60), refused.Headers.RetryAfter?.Delta);

        clock.Now = new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await GenerateAsync(client, Ct)).StatusCode);
    }

    private static async Task<(long TenantId, string Key)> CreateTenantAsync(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> factory)
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        var tenant = new TenantEntity { Name = "clocked", CreatedAt = DateTime.UtcNow };
        db.Tenants.Add(tenant);
        var user = new UserEntity { TenantId = tenant.Id, Email = "clocked@example.com", Name = "clocked", Role = Role.Reader, CreatedAt = DateTime.UtcNow };
        db.Users.Add(user);
        var key = Groundwork.Auth.ApiKeyFormat.New();
        db.ApiKeys.Add(new ApiKeyEntity
        {
            UserId = user.Id, Name = "test", Prefix = Groundwork.Auth.ApiKeyFormat.Prefix(key), Hash = Groundwork.Auth.ApiKeyFormat.Hash(key), CreatedAt = DateTime.UtcNow,
        });
        await db.SaveChangesAsync(Ct);
        return (tenant.Id, key);
    }

    private static async Task SetBudgetsAsync(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> factory, long tenantId, long tokens)
    {
        using var scope = factory.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<GroundworkDbContext>().Tenants.Where(t => t.Id == tenantId)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.BudgetTokens, tokens).SetProperty(t => t.BudgetPeriod, BudgetPeriod.Day), Ct);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task AbstainedAnswerCostsNothing()
    {
        await using var app = new GroundworkApp(new Dictionary<string, string?>
        {
            ["Search:MinRelevance"] = Groundwork.Retrieval.SearchOptions.DefaultMinRelevance.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var tenant = await app.CreateTenantClientAsync("admin");
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<GroundworkDbContext>().Tenants.Where(t => t.Id == tenant.TenantId)
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.BudgetTokens, 1L).SetProperty(t => t.BudgetPeriod, BudgetPeriod.Month), Ct);
        }

        var response = await tenant.Http.PostAsJsonAsync("/generate", new { text = Question, model = "local" }, GroundworkApp.Json, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await response.Content.ReadFromJsonAsync<JsonElement>(GroundworkApp.Json, Ct)).GetProperty("grounded").GetBoolean());
        var usage = await tenant.Http.GetFromJsonAsync<JsonElement>("/usage", GroundworkApp.Json, Ct);
        Assert.Equal(0, usage.GetProperty("total").GetProperty("requests").GetInt64());
    }
}
