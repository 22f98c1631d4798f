using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Groundwork.Auth;
using Groundwork.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Groundwork.Tests.Auth;

/// <summary>Keys in states the management API cannot make (expired ones), written straight to the database.</summary>
internal static class AuthTestKeys
{
    public static async Task<(long Id, string Key)> AddKeyAsync(this GroundworkApp app, long userId, bool readOnly = false, DateTime? expiresAt = null)
    {
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        var key = ApiKeyFormat.New();
        var entity = new ApiKeyEntity
        {
            UserId = userId, Name = "test", Prefix = ApiKeyFormat.Prefix(key), Hash = ApiKeyFormat.Hash(key), ReadOnly = readOnly,
            ExpiresAt = expiresAt, CreatedAt = DateTime.UtcNow,
        };
        db.ApiKeys.Add(entity);
        await db.SaveChangesAsync();
        return (entity.Id, key);
    }

    /// <summary>The operator's user and tenant, as <c>GET /me</c> tells them.</summary>
    public static async Task<(long UserId, long TenantId)> OperatorAsync(this GroundworkApp app)
    {
        using var client = app.CreateClient();
        var me = await client.GetFromJsonAsync<JsonElement>("/me", TestContext.Current.CancellationToken);
        return (me.GetProperty("user").GetProperty("id").GetInt64(), me.GetProperty("tenant").GetProperty("id").GetInt64());
    }

    public static HttpClient ClientWithKey(this GroundworkApp app, string key)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
