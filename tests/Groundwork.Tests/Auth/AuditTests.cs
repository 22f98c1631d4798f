using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Auth;

public sealed class AuditTests : AppTest
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static async Task<List<JsonElement>> EntriesAsync(HttpClient client, string query = "") =>
        [.. (await client.GetFromJsonAsync<JsonElement>($"/audit{query}", Cancellation)).GetProperty("entries").EnumerateArray()];

    [Fact]
    public async Task EveryAdministrativeActionAndRefusalIsRecordedWithWhoWhichKeyAndTheResult()
    {
        using var admin = await App.CreateTenantClientAsync("admin");
        using var reader = await App.CreateTenantClientAsync("reader", admin.TenantId);
        var created = await admin.Http.PostAsJsonAsync("/users", new { email = "new@example.com", name = "New" }, GroundworkApp.Json, Cancellation);
        var newUserId = (await created.Content.ReadFromJsonAsync<JsonElement>(Cancellation)).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.Http.PostAsJsonAsync("/users", new { email = "r@example.com", name = "R" }, GroundworkApp.Json, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.Http.PostAsJsonAsync("/users", new { email = "bad" , name = "B" }, GroundworkApp.Json, Cancellation)).StatusCode);
        var key = await (await admin.Http.PostAsJsonAsync($"/users/{newUserId}/keys", new { name = "k" }, GroundworkApp.Json, Cancellation))
            .Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Http.DeleteAsync($"/keys/{key.GetProperty("id").GetInt64()}", Cancellation)).StatusCode);
        using var nobody = App.CreateClient();
        nobody.DefaultRequestHeaders.Authorization = null;
        Assert.Equal(HttpStatusCode.Unauthorized, (await nobody.PostAsJsonAsync("/tenants", new { name = "anon" }, GroundworkApp.Json, Cancellation)).StatusCode);

        var entries = await EntriesAsync(admin.Http);
        Assert.Equal(["key.revoke", "key.create", "user.create", "user.create", "user.create"], entries.Select(e => e.GetProperty("action").GetString()).ToArray());
        Assert.Equal([204, 201, 422, 403, 201], entries.Select(e => e.GetProperty("status").GetInt32()).ToArray());
        var refused = entries[3];
        Assert.Equal(reader.UserId, refused.GetProperty("user_id").GetInt64());
        Assert.Equal(reader.Key[..11], refused.GetProperty("key_prefix").GetString());
        var made = entries[4];
        Assert.Equal(admin.UserId, made.GetProperty("user_id").GetInt64());
        Assert.Equal($"/users/{newUserId}", made.GetProperty("target").GetString());
        Assert.Equal($"/keys/{key.GetProperty("id").GetInt64()}", entries[0].GetProperty("target").GetString());
        Assert.All(entries, e => Assert.True(e.GetProperty("at").GetDateTime() > DateTime.UtcNow.AddMinutes(-5)));
        Assert.DoesNotContain(key.GetProperty("key").GetString()!, JsonSerializer.Serialize(entries));

        var everything = await EntriesAsync(Client);
        var anonymous = Assert.Single(everything, e => e.GetProperty("action").GetString() == "tenant.create");
        Assert.Equal(401, anonymous.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, anonymous.GetProperty("user_id").ValueKind);
        Assert.Equal(entries.Count, (await EntriesAsync(Client, $"?tenant_id={admin.TenantId}")).Count);
    }

    [Fact]
    public async Task ATenantAdminSeesOnlyTheirTenantsEntries()
    {
        using var mine = await App.CreateTenantClientAsync("admin");
        using var theirs = await App.CreateTenantClientAsync("admin");
        await theirs.Http.PostAsJsonAsync("/users", new { email = "their@example.com", name = "Theirs" }, GroundworkApp.Json, Cancellation);
        // A probe of the other tenant's user is recorded for the prober's tenant, never as the other tenant's.
        await mine.Http.PatchAsJsonAsync($"/users/{theirs.UserId}", new { disabled = true }, GroundworkApp.Json, Cancellation);

        var seen = await EntriesAsync(mine.Http);
        var probe = Assert.Single(seen);
        Assert.Equal(404, probe.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, probe.GetProperty("target_tenant_id").ValueKind);
        Assert.Single(await EntriesAsync(theirs.Http));
        Assert.Equal(HttpStatusCode.NotFound, (await mine.Http.GetAsync($"/audit?tenant_id={theirs.TenantId}", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await App.CreateTenantClientAsync("editor", mine.TenantId)).Http.GetAsync("/audit", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task EntriesAreFilteredByTimeAndLimited()
    {
        var before = DateTime.UtcNow.AddSeconds(-1);
        for (var i = 0; i < 3; i++)
        {
            await Client.PostAsJsonAsync("/tenants", new { name = $"t{i}" }, GroundworkApp.Json, Cancellation);
        }

        Assert.Equal(3, (await EntriesAsync(Client, $"?from={before:O}")).Count);
        Assert.Empty(await EntriesAsync(Client, $"?to={before:O}"));
        Assert.Equal(2, (await EntriesAsync(Client, "?limit=2")).Count);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Client.GetAsync("/audit?limit=0", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Client.GetAsync("/audit?from=yesterday", Cancellation)).StatusCode);
    }
}
