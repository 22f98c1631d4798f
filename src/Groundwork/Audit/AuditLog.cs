using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Audit;

/// <summary>Marks an endpoint whose every request, allowed or refused, is written to the audit log.</summary>
public sealed record AuditedMetadata(string Action);

/// <summary>What a handler tells the audit log about its request once it knows: what it acted on and that target's tenant.</summary>
public sealed class AuditTarget
{
    public string? Target { get; set; }
    public long? TenantId { get; set; }
}

public static class AuditExtensions
{
    /// <summary>Writes every request to this endpoint to the audit log as <paramref name="action"/>.</summary>
    public static RouteHandlerBuilder Audited(this RouteHandlerBuilder builder, string action) =>
        builder.WithMetadata(new AuditedMetadata(action));

    /// <summary>Names the target of an audited request. Call it only once the caller may know the target exists: the
    /// target's tenant admins read the entry.</summary>
    public static void SetAuditTarget(this HttpContext context, string target, long tenantId)
    {
        if (context.Features.Get<AuditTarget>() is { } audit)
        {
            audit.Target = target;
            audit.TenantId = tenantId;
        }
    }
}

/// <summary>
/// Writes one <see cref="AuditEntryEntity"/> per request to an <see cref="AuditedMetadata"/> endpoint. It runs before
/// authentication and writes when the response starts, so that refusals by authentication (401), authorization (403)
/// and validation (422) are recorded with their status like successes; the client sees the answer only after the entry
/// is stored.
/// </summary>
public sealed class AuditMiddleware(IServiceScopeFactory scopes, TimeProvider clock, ILogger<AuditMiddleware> logger) : IMiddleware
{
    private const int MaxPathLength = 2_000;

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<AuditedMetadata>() is { } audited)
        {
            var target = new AuditTarget();
            context.Features.Set(target);
            context.Response.OnStarting(() => WriteAsync(context, audited.Action, target));
        }

        return next(context);
    }

    private async Task WriteAsync(HttpContext context, string action, AuditTarget target)
    {
        var caller = Caller.From(context.User);
        var path = Truncate(context.Request.Path.Value ?? "/");
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
            var prefix = caller is null
                ? null
                : await db.ApiKeys.Where(k => k.Id == caller.KeyId).Select(k => k.Prefix).FirstOrDefaultAsync(CancellationToken.None);
            db.AuditEntries.Add(new AuditEntryEntity
            {
                At = clock.GetUtcNow().UtcDateTime,
                Action = action,
                Method = context.Request.Method,
                Path = path,
                Target = target.Target is null ? path : Truncate(target.Target),
                ActorTenantId = caller?.TenantId,
                ActorUserId = caller?.UserId,
                ActorKeyId = caller?.KeyId,
                ActorKeyPrefix = prefix,
                TargetTenantId = target.TenantId,
                Status = context.Response.StatusCode,
            });
            // Recorded even when the client has gone away: the attempt happened.
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Could not write the audit entry for {Action} {Method} {Path} ({Status})",
                action, context.Request.Method, path, context.Response.StatusCode);
        }
    }

    private static string Truncate(string value) => value.Length <= MaxPathLength ? value : value[..MaxPathLength];
}
