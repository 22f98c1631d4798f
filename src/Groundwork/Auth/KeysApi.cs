using Groundwork.Audit;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.RateLimits;
using Groundwork.Usage;
using Groundwork.Users;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Auth;

/// <summary>
/// <c>GET /me</c>, and API keys: a user manages their own keys, a tenant admin their tenant's users' keys, the operator
/// everyone's. A key is shown once, when it is made; revoking it makes it fail on its next request.
/// </summary>
public static class KeysApi
{
    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("").WithTags("Keys").RequireAuthorization(Policies.Reader).RequirePerKeyRateLimit();
        group.MapGet("/me", GetMeAsync).WithName("GetMe").WithSummary("The caller: user, tenant and key");
        group.MapPost("/users/{id:long}/keys", CreateKeyAsync).WithName("CreateKey").WithSummary("Make an API key for a user (shown once)")
            .RequireAuthorization(Policies.Writer).Audited("key.create")
            .WithRequestExample(new CreateKeyRequest { Name = "ci" });
        group.MapGet("/users/{id:long}/keys", ListKeysAsync).WithName("ListKeys").WithSummary("A user's API keys (never the keys themselves)");
        group.MapDelete("/keys/{id:long}", RevokeKeyAsync).WithName("RevokeKey").WithSummary("Revoke an API key; it fails from its next request")
            .RequireAuthorization(Policies.Writer).Audited("key.revoke");
        return group;
    }

    public static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> GetMeAsync(
        Caller caller, GroundworkDbContext db, TokenBudgets budgets, CancellationToken cancellationToken)
    {
        var me = await (
            from key in db.ApiKeys.AsNoTracking()
            join user in db.Users on key.UserId equals user.Id
            join tenant in db.Tenants on user.TenantId equals tenant.Id
            where key.Id == caller.KeyId
            select new MeResponse(
                new MeUser(user.Id, user.Email, user.Name, user.Role, user.IsOperator),
                new MeTenant(tenant.Id, tenant.Name),
                new MeKey(key.Id, key.Prefix, key.Name, key.ReadOnly, key.ExpiresAt),
                Array.Empty<BudgetStatus>()))
            .FirstOrDefaultAsync(cancellationToken);
        // The key was revoked or its user removed since this request was authenticated.
        return me is null
            ? Problems.NotFound("Key not found", "The key of this request no longer exists.")
            : TypedResults.Ok(me with { Budget = await budgets.StatusAsync(caller, cancellationToken) });
    }

    public static async Task<Results<Created<CreatedKey>, ProblemHttpResult>> CreateKeyAsync(
        long id, ValidatedJson<CreateKeyRequest> request, Caller caller, GroundworkDbContext db, TimeProvider clock, HttpContext http,
        CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().VisibleTo(caller).FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return UsersApi.UserNotFound(id);
        }

        http.SetAuditTarget($"/users/{id}/keys", user.TenantId);
        if (Refusal(caller, user) is { } refused)
        {
            return refused;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var expiresAt = request.Value.ExpiresAt?.UtcDateTime;
        if (expiresAt <= now)
        {
            return Problems.Invalid("expires_at", "The expires_at field must be in the future.");
        }

        var key = ApiKeyFormat.New();
        var entity = new ApiKeyEntity
        {
            UserId = id, Name = request.Value.Name.Trim(), Prefix = ApiKeyFormat.Prefix(key), Hash = ApiKeyFormat.Hash(key),
            ReadOnly = request.Value.ReadOnly, ExpiresAt = expiresAt, CreatedAt = now,
        };
        db.ApiKeys.Add(entity);
        await db.SaveChangesAsync(cancellationToken);
        http.SetAuditTarget($"/keys/{entity.Id}", user.TenantId);
        return TypedResults.Created($"/users/{id}/keys",
            new CreatedKey(entity.Id, key, entity.Prefix, entity.Name, id, entity.ReadOnly, entity.CreatedAt, entity.ExpiresAt));
    }

    public static async Task<Results<Ok<KeyPage>, ProblemHttpResult>> ListKeysAsync(
        long id, Caller caller, GroundworkDbContext db, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().VisibleTo(caller).FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return UsersApi.UserNotFound(id);
        }

        if (Refusal(caller, user) is { } refused)
        {
            return refused;
        }

        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.UserId == id).OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(new KeyPage([.. keys.Select(KeySummary.Of)]));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeKeyAsync(
        long id, Caller caller, GroundworkDbContext db, ApiKeyResolver resolver, TimeProvider clock, HttpContext http,
        CancellationToken cancellationToken)
    {
        var found = await (
            from key in db.ApiKeys
            join user in db.Users.VisibleTo(caller) on key.UserId equals user.Id
            where key.Id == id
            select new { Key = key, User = user })
            .FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return Problems.NotFound("Key not found", $"No key has id {id}.");
        }

        http.SetAuditTarget($"/keys/{id}", found.User.TenantId);
        if (Refusal(caller, found.User) is { } refused)
        {
            return refused;
        }

        found.Key.RevokedAt ??= clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
        await resolver.EvictAsync([found.Key.Hash], cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Why the caller may not manage this (visible) user's keys; null when it may.</summary>
    private static ProblemHttpResult? Refusal(Caller caller, UserEntity user)
    {
        if (caller.UserId == user.Id || caller.IsOperator)
        {
            return null;
        }

        if (user.IsOperator)
        {
            return Problems.Forbidden("Only the operator manages the operator's keys.");
        }

        return caller.Role == Role.Admin ? null : Problems.Forbidden("Only the key's own user and their tenant's admins manage a user's keys.");
    }
}
