using Groundwork.Auth;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.RateLimits;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Audit;

/// <summary>An administrative request as the audit log recorded it.</summary>
/// <param name="Id">The entry.</param>
/// <param name="At">When the request was answered (UTC).</param>
/// <param name="Action">What was attempted: tenant.create, tenant.update, user.create, user.update, key.create, key.revoke.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The request path.</param>
/// <param name="Target">What the request acted on (its resource path), or the request path when it was refused before that was known.</param>
/// <param name="TenantId">The caller's tenant; null when the request had no valid key.</param>
/// <param name="UserId">The caller's user; null when the request had no valid key.</param>
/// <param name="KeyId">The caller's API key.</param>
/// <param name="KeyPrefix">The first characters of that key.</param>
/// <param name="TargetTenantId">The target's tenant, when the caller was allowed to see it.</param>
/// <param name="Status">The HTTP status of the answer: 2xx done, 401/403/404/409/422 refused.</param>
public sealed record AuditEntry(
    long Id, DateTime At, string Action, string Method, string Path, string? Target, long? TenantId, long? UserId, long? KeyId,
    string? KeyPrefix, long? TargetTenantId, int Status);

public sealed record AuditPage(IReadOnlyList<AuditEntry> Entries);

public static class AuditApi
{
    public const int MaxLimit = 1_000;

    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/audit").WithTags("Audit").RequireAuthorization(Policies.Admin).RequirePerKeyRateLimit();
        group.MapGet("", ListAuditEntriesAsync).WithName("ListAuditEntries")
            .WithSummary("Administrative actions, newest first: the caller's tenant's; every tenant's for the operator");
        return group;
    }

    public static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> ListAuditEntriesAsync(
        Caller caller, GroundworkDbContext db, CancellationToken cancellationToken, DateTimeOffset? from = null, DateTimeOffset? to = null,
        int limit = 100, [FromQuery(Name = "tenant_id")] long? tenantId = null)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                ["limit"] = [$"limit must be between 1 and {MaxLimit}."],
            })
            {
                Status = StatusCodes.Status422UnprocessableEntity, Title = "One or more parameters are invalid", Detail = "Invalid parameter(s): limit.",
            });
        }

        if (!caller.IsOperator && tenantId is not null && tenantId != caller.TenantId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Tenant not found", detail: $"No tenant has id {tenantId}.");
        }

        var tenant = caller.IsOperator ? tenantId : caller.TenantId;
        var entries = db.AuditEntries.AsNoTracking();
        if (tenant is { } scoped)
        {
            entries = entries.Where(e => e.ActorTenantId == scoped || e.TargetTenantId == scoped);
        }

        if (from is { } start)
        {
            var startUtc = start.UtcDateTime;
            entries = entries.Where(e => e.At >= startUtc);
        }

        if (to is { } end)
        {
            var endUtc = end.UtcDateTime;
            entries = entries.Where(e => e.At < endUtc);
        }

        var page = await entries.OrderByDescending(e => e.Id).Take(limit)
            .Select(e => new AuditEntry(e.Id, e.At, e.Action, e.Method, e.Path, e.Target, e.ActorTenantId, e.ActorUserId, e.ActorKeyId,
                e.ActorKeyPrefix, e.TargetTenantId, e.Status))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new AuditPage(page));
    }
}
