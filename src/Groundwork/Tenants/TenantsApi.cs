using Groundwork.Audit;
using Groundwork.Auth;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.RateLimits;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Tenants;

/// <summary>
/// Tenants, managed by the operator only. A new tenant has no users: the operator creates its first admin with
/// <c>POST /users</c> and the tenant's id.
/// </summary>
public static class TenantsApi
{

    public static RouteGroupBuilder MapTenantsApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/tenants").WithTags("Tenants").RequireAuthorization(Policies.Operator).RequirePerKeyRateLimit();
        group.MapPost("", CreateTenantAsync).WithName("CreateTenant").WithSummary("Create a tenant (operator)")
            .RequireAuthorization(Policies.Writer).Audited("tenant.create")
            .WithRequestExample(new CreateTenantRequest { Name = "acme" });
        group.MapGet("", ListTenantsAsync).WithName("ListTenants").WithSummary("List the tenants (operator)");
        group.MapGet("/{id:long}", GetTenantAsync).WithName("GetTenant").WithSummary("Get a tenant (operator)");
        group.MapPatch("/{id:long}", UpdateTenantAsync).WithName("UpdateTenant")
            .WithSummary("Rename a tenant, set its budget or disable it (operator)")
            .RequireAuthorization(Policies.Writer).Audited("tenant.update")
            .WithRequestExample(new UpdateTenantRequest { Budget = new BudgetSetting { Tokens = 1_000_000, Period = BudgetPeriod.Month } });
        return group;
    }

    public static async Task<Results<Created<TenantResponse>, ProblemHttpResult>> CreateTenantAsync(
        ValidatedJson<CreateTenantRequest> request, GroundworkDbContext db, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var name = request.Value.Name.Trim();
        if (await db.Tenants.AnyAsync(t => t.Name == name, cancellationToken))
        {
            return DuplicateName(name);
        }

        var tenant = new TenantEntity { Name = name, CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.Tenants.Add(tenant);
        if (await TrySaveAsync(db, cancellationToken) is false)
        {
            return DuplicateName(name);
        }

        http.SetAuditTarget($"/tenants/{tenant.Id}", tenant.Id);
        return TypedResults.Created($"/tenants/{tenant.Id}", TenantResponse.Of(tenant));
    }

    public static async Task<Ok<TenantPage>> ListTenantsAsync(GroundworkDbContext db, CancellationToken cancellationToken)
    {
        var tenants = await db.Tenants.AsNoTracking().OrderBy(t => t.Name).ToListAsync(cancellationToken);
        return TypedResults.Ok(new TenantPage([.. tenants.Select(TenantResponse.Of)]));
    }

    public static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> GetTenantAsync(
        long id, GroundworkDbContext db, CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        return tenant is null ? TenantNotFound(id) : TypedResults.Ok(TenantResponse.Of(tenant));
    }

    public static async Task<Results<Ok<TenantResponse>, ProblemHttpResult>> UpdateTenantAsync(
        long id, ValidatedJson<UpdateTenantRequest> request, Caller caller, GroundworkDbContext db, ApiKeyResolver keys, HttpContext http,
        CancellationToken cancellationToken)
    {
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (tenant is null)
        {
            return TenantNotFound(id);
        }

        http.SetAuditTarget($"/tenants/{id}", id);
        var change = request.Value;
        if (id == caller.TenantId && change.Disabled == true)
        {
            return Problems.Conflict("Cannot lock yourself out", "The operator's own tenant cannot be disabled.");
        }

        var name = change.Name?.Trim();
        if (name is not null && !name.Equals(tenant.Name, StringComparison.OrdinalIgnoreCase)
            && await db.Tenants.AnyAsync(t => t.Name == name && t.Id != id, cancellationToken))
        {
            return DuplicateName(name);
        }

        tenant.Name = name ?? tenant.Name;
        tenant.Disabled = change.Disabled ?? tenant.Disabled;
        if (change.HasBudget)
        {
            tenant.BudgetTokens = change.Budget?.Tokens;
            tenant.BudgetPeriod = change.Budget?.Period;
        }

        var accessChanged = db.Entry(tenant).Property(t => t.Disabled).IsModified
            || db.Entry(tenant).Property(t => t.BudgetTokens).IsModified || db.Entry(tenant).Property(t => t.BudgetPeriod).IsModified;
        if (await TrySaveAsync(db, cancellationToken) is false)
        {
            return DuplicateName(tenant.Name);
        }

        if (accessChanged)
        {
            await keys.EvictTenantAsync(db, id, cancellationToken);
        }

        return TypedResults.Ok(TenantResponse.Of(tenant));
    }

    /// <summary>False when another request took the same name between the check and the write.</summary>
    private static async Task<bool> TrySaveAsync(GroundworkDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException exception) when (StorageErrors.IsUniqueViolation(exception))
        {
            return false;
        }
    }

    private static ProblemHttpResult TenantNotFound(long id) => Problems.NotFound("Tenant not found", $"No tenant has id {id}.");

    private static ProblemHttpResult DuplicateName(string name) =>
        Problems.Conflict("Tenant name taken", $"A tenant named '{name}' already exists.");
}
