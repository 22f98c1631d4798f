using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Groundwork.Client;

public sealed partial class GroundworkClient
{
    public Task<UserPage> ListUsersAsync(long? tenantId = null, CancellationToken cancellationToken = default) =>
        GetAsync<UserPage>("users" + QueryString([new("tenant_id", tenantId?.ToString(CultureInfo.InvariantCulture))]), cancellationToken);

    public Task<UserResponse> CreateUserAsync(CreateUserRequest user, CancellationToken cancellationToken = default) =>
        SendJsonAsync<UserResponse>(HttpMethod.Post, "users", user, cancellationToken);

    public Task<UserResponse> UpdateUserAsync(long id, UpdateUserRequest changes, CancellationToken cancellationToken = default) =>
        SendJsonAsync<UserResponse>(HttpMethod.Patch, $"users/{id}", changes, cancellationToken);

    /// <summary>Removes a user's budget (<c>{"budget": null}</c>, which <see cref="UpdateUserRequest"/> cannot say).</summary>
    public Task<UserResponse> RemoveUserBudgetAsync(long id, CancellationToken cancellationToken = default) =>
        SendJsonAsync<UserResponse>(HttpMethod.Patch, $"users/{id}", new JsonObject { ["budget"] = null }, cancellationToken);

    public Task<CreatedKey> CreateKeyAsync(long userId, CreateKeyRequest key, CancellationToken cancellationToken = default) =>
        SendJsonAsync<CreatedKey>(HttpMethod.Post, $"users/{userId}/keys", key, cancellationToken);

    public Task<KeyPage> ListKeysAsync(long userId, CancellationToken cancellationToken = default) =>
        GetAsync<KeyPage>($"users/{userId}/keys", cancellationToken);

    public Task RevokeKeyAsync(long keyId, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"keys/{keyId}", cancellationToken);

    /// <summary>Tokens and requests from <paramref name="from"/> to <paramref name="to"/>, grouped by day, model or user (<c>GET /usage</c>).</summary>
    public Task<UsageReport> GetUsageAsync(
        DateTimeOffset? from = null, DateTimeOffset? to = null, string? groupBy = null, long? tenantId = null, CancellationToken cancellationToken = default) =>
        GetAsync<UsageReport>("usage" + QueryString([
            new("from", from?.ToString("O", CultureInfo.InvariantCulture)),
            new("to", to?.ToString("O", CultureInfo.InvariantCulture)),
            new("group_by", groupBy),
            new("tenant_id", tenantId?.ToString(CultureInfo.InvariantCulture)),
        ]), cancellationToken);

    public Task<AuditPage> ListAuditAsync(
        DateTimeOffset? from = null, DateTimeOffset? to = null, int limit = 100, long? tenantId = null, CancellationToken cancellationToken = default) =>
        GetAsync<AuditPage>("audit" + QueryString([
            new("from", from?.ToString("O", CultureInfo.InvariantCulture)),
            new("to", to?.ToString("O", CultureInfo.InvariantCulture)),
            new("limit", limit.ToString(CultureInfo.InvariantCulture)),
            new("tenant_id", tenantId?.ToString(CultureInfo.InvariantCulture)),
        ]), cancellationToken);

    public Task<TenantPage> ListTenantsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<TenantPage>("tenants", cancellationToken);

    public Task<TenantResponse> UpdateTenantAsync(long id, UpdateTenantRequest changes, CancellationToken cancellationToken = default) =>
        SendJsonAsync<TenantResponse>(HttpMethod.Patch, $"tenants/{id}", changes, cancellationToken);

    /// <summary>Removes a tenant's budget (<c>{"budget": null}</c>).</summary>
    public Task<TenantResponse> RemoveTenantBudgetAsync(long id, CancellationToken cancellationToken = default) =>
        SendJsonAsync<TenantResponse>(HttpMethod.Patch, $"tenants/{id}", new JsonObject { ["budget"] = null }, cancellationToken);
}
