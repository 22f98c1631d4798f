namespace Groundwork.Audit;

public static class AuditRegistration
{
    /// <summary>Records requests to audited endpoints. Goes after routing (it needs the endpoint) and before
    /// authentication (so that refused requests are recorded too).</summary>
    public static IApplicationBuilder UseAudit(this IApplicationBuilder app) => app.UseMiddleware<AuditMiddleware>();
}
