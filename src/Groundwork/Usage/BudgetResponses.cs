using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Groundwork.Usage;

/// <summary>Token budgets as response headers, and a budget that cannot take a call as a 429.</summary>
public sealed class BudgetExceededExceptionHandler(IProblemDetailsService problems, TimeProvider clock, ILogger<BudgetExceededExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BudgetExceededException exceeded)
        {
            return false;
        }

        var budget = exceeded.Budget;
        logger.LogInformation("Refused a model call over the {Scope} token budget: {Requested} tokens asked, {Remaining} of {Budget} left",
            budget.Scope, exceeded.RequestedTokens, budget.RemainingTokens, budget.BudgetTokens);
        var now = clock.GetUtcNow().UtcDateTime;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = RateLimitHeaders.Seconds(budget.ResetsAt - now).ToString(System.Globalization.CultureInfo.InvariantCulture);
        BudgetHeaders.Write(context.Response, [budget], now);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Token budget exceeded",
                Detail = exceeded.Message,
                Extensions =
                {
                    ["limit"] = budget.Scope == BudgetScope.Tenant ? "tenant" : "user",
                    ["budget_tokens"] = budget.BudgetTokens,
                    ["period"] = budget.Period == BudgetPeriod.Day ? "day" : "month",
                    ["remaining_tokens"] = budget.RemainingTokens,
                    ["requested_tokens"] = exceeded.RequestedTokens,
                    ["resets_at"] = budget.ResetsAt,
                },
            },
        });
    }
}

public static class BudgetHeaders
{
    /// <summary>One <c>RateLimit</c> member per budget: <c>"tenant-tokens"</c> and/or <c>"user-tokens"</c>, counted in tokens.</summary>
    public static void Write(HttpResponse response, IReadOnlyList<BudgetStatus> budgets, DateTime now)
    {
        foreach (var budget in budgets)
        {
            var start = TokenBudgets.PeriodStart(budget.Period, now);
            RateLimitHeaders.Append(
                response, budget.Scope == BudgetScope.Tenant ? "tenant-tokens" : "user-tokens", budget.BudgetTokens,
                TokenBudgets.PeriodEnd(budget.Period, start) - start, budget.RemainingTokens, budget.ResetsAt - now, unit: "tokens");
        }
    }
}
