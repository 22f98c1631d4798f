namespace Groundwork.Audit;

public static class AuditRegistration
{
    /// <summary>The audit log of administrative requests; endpoints opt in with <see cref="AuditExtensions.Audited"/>.</summary>
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditMiddleware>();
        return builder;
    }

    /// <summary>Records requests to audited endpoints. Goes after routing (it needs the endpoint) and before
    /// authentication (so that refused requests are recorded too).</summary>
    public static IApplicationBuilder UseAudit(this IApplicationBuilder app) => app.UseMiddleware<AuditMiddleware>();
}
