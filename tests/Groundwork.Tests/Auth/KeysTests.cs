using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Groundwork.Tests.Auth;

public sealed class KeysTests : AppTest
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static async Task<JsonElement> CreateKeyAsync(HttpClient client, long userId, object request)
    {
        var response = await client.PostAsJsonAsync($"/users/{userId}/keys", request, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
    }

    [Fact]
    public async Task MeDescribesTheCallersUserTenantAndKeyWithoutABudgetYet()
    {
        using var editor = await App.CreateTenantClientAsync("editor", readOnly: true);
        var me = await editor.Http.GetFromJsonAsync<JsonElement>("/me", Cancellation);

        Assert.Equal(editor.UserId, me.GetProperty("user").GetProperty("id").GetInt64());
        Assert.Equal("editor", me.GetProperty("user").GetProperty("role").GetString());
        Assert.False(me.GetProperty("user").GetProperty("operator").GetBoolean());
        Assert.Equal(editor.TenantId, me.GetProperty("tenant").GetProperty("id").GetInt64());
        Assert.Equal(editor.Key[..11], me.GetProperty("key").GetProperty("prefix").GetString());
        Assert.True(me.GetProperty("key").GetProperty("read_only").GetBoolean());
        Assert.Equal(0, me.GetProperty("budget").GetArrayLength()); // no budget set for this tenant or user
        Assert.DoesNotContain(editor.Key, me.GetRawText());
    }

    [Fact]
    public async Task ANewKeyIsShownOnceAndWorksAndItsListingNeverHoldsIt()
    {
        using var reader = await App.CreateTenantClientAsync("reader");
        var created = await CreateKeyAsync(reader.Http, reader.UserId, new { name = "laptop", read_only = true });
        var key = created.GetProperty("key").GetString()!;
        Assert.StartsWith("gw_", key);
        Assert.Equal(key[..11], created.GetProperty("prefix").GetString());

        using var withNewKey = App.ClientWithKey(key);
        var me = await withNewKey.GetFromJsonAsync<JsonElement>("/me", Cancellation);
        Assert.Equal(created.GetProperty("id").GetInt64(), me.GetProperty("key").GetProperty("id").GetInt64());

        var listing = await reader.Http.GetStringAsync($"/users/{reader.UserId}/keys", Cancellation);
        Assert.DoesNotContain(key, listing);
        var keys = JsonDocument.Parse(listing).RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(2, keys.Count);
        var listed = Assert.Single(keys, k => k.GetProperty("name").GetString() == "laptop");
        Assert.False(listed.TryGetProperty("key", out _));
        Assert.True(listed.GetProperty("read_only").GetBoolean());
        Assert.False(listed.GetProperty("revoked").GetBoolean());
        foreach (var field in new[] { "prefix", "created_at", "last_used_at", "expires_at" })
        {
            Assert.True(listed.TryGetProperty(field, out _), field);
        }
    }

    [Fact]
    public async Task ARevokedKeyFailsOnItsVeryNextRequest()
    {
        using var editor = await App.CreateTenantClientAsync("editor");
        var created = await CreateKeyAsync(editor.Http, editor.UserId, new { name = "ci" });
        using var ci = App.ClientWithKey(created.GetProperty("key").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await ci.GetAsync("/me", Cancellation)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await editor.Http.DeleteAsync($"/keys/{created.GetProperty("id").GetInt64()}", Cancellation)).StatusCode);

        var refused = await ci.GetAsync("/me", Cancellation);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.StartsWith("Bearer", refused.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.OK, (await editor.Http.GetAsync("/me", Cancellation)).StatusCode);
        var listed = (await editor.Http.GetFromJsonAsync<JsonElement>($"/users/{editor.UserId}/keys", Cancellation)).GetProperty("keys")
            .EnumerateArray().Single(k => k.GetProperty("name").GetString() == "ci");
        Assert.True(listed.GetProperty("revoked").GetBoolean());
    }

    [Fact]
    public async Task AKeyPastItsExpiryIsRefusedAndAnExpiryInThePastIsInvalid()
    {
        using var reader = await App.CreateTenantClientAsync("reader", expiresAt: DateTime.UtcNow.AddSeconds(-1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await reader.Http.GetAsync("/me", Cancellation)).StatusCode);

        var past = await Client.PostAsJsonAsync($"/users/{(await App.OperatorAsync()).UserId}/keys",
            new { name = "old", expires_at = "2020-01-01T00:00:00Z" }, GroundworkApp.Json, Cancellation);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, past.StatusCode);
        var problem = await past.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
        Assert.Equal(["expires_at"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray());
    }

    [Fact]
    public async Task AdminsManageTheirTenantsKeysButReadersOnlyTheirOwn()
    {
        using var admin = await App.CreateTenantClientAsync("admin");
        using var reader = await App.CreateTenantClientAsync("reader", admin.TenantId);
        using var otherReader = await App.CreateTenantClientAsync("reader", admin.TenantId);

        var made = await CreateKeyAsync(admin.Http, reader.UserId, new { name = "for the reader" });
        Assert.Equal(HttpStatusCode.Forbidden, (await otherReader.Http.GetAsync($"/users/{reader.UserId}/keys", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherReader.Http.DeleteAsync($"/keys/{made.GetProperty("id").GetInt64()}", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.Http.PostAsJsonAsync($"/users/{admin.UserId}/keys", new { name = "escalate" }, GroundworkApp.Json, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await reader.Http.DeleteAsync($"/keys/{made.GetProperty("id").GetInt64()}", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task AnotherTenantsKeysAnswerLikeUnknownOnes()
    {
        using var admin = await App.CreateTenantClientAsync("admin");
        using var stranger = await App.CreateTenantClientAsync("reader");
        var strangersKey = (await stranger.Http.GetFromJsonAsync<JsonElement>("/me", Cancellation)).GetProperty("key").GetProperty("id").GetInt64();

        foreach (var (known, unknown) in new[]
        {
            (await admin.Http.GetAsync($"/users/{stranger.UserId}/keys", Cancellation), await admin.Http.GetAsync("/users/123456789/keys", Cancellation)),
            (await admin.Http.PostAsJsonAsync($"/users/{stranger.UserId}/keys", new { name = "x" }, GroundworkApp.Json, Cancellation),
                await admin.Http.PostAsJsonAsync("/users/123456789/keys", new { name = "x" }, GroundworkApp.Json, Cancellation)),
            (await admin.Http.DeleteAsync($"/keys/{strangersKey}", Cancellation), await admin.Http.DeleteAsync("/keys/123456789", Cancellation)),
        })
        {
            Assert.Equal(HttpStatusCode.NotFound, known.StatusCode);
            Assert.Equal(unknown.StatusCode, known.StatusCode);
            var knownProblem = await known.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
            var unknownProblem = await unknown.Content.ReadFromJsonAsync<JsonElement>(Cancellation);
            Assert.Equal(unknownProblem.GetProperty("title").GetString(), knownProblem.GetProperty("title").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await stranger.Http.GetAsync("/me", Cancellation)).StatusCode);
    }

    [Fact]
    public async Task ATenantAdminCannotActAsTheOperator()
    {
        var (operatorId, operatorTenant) = await App.OperatorAsync();
        using var admin = await App.CreateTenantClientAsync("admin", operatorTenant);

        Assert.Equal(HttpStatusCode.Forbidden, (await admin.Http.PostAsJsonAsync($"/users/{operatorId}/keys", new { name = "mine now" }, GroundworkApp.Json, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.Http.PatchAsJsonAsync($"/users/{operatorId}", new { disabled = true }, GroundworkApp.Json, Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.Http.GetAsync("/tenants", Cancellation)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/tenants", Cancellation)).StatusCode);
    }
}
