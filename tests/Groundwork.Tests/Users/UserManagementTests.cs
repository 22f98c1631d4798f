using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Users;

public sealed class UserManagementTests : AppTest
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnotherTenantsUserAnswersExactlyLikeAnUnknownId()
    {
        using var admin = await App.CreateTenantClientAsync("admin");
        using var stranger = await App.CreateTenantClientAsync("reader");

        foreach (var send in new Func<long, Task<HttpResponseMessage>>[]
        {
            id => admin.Http.GetAsync($"/users/{id}", Cancellation),
            id => admin.Http.PatchAsJsonAsync($"/users/{id}", new { disabled = true }, GroundworkApp.Json, Cancellation),
        })
        {
            var known = await send(stranger.UserId);
            var unknown = await send(123456789);
            Assert.Equal(HttpStatusCode.NotFound, known.StatusCode);
            var knownProblem = await known.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
            var unknownProblem = await unknown.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
            Assert.Equal(unknownProblem.GetProperty("title").GetString(), knownProblem.GetProperty("title").GetString());
            Assert.Equal(unknownProblem.GetProperty("detail").GetString()!.Replace("123456789", ""),
                knownProblem.GetProperty("detail").GetString()!.Replace(stranger.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture), ""));
        }

        Assert.Equal(HttpStatusCode.OK, (await stranger.Http.GetAsync("/me", Cancellation)).StatusCode);
        Assert.DoesNotContain((await admin.Http.GetFromJsonAsync<JsonElement>("/users", Cancellation)).GetProperty("users").EnumerateArray(),
            u => u.GetProperty("id").GetInt64() == stranger.UserId);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Http.GetAsync($"/users?tenant_id={stranger.TenantId}", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task EmailsAreUniqueWithinATenantOnly()
    {
        using var first = await App.CreateTenantClientAsync("admin");
        using var second = await App.CreateTenantClientAsync("admin");
        var user = new { email = "same@example.com", name = "Same" };

        Assert.Equal(HttpStatusCode.Created, (await first.Http.PostAsJsonAsync("/users", user, GroundworkApp.Json, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await second.Http.PostAsJsonAsync("/users", user, GroundworkApp.Json, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await first.Http.PostAsJsonAsync("/users", user, GroundworkApp.Json, Cancellation)).StatusCode);
    }

    [Fact]
    public async Task ChangingARoleOrDisablingAUserTakesEffectOnItsNextRequest()
    {
        using var admin = await App.CreateTenantClientAsync("admin");
        using var deputy = await App.CreateTenantClientAsync("admin", admin.TenantId);
        Assert.Equal(HttpStatusCode.OK, (await deputy.Http.GetAsync("/users", Cancellation)).StatusCode);

        var demoted = await admin.Http.PatchAsJsonAsync($"/users/{deputy.UserId}", new { role = "reader" }, GroundworkApp.Json, Cancellation);
        Assert.Equal("reader", (await demoted.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await deputy.Http.GetAsync("/users", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await deputy.Http.GetAsync("/me", Cancellation)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await admin.Http.PatchAsJsonAsync($"/users/{deputy.UserId}", new { disabled = true }, GroundworkApp.Json, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await deputy.Http.GetAsync("/me", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task AnAdminCannotDemoteOrDisableThemselves()
    {
        using var admin = await App.CreateTenantClientAsync("admin");
        Assert.Equal(HttpStatusCode.Conflict, (await admin.Http.PatchAsJsonAsync($"/users/{admin.UserId}", new { role = "reader" }, GroundworkApp.Json, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.Http.PatchAsJsonAsync($"/users/{admin.UserId}", new { disabled = true }, GroundworkApp.Json, Cancellation)).StatusCode);
        var renamed = await admin.Http.PatchAsJsonAsync($"/users/{admin.UserId}", new { name = "Still admin", role = "admin" }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync("/users", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task InvalidFieldsAreNamed()
    {
        var badRole = await Client.PostAsJsonAsync("/users", new { email = "x@example.com", name = "X", role = "owner" }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badRole.StatusCode);
        Assert.Equal(["role"], (await badRole.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray());

        using var reader = await App.CreateTenantClientAsync("reader");
        var badPatch = await Client.PatchAsJsonAsync($"/users/{reader.UserId}", new { name = "", budget = new { period = "day" }, colour = "red" },
            GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badPatch.StatusCode);
        Assert.Equal(["budget.tokens", "colour", "name"],
            (await badPatch.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray());
    }

    [Fact]
    public async Task AUsersBudgetIsStored()
    {
        using var reader = await App.CreateTenantClientAsync("reader");
        var set = await Client.PatchAsJsonAsync($"/users/{reader.UserId}", new { budget = new { tokens = 100, period = "day" } }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var read = await Client.GetFromJsonAsync<JsonElement>($"/users/{reader.UserId}", Cancellation);
        Assert.Equal(100, read.GetProperty("budget").GetProperty("tokens").GetInt64());
        Assert.Equal("day", read.GetProperty("budget").GetProperty("period").GetString());
    }
}
