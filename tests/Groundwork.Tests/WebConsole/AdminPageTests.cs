using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Groundwork.WebConsole.Components.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.WebConsole;

public sealed class AdminPageTests : IAsyncLifetime
{
    private readonly GroundworkApp _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task AReaderIsToldAnAdminKeyIsNeededAndNothingIsLoaded()
    {
        var reader = await _app.CreateTenantClientAsync("reader");
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, reader.Key);

        var page = host.Context.Render<Admin>(parameters => parameters.Add(p => p.Section, "users"));

        Assert.Contains("You need an admin key to see this page", page.Find("[data-testid=admin-denied]").TextContent);
        Assert.Empty(page.FindAll("[data-testid=users-table]"));
        Assert.Empty(page.FindAll("fluent-progress-ring"));
        Assert.Empty(page.FindAll("nav.admin-tabs"));
    }

    [Fact]
    public async Task AnAdminSeesTheirTenantsUsersOnly()
    {
        var admin = await _app.CreateTenantClientAsync("admin");
        var colleague = await _app.CreateTenantClientAsync("reader", admin.TenantId);
        var stranger = await _app.CreateTenantClientAsync("admin");
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, admin.Key);

        var page = host.Context.Render<Admin>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=user-row]").Count));
        var ids = page.FindAll("[data-testid=user-row]").Select(row => long.Parse(row.GetAttribute("data-user-id")!)).ToHashSet();
        Assert.Equal([admin.UserId, colleague.UserId], ids);
        Assert.DoesNotContain(stranger.UserId, ids);
        Assert.Contains(host.Session.Me!.User.Email, page.Find("[data-testid=users-table]").TextContent);
    }

    [Fact]
    public async Task AnAdminCreatesAUserDisablesItAndSetsAndRemovesItsBudget()
    {
        var admin = await _app.CreateTenantClientAsync("admin");
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, admin.Key);
        var page = host.Context.Render<Admin>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=user-row]")));

        page.Find("#new-user-email").Change("ada@example.com");
        page.Find("#new-user-name").Change("Ada");
        page.Find("[data-testid=create-user]").Click();
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=user-row]").Count));
        AngleSharp.Dom.IElement Ada() => page.FindAll("[data-testid=user-row]").Single(r => r.TextContent.Contains("ada@example.com", StringComparison.Ordinal));
        Assert.Contains("reader", Ada().TextContent);

        Ada().QuerySelector("[data-testid=toggle-user]")!.Click();
        page.WaitForAssertion(() => Assert.Contains("Disabled", Ada().TextContent));

        Ada().QuerySelector("[data-testid=edit-user-button]")!.Click();
        page.WaitForElement("#edit-role").Change("editor");
        page.Find("#edit-budget-tokens").Change("5000");
        page.Find("[data-testid=save-user]").Click();
        page.WaitForAssertion(() => Assert.Contains("5,000 tokens per month", Ada().TextContent));
        var users = await host.Api.ListUsersAsync(cancellationToken: Xunit.TestContext.Current.CancellationToken);
        var ada = Assert.Single(users.Users, u => u.Email == "ada@example.com");
        Assert.True(ada.Disabled);
        Assert.Equal(5000, ada.Budget!.Tokens);
        Assert.Equal("editor", ada.Role);

        page.Find("[data-testid=remove-budget]").Click();
        page.WaitForAssertion(() => Assert.Contains("None", Ada().TextContent));
    }

    [Fact]
    public async Task TheOperatorSeesEveryTenantAndEveryTenantsUsers()
    {
        var admin = await _app.CreateTenantClientAsync("admin");
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, _app.OperatorKey);

        var users = host.Context.Render<Admin>();
        users.WaitForAssertion(() => Assert.Contains(users.FindAll("[data-testid=user-row]"), r => r.GetAttribute("data-user-id") == admin.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("Tenants", users.Find("nav.admin-tabs").TextContent);

        var tenants = host.Context.Render<Admin>(parameters => parameters.Add(p => p.Section, "tenants"));
        tenants.WaitForAssertion(() => Assert.Equal(2, tenants.FindAll("[data-testid=tenant-row]").Count));
        Assert.Contains("default", tenants.Find("[data-testid=tenants-table]").TextContent);
    }

    [Fact]
    public async Task AReadOnlyAdminKeyShowsEverythingButOffersNoChanges()
    {
        var admin = await _app.CreateTenantClientAsync("admin", readOnly: true);
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, admin.Key);

        var page = host.Context.Render<Admin>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=user-row]")));
        Assert.Contains("read-only key", page.Markup);
        Assert.True(page.Find("[data-testid=create-user]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task ANewKeyIsShownOnceWorksAndStopsWorkingWhenRevoked()
    {
        var admin = await _app.CreateTenantClientAsync("admin");
        var colleague = await _app.CreateTenantClientAsync("reader", admin.TenantId);
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, admin.Key);

        host.Context.Services.GetRequiredService<NavigationManager>().NavigateTo($"console/admin/keys?user={colleague.UserId}");
        var page = host.Context.Render<Admin>(parameters => parameters.Add(p => p.Section, "keys"));
        page.WaitForAssertion(() => Assert.Contains("Keys of reader-", page.Find("[data-testid=keys-table] caption").TextContent));
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=key-row]")));
        page.Find("#new-key-name").Change("laptop");
        page.Find("[data-testid=create-key]").Click();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=key-row]").Count));
        var key = page.Find("[data-testid=new-key]").TextContent.Trim();
        Assert.StartsWith("gw_", key);
        Assert.Contains("will not be shown again", page.Markup);
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(key));
        using (var me = await SendMeAsync(key))
        {
            var body = await me.Content.ReadFromJsonAsync<JsonElement>(Xunit.TestContext.Current.CancellationToken);
            Assert.Equal(colleague.UserId, body.GetProperty("user").GetProperty("id").GetInt64());
        }

        page.Find("[data-testid=copy-key]").Click();
        page.WaitForAssertion(() => Assert.Single(host.Context.JSInterop.Invocations, i => i.Identifier == "navigator.clipboard.writeText"));
        var copy = Assert.Single(host.Context.JSInterop.Invocations, i => i.Identifier == "navigator.clipboard.writeText");
        Assert.Equal(key, copy.Arguments[0]);

        page.Find("[data-testid=dismiss-key]").Click();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=new-key]")));
        Assert.DoesNotContain(key, page.Markup);

        var row = page.FindAll("[data-testid=key-row]").Single(r => r.TextContent.Contains("laptop", StringComparison.Ordinal));
        var keyId = row.GetAttribute("data-key-id");
        row.QuerySelector("[data-testid=revoke-key]")!.Click();
        page.WaitForElement($"[data-key-id='{keyId}'] [data-testid=confirm-revoke]").Click();

        page.WaitForAssertion(() => Assert.Contains("Revoked", page.Find($"[data-key-id='{keyId}']").TextContent));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeStatusAsync(key));
        Assert.Equal(HttpStatusCode.OK, await MeStatusAsync(colleague.Key));
    }

    [Fact]
    public async Task TheUsageChartHasABarForTodayAfterAGeneration()
    {
        var admin = await _app.CreateTenantClientAsync("admin");
        var added = await admin.Http.PostAsJsonAsync("/documents?wait=true",
            new { title = "Tides", text = "The tide rises twice a day because of the moon's pull on the oceans." }, GroundworkApp.Json, Xunit.TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var generated = await admin.Http.PostAsJsonAsync("/generate", new { text = "Why does the tide rise?", model = "local" }, GroundworkApp.Json, Xunit.TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, admin.Key);

        var page = host.Context.Render<Admin>(parameters => parameters.Add(p => p.Section, "usage"));

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        page.WaitForAssertion(() =>
        {
            var bar = page.Find($"[data-testid=usage-chart] [data-day='{today}']");
            Assert.True(long.Parse(bar.GetAttribute("data-tokens")!) > 0);
        });
        var chart = page.Find("[data-testid=usage-chart]");
        Assert.Equal("img", chart.GetAttribute("role"));
        Assert.Contains("in 1 model call;", chart.GetAttribute("aria-label"));
        Assert.Equal(7, chart.QuerySelectorAll("[data-testid=usage-bar]").Length);
        Assert.Contains("local", page.Find("[data-testid=usage-models]").TextContent);
        Assert.Contains(host.Session.Me!.User.Email, page.Find("[data-testid=usage-users]").TextContent);

        page.Find("[data-testid=usage-toggle-table]").Click();
        Assert.Contains(today, page.WaitForElement("[data-testid=usage-day-table]").TextContent);
        page.Find("[data-testid=usage-range-30]").Click();
        page.WaitForAssertion(() => Assert.Equal(30, page.FindAll("[data-testid=usage-bar]").Count));
    }

    [Fact]
    public async Task AKeyCreationAppearsInTheAuditLog()
    {
        var admin = await _app.CreateTenantClientAsync("admin");
        await using var host = await ConsoleComponentHost.SignedInAsync(_app, admin.Key);
        var keys = host.Context.Render<Admin>(parameters => parameters.Add(p => p.Section, "keys"));
        keys.WaitForAssertion(() => Assert.NotEmpty(keys.FindAll("[data-testid=key-row]")));
        keys.Find("#new-key-name").Change("ci");
        keys.Find("[data-testid=create-key]").Click();
        keys.WaitForAssertion(() => Assert.NotEmpty(keys.FindAll("[data-testid=new-key]")));

        var audit = host.Context.Render<Admin>(parameters => parameters.Add(p => p.Section, "audit"));

        audit.WaitForAssertion(() =>
        {
            var row = Assert.Single(audit.FindAll("[data-testid=audit-row]"), r => r.GetAttribute("data-action") == "key.create");
            Assert.Contains("POST", row.TextContent);
            Assert.Contains(host.Session.Me!.Key.Prefix, row.TextContent);
            Assert.Contains("201", row.TextContent);
        });
    }

    private async Task<HttpStatusCode> MeStatusAsync(string key)
    {
        using var response = await SendMeAsync(key);
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> SendMeAsync(string key)
    {
        using var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await client.GetAsync("/me", Xunit.TestContext.Current.CancellationToken);
    }
}
