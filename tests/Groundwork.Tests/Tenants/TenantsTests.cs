using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Tenants;

public sealed class TenantsTests : AppTest
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private async Task<long> CreateTenantAsync(string name)
    {
        var response = await Client.PostAsJsonAsync("/tenants", new { name }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("id").GetInt64();
    }

    [Fact]
    public async Task TheOperatorCreatesATenantAndItsFirstAdminWhoManagesOnlyThatTenant()
    {
        var tenantId = await CreateTenantAsync("acme");
        var tenant = await Client.GetFromJsonAsync<JsonElement>($"/tenants/{tenantId}", Cancellation);
        Assert.Equal("acme", tenant.GetProperty("name").GetString());
        Assert.Contains((await Client.GetFromJsonAsync<JsonElement>("/tenants", Cancellation)).GetProperty("tenants").EnumerateArray(),
            t => t.GetProperty("id").GetInt64() == tenantId);

        var admin = await Client.PostAsJsonAsync("/users", new { email = "boss@acme.test", name = "Boss", role = "admin", tenant_id = tenantId },
            GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.Created, admin.StatusCode);
        var adminId = (await admin.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("id").GetInt64();
        var key = await Client.PostAsJsonAsync($"/users/{adminId}/keys", new { name = "first" }, GroundworkApp.Json, Cancellation);
        using var boss = App.CreateClient();
        boss.DefaultRequestHeaders.Authorization = new("Bearer", (await key.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("key").GetString());

        Assert.Equal(tenantId, (await boss.GetFromJsonAsync<JsonElement>("/me", Cancellation)).GetProperty("tenant").GetProperty("id").GetInt64());
        var hire = await boss.PostAsJsonAsync("/users", new { email = "dev@acme.test", name = "Dev", role = "editor" }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.Created, hire.StatusCode);
        Assert.Equal(tenantId, (await hire.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("tenant_id").GetInt64());

        var (_, operatorTenant) = await Groundwork.Tests.Auth.AuthTestKeys.OperatorAsync(App);
        var elsewhere = await boss.PostAsJsonAsync("/users", new { email = "spy@acme.test", name = "Spy", tenant_id = operatorTenant }, GroundworkApp.Json, Cancellation);
        var nowhere = await boss.PostAsJsonAsync("/users", new { email = "spy@acme.test", name = "Spy", tenant_id = 123456789 }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        Assert.Equal(nowhere.StatusCode, elsewhere.StatusCode);

        var users = (await boss.GetFromJsonAsync<JsonElement>("/users", Cancellation)).GetProperty("users").EnumerateArray().ToList();
        Assert.Equal(["boss@acme.test", "dev@acme.test"], users.Select(u => u.GetProperty("email").GetString()).Order().ToArray());
        Assert.Equal(HttpStatusCode.Forbidden, (await boss.PostAsJsonAsync("/tenants", new { name = "mine" }, GroundworkApp.Json, Cancellation)).StatusCode);
    }

    [Fact]
    public async Task TenantNamesAreUniqueWhateverTheirCaseAndMustNotBeBlank()
    {
        await CreateTenantAsync("Globex");
        Assert.Equal(HttpStatusCode.Conflict, (await Client.PostAsJsonAsync("/tenants", new { name = "globex" }, GroundworkApp.Json, Cancellation)).StatusCode);
        var blank = await Client.PostAsJsonAsync("/tenants", new { name = "   " }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, blank.StatusCode);
        Assert.Equal(["name"], (await blank.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public async Task ABudgetIsSetKeptWhenLeftOutAndRemovedWithNull()
    {
        var id = await CreateTenantAsync("initech");
        var set = await Client.PatchAsJsonAsync($"/tenants/{id}", new { budget = new { tokens = 5000, period = "month" } }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var renamed = await (await Client.PatchAsJsonAsync($"/tenants/{id}", new { name = "Initech" }, GroundworkApp.Json, Cancellation))
            .Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal("Initech", renamed.GetProperty("name").GetString());
        Assert.Equal(5000, renamed.GetProperty("budget").GetProperty("tokens").GetInt64());
        Assert.Equal("month", renamed.GetProperty("budget").GetProperty("period").GetString());

        var removed = await Client.PatchAsync($"/tenants/{id}", JsonContent.Create(new Dictionary<string, object?> { ["budget"] = null }), Cancellation);
        Assert.Equal(JsonValueKind.Null, (await removed.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("budget").ValueKind);

        var invalid = await Client.PatchAsJsonAsync($"/tenants/{id}", new { budget = new { tokens = 0 } }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.StatusCode);
        Assert.Equal(["budget.period", "budget.tokens"],
            (await invalid.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray());
        var wrongPeriod = await Client.PatchAsJsonAsync($"/tenants/{id}", new { budget = new { tokens = 1, period = "week" } }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongPeriod.StatusCode);
    }

    [Fact]
    public async Task DisablingATenantStopsItsKeysOnTheirNextRequestAndEnablingRestoresThem()
    {
        using var editor = await App.CreateTenantClientAsync("editor");
        Assert.Equal(HttpStatusCode.OK, (await editor.Http.GetAsync("/me", Cancellation)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Client.PatchAsJsonAsync($"/tenants/{editor.TenantId}", new { disabled = true }, GroundworkApp.Json, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await editor.Http.GetAsync("/me", Cancellation)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Client.PatchAsJsonAsync($"/tenants/{editor.TenantId}", new { disabled = false }, GroundworkApp.Json, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await editor.Http.GetAsync("/me", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task TheOperatorCannotDisableItsOwnTenantAndUnknownTenantsAreNotFound()
    {
        var (_, tenantId) = await Groundwork.Tests.Auth.AuthTestKeys.OperatorAsync(App);
        Assert.Equal(HttpStatusCode.Conflict, (await Client.PatchAsJsonAsync($"/tenants/{tenantId}", new { disabled = true }, GroundworkApp.Json, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/tenants/123456789", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.PatchAsJsonAsync("/tenants/123456789", new { name = "x" }, GroundworkApp.Json, Cancellation)).StatusCode);
    }
}
