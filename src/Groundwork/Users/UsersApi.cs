using Groundwork.Audit;
using Groundwork.Auth;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.RateLimits;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Users;

/// <summary>
/// Users of a tenant, managed by its admins; the operator manages every tenant's. Another tenant's user is answered
/// exactly like an unknown id.
/// </summary>
/// <remarks>
/// The post's dependency-injection example: each handler receives a <see cref="GroundworkDbContext"/> scoped to its
/// request and disposed when the request ends, as FastAPI's <c>Depends(get_db)</c> does.
/// </remarks>
public static class UsersApi
{

    public static RouteGroupBuilder MapUsersApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/users").WithTags("Users").RequireAuthorization(Policies.Admin).RequirePerKeyRateLimit();
        group.MapPost("", CreateUserAsync).WithName("CreateUser").WithSummary("Create a user")
            .RequireAuthorization(Policies.Writer).Audited("user.create")
            .WithRequestExample(new CreateUserRequest { Email = "ada@example.com", Name = "Ada Lovelace", Role = Role.Editor });
        group.MapGet("", ListUsersAsync).WithName("ListUsers").WithSummary("List the tenant's users (any tenant's, for the operator)");
        group.MapGet("/{id:long}", GetUserAsync).WithName("GetUser").WithSummary("Get a user by id");
        group.MapPatch("/{id:long}", UpdateUserAsync).WithName("UpdateUser").WithSummary("Change a user's name, role, budget or disable it")
            .RequireAuthorization(Policies.Writer).Audited("user.update")
            .WithRequestExample(new UpdateUserRequest { Role = Role.Reader });
        return group;
    }

    /// <summary>The users the caller may see: the operator every tenant's, anyone else their own tenant's.</summary>
    public static IQueryable<UserEntity> VisibleTo(this IQueryable<UserEntity> users, Caller caller) =>
        caller.IsOperator ? users : users.Where(u => u.TenantId == caller.TenantId);

    public static async Task<Results<Created<UserResponse>, ProblemHttpResult>> CreateUserAsync(
        ValidatedJson<CreateUserRequest> request, Caller caller, GroundworkDbContext db, TimeProvider clock, HttpContext http,
        CancellationToken cancellationToken)
    {
        var tenantId = request.Value.TenantId ?? caller.TenantId;
        if (tenantId != caller.TenantId && !caller.IsOperator || !await db.Tenants.AnyAsync(t => t.Id == tenantId, cancellationToken))
        {
            return TenantNotFound(tenantId);
        }

        var email = request.Value.Email.Trim();
        http.SetAuditTarget($"/tenants/{tenantId}/users", tenantId);
        if (await db.Users.AnyAsync(u => u.TenantId == tenantId && u.Email == email, cancellationToken))
        {
            return DuplicateEmail(email);
        }

        var user = new UserEntity
        {
            TenantId = tenantId, Role = request.Value.Role, Email = email, Name = request.Value.Name.Trim(), CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException exception) when (StorageErrors.IsUniqueViolation(exception))
        {
            // Another request created the same email between the check and the insert.
            return DuplicateEmail(email);
        }

        http.SetAuditTarget($"/users/{user.Id}", tenantId);
        return TypedResults.Created($"/users/{user.Id}", UserResponse.Of(user));
    }

    public static async Task<Results<Ok<UserPage>, ProblemHttpResult>> ListUsersAsync(
        Caller caller, GroundworkDbContext db, CancellationToken cancellationToken, [FromQuery(Name = "tenant_id")] long? tenantId = null)
    {
        if (tenantId is not null && tenantId != caller.TenantId && !caller.IsOperator)
        {
            return TenantNotFound(tenantId.Value);
        }

        var users = db.Users.AsNoTracking().VisibleTo(caller);
        if (tenantId is { } wanted)
        {
            users = users.Where(u => u.TenantId == wanted);
        }

        var page = await users.OrderBy(u => u.TenantId).ThenBy(u => u.Email).ToListAsync(cancellationToken);
        return TypedResults.Ok(new UserPage([.. page.Select(UserResponse.Of)]));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUserAsync(
        long id, Caller caller, GroundworkDbContext db, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().VisibleTo(caller).FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        return user is null ? UserNotFound(id) : TypedResults.Ok(UserResponse.Of(user));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> UpdateUserAsync(
        long id, ValidatedJson<UpdateUserRequest> request, Caller caller, GroundworkDbContext db, ApiKeyResolver keys, HttpContext http,
        CancellationToken cancellationToken)
    {
        var user = await db.Users.VisibleTo(caller).FirstOrDefaultAsync(u => u.Id == id, cancellationToken);
        if (user is null)
        {
            return UserNotFound(id);
        }

        http.SetAuditTarget($"/users/{id}", user.TenantId);
        var change = request.Value;
        if (user.IsOperator && !caller.IsOperator)
        {
            return Problems.Forbidden("Only the operator can change the operator's account.");
        }

        if (user.Id == caller.UserId && (change.Role is { } role && role != user.Role || change.Disabled == true))
        {
            return Problems.Conflict("Cannot lock yourself out",
                "You cannot change your own role or disable yourself; another admin (or the operator) can.");
        }

        user.Name = change.Name?.Trim() ?? user.Name;
        user.Role = change.Role ?? user.Role;
        user.Disabled = change.Disabled ?? user.Disabled;
        if (change.HasBudget)
        {
            user.BudgetTokens = change.Budget?.Tokens;
            user.BudgetPeriod = change.Budget?.Period;
        }

        var accessChanged = db.Entry(user).Property(u => u.Role).IsModified || db.Entry(user).Property(u => u.Disabled).IsModified
            || db.Entry(user).Property(u => u.BudgetTokens).IsModified || db.Entry(user).Property(u => u.BudgetPeriod).IsModified;
        await db.SaveChangesAsync(cancellationToken);
        if (accessChanged)
        {
            await keys.EvictUserAsync(db, user.Id, cancellationToken);
        }

        return TypedResults.Ok(UserResponse.Of(user));
    }

    public static ProblemHttpResult UserNotFound(long id) => Problems.NotFound("User not found", $"No user has id {id}.");

    public static ProblemHttpResult TenantNotFound(long id) => Problems.NotFound("Tenant not found", $"No tenant has id {id}.");

    private static ProblemHttpResult DuplicateEmail(string email) =>
        Problems.Conflict("Email already registered", $"A user with email '{email}' already exists in this tenant.");
}
