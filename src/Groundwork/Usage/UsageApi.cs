using System.Globalization;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Groundwork.Models;
using Groundwork.RateLimits;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Groundwork.Usage;

/// <summary>Tokens and requests over a time range: in total, and per UTC day, model or user when asked.</summary>
/// <param name="TenantId">Whose usage this is.</param>
/// <param name="From">Start of the range (inclusive), UTC.</param>
/// <param name="To">End of the range (exclusive), UTC; when the request gave none, the time of the answer.</param>
/// <param name="GroupBy">day, model or user; null when not grouped.</param>
/// <param name="Total">Everything in the range.</param>
/// <param name="Groups">Per group (days ascending, models by name, users by id); empty when not grouped.</param>
public sealed record UsageReport(long TenantId, DateTime From, DateTime To, string? GroupBy, UsageTotals Total, IReadOnlyList<UsageGroup> Groups);

/// <summary>Tokens used and model calls made (every call counts, failed and cancelled ones too, with the tokens they were charged: none).</summary>
public sealed record UsageTotals(long PromptTokens, long CompletionTokens, long TotalTokens, long Requests);

/// <summary>One group: <c>key</c> is the UTC day (yyyy-MM-dd), the model name or the user id.</summary>
public sealed record UsageGroup(string Key, long PromptTokens, long CompletionTokens, long TotalTokens, long Requests);

public static class UsageApi
{
    public const string Day = "day";
    public const string Model = "model";
    public const string User = "user";

    /// <summary>Budgets, the meter every model call goes through, usage records and <c>GET /usage</c>.</summary>
    public static IHostApplicationBuilder AddUsage(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PromptTokenEstimator>();
        builder.Services.AddSingleton<UsageRecorder>();
        builder.Services.AddHostedService(services => services.GetRequiredService<UsageRecorder>());
        builder.Services.AddSingleton<TokenBudgets>();
        builder.Services.AddSingleton<UsageMetrics>();
        builder.Services.AddSingleton<MeteredChat>();
        builder.Services.AddExceptionHandler<BudgetExceededExceptionHandler>();
        return builder;
    }

    /// <summary>Tenant admins read their tenant's usage; the operator any tenant's (<c>tenant_id</c>). Readers and editors do not.</summary>
    public static RouteGroupBuilder MapUsageApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/usage").WithTags("Usage")
            .RequireAuthorization(policy => policy.RequireAssertion(context => Caller.From(context.User) is { Role: Role.Admin } or { IsOperator: true }))
            .RequirePerKeyRateLimit();
        group.MapGet("", GetUsageAsync).WithName("GetUsage")
            .WithSummary("Tokens and model calls of the tenant over a time range, in total and per day, model or user")
            .WithDescription(
                "`from` (inclusive, default the start of the current UTC month) and `to` (exclusive, default now) are ISO 8601 times; " +
                "`group_by` is `day` (UTC), `model` or `user`. Tenant admins read their own tenant; the operator reads any tenant with `tenant_id`.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return group;
    }

    public static async Task<Results<Ok<UsageReport>, ProblemHttpResult, NotFound>> GetUsageAsync(
        Caller caller, GroundworkDbContext db, UsageRecorder recorder, TimeProvider clock, CancellationToken cancellationToken,
        DateTimeOffset? from = null, DateTimeOffset? to = null, [FromQuery(Name = "group_by")] string? groupBy = null,
        [FromQuery(Name = "tenant_id")] long? tenantId = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var start = from?.UtcDateTime ?? new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var end = to?.UtcDateTime ?? now;
        var errors = new Dictionary<string, string[]>();
        if (end < start)
        {
            errors["to"] = ["to must not be before from."];
        }

        if (groupBy is not (null or Day or Model or User))
        {
            errors["group_by"] = ["group_by must be one of day, model, user."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.Problem(new HttpValidationProblemDetails(errors)
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "One or more parameters are invalid",
                Detail = $"Invalid parameter(s): {string.Join(", ", errors.Keys)}.",
            });
        }

        var tenant = tenantId ?? caller.TenantId;
        if (tenant != caller.TenantId)
        {
            if (!caller.IsOperator)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                    detail: "Only the operator reads another tenant's usage; leave tenant_id out for your own.");
            }

            if (!await db.Tenants.AnyAsync(t => t.Id == tenant, cancellationToken))
            {
                return TypedResults.NotFound();
            }
        }

        // Records are written in batches off the request path; every call answered before this one is counted.
        await recorder.FlushAsync(cancellationToken);
        var records = db.UsageRecords.AsNoTracking().Where(r => r.TenantId == tenant && r.At >= start && r.At < end);
        var total = await records.GroupBy(_ => 1)
            .Select(g => new UsageTotals(g.Sum(r => r.PromptTokens), g.Sum(r => r.CompletionTokens), g.Sum(r => r.TotalTokens), g.LongCount()))
            .FirstOrDefaultAsync(cancellationToken) ?? new UsageTotals(0, 0, 0, 0);
        IReadOnlyList<UsageGroup> groups = groupBy switch
        {
            Day => (await records.GroupBy(r => r.At.Date)
                    .Select(g => new { g.Key, Prompt = g.Sum(r => r.PromptTokens), Completion = g.Sum(r => r.CompletionTokens), Total = g.Sum(r => r.TotalTokens), Requests = g.LongCount() })
                    .ToListAsync(cancellationToken))
                .OrderBy(g => g.Key)
                .Select(g => new UsageGroup(g.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), g.Prompt, g.Completion, g.Total, g.Requests)).ToList(),
            Model => (await records.GroupBy(r => r.Model)
                    .Select(g => new { g.Key, Prompt = g.Sum(r => r.PromptTokens), Completion = g.Sum(r => r.CompletionTokens), Total = g.Sum(r => r.TotalTokens), Requests = g.LongCount() })
                    .ToListAsync(cancellationToken))
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new UsageGroup(g.Key, g.Prompt, g.Completion, g.Total, g.Requests)).ToList(),
            User => (await records.GroupBy(r => r.UserId)
                    .Select(g => new { g.Key, Prompt = g.Sum(r => r.PromptTokens), Completion = g.Sum(r => r.CompletionTokens), Total = g.Sum(r => r.TotalTokens), Requests = g.LongCount() })
                    .ToListAsync(cancellationToken))
                .OrderBy(g => g.Key)
                .Select(g => new UsageGroup(g.Key.ToString(CultureInfo.InvariantCulture), g.Prompt, g.Completion, g.Total, g.Requests)).ToList(),
            _ => [],
        };
        return TypedResults.Ok(new UsageReport(tenant, start, end, groupBy, total, groups));
    }
}
