using System.Collections.Concurrent;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Usage;

/// <summary>Whose budget: the tenant's (set by the operator) or the user's own, within the tenant's (set by its admin).</summary>
public enum BudgetScope
{
    Tenant,
    User,
}

/// <summary>Where one budget stands: what it allows per period, what is left now (spent and reserved taken off), when it resets.</summary>
public sealed record BudgetStatus(BudgetScope Scope, long BudgetTokens, BudgetPeriod Period, long RemainingTokens, DateTime ResetsAt);

/// <summary>
/// Token budgets per tenant and per user, per UTC day or month. A model call reserves its worst case before it starts
/// (<see cref="ReserveAsync"/>) and settles to what it used, or releases everything, when it ends; a call whose worst
/// case does not fit in every budget that applies is refused, so concurrent calls can never spend more than a budget.
/// </summary>
/// <remarks>
/// The ledger lives in this process: one entry per tenant, and under its lock the tenant's account and its users' accounts
/// change together, so a check and its reservation are one step. Spend is persisted as the usage records
/// (<see cref="UsageRecorder"/>); an account is loaded from them the first time a period is used in this process, so a
/// restart keeps what was spent (less records still queued at a crash; reservations in flight die with their requests).
/// Scale-out (several instances) needs the accounts in a shared store instead, e.g. Redis with the check-and-reserve
/// as one Lua script (or INCRBY then DECRBY on refusal) per period key expiring after the period, and settlement as
/// another atomic INCRBY; the per-process lock here is then gone. The budgets come with the caller
/// (<see cref="Caller.TenantBudget"/>, <see cref="Caller.UserBudget"/>): changing one evicts the keys' cached lookups,
/// so a PATCH takes effect on the next call without a database read on every call.
/// </remarks>
public sealed class TokenBudgets(IServiceScopeFactory scopes, UsageRecorder recorder, TimeProvider clock)
{
    private readonly ConcurrentDictionary<long, TenantLedger> _ledgers = new();

    /// <summary>Reserves the call's worst case from every budget that applies to the caller.</summary>
    /// <param name="caller">Whose budgets.</param>
    /// <param name="worstCase">The most the call can cost; asked only when a budget applies (counting a prompt takes a tokenizer).</param>
    /// <param name="cancellationToken">Cancels reading the budgets.</param>
    /// <exception cref="BudgetExceededException">A budget has less than the worst case left.</exception>
    public async Task<BudgetReservation> ReserveAsync(Caller caller, Func<long> worstCase, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var (ledger, accounts) = await AccountsAsync(caller, now, cancellationToken);
        if (accounts.Count == 0)
        {
            return new BudgetReservation(null, [], 0, now);
        }

        var tokens = worstCase();

        lock (ledger)
        {
            foreach (var account in accounts)
            {
                if (account.Remaining < tokens)
                {
                    throw new BudgetExceededException(account.Status(), tokens);
                }
            }

            foreach (var account in accounts)
            {
                account.Reserved += tokens;
            }
        }

        return new BudgetReservation(ledger, accounts, tokens, now);
    }

    /// <summary>Where the caller's budgets stand, without reserving; empty when none applies.</summary>
    public async Task<IReadOnlyList<BudgetStatus>> StatusAsync(Caller caller, CancellationToken cancellationToken)
    {
        var (ledger, accounts) = await AccountsAsync(caller, clock.GetUtcNow().UtcDateTime, cancellationToken);
        lock (ledger)
        {
            return [.. accounts.Select(a => a.Status())];
        }
    }

    public static DateTime PeriodStart(BudgetPeriod period, DateTime now) => period == BudgetPeriod.Day
        ? now.Date
        : new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    public static DateTime PeriodEnd(BudgetPeriod period, DateTime start) => period == BudgetPeriod.Day ? start.AddDays(1) : start.AddMonths(1);

    private async Task<(TenantLedger Ledger, List<Account> Accounts)> AccountsAsync(Caller caller, DateTime now, CancellationToken cancellationToken)
    {
        var ledger = _ledgers.GetOrAdd(caller.TenantId, static _ => new TenantLedger());
        List<Account> accounts = [];
        if (caller.TenantBudget is { } tenantBudget)
        {
            accounts.Add(await AccountAsync(ledger, caller, BudgetScope.Tenant, tenantBudget, now, cancellationToken));
        }

        if (caller.UserBudget is { } userBudget)
        {
            accounts.Add(await AccountAsync(ledger, caller, BudgetScope.User, userBudget, now, cancellationToken));
        }

        return (ledger, accounts);
    }

    private async Task<Account> AccountAsync(TenantLedger ledger, Caller caller, BudgetScope scope, Budget limit, DateTime now,
        CancellationToken cancellationToken)
    {
        var (budget, period) = (limit.Tokens, limit.Period);
        var key = scope == BudgetScope.Tenant ? 0 : caller.UserId;
        var start = PeriodStart(period, now);
        lock (ledger)
        {
            if (ledger.Accounts.TryGetValue(key, out var current) && current.Period == period && current.Start == start)
            {
                current.Budget = budget;
                return current;
            }
        }

        // First use of this period in this process: what was spent in it so far is in the usage records.
        await recorder.FlushAsync(cancellationToken);
        await using var services = scopes.CreateAsyncScope();
        var db = services.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        var records = db.UsageRecords.Where(r => r.TenantId == caller.TenantId && r.At >= start);
        if (scope == BudgetScope.User)
        {
            records = records.Where(r => r.UserId == caller.UserId);
        }

        var spent = await records.SumAsync(r => r.TotalTokens, cancellationToken);
        lock (ledger)
        {
            // Another request may have loaded it meanwhile; its account may already hold reservations, so it is kept.
            if (ledger.Accounts.TryGetValue(key, out var current) && current.Period == period && current.Start == start)
            {
                current.Budget = budget;
                return current;
            }

            var account = new Account(scope, period, start, PeriodEnd(period, start)) { Budget = budget, Spent = spent };
            ledger.Accounts[key] = account;
            return account;
        }
    }

    /// <summary>A tenant's accounts (key 0) and its users' (by user id); the instance is the lock for all of them.</summary>
    internal sealed class TenantLedger
    {
        public Dictionary<long, Account> Accounts { get; } = [];
    }

    /// <summary>One budget's period; changed only under its <see cref="TenantLedger"/>'s lock.</summary>
    internal sealed class Account(BudgetScope scope, BudgetPeriod period, DateTime start, DateTime end)
    {
        public BudgetScope Scope => scope;
        public BudgetPeriod Period => period;
        public DateTime Start => start;
        public long Budget { get; set; }
        public long Spent { get; set; }
        public long Reserved { get; set; }
        public long Remaining => Math.Max(0, Budget - Spent - Reserved);

        public BudgetStatus Status() => new(scope, Budget, period, Remaining, end);
    }
}

/// <summary>
/// A call's hold on its budgets: <see cref="Settle"/> with the tokens it used, or dispose to release it all (a failed or
/// cancelled call). Settling or releasing twice does nothing.
/// </summary>
public sealed class BudgetReservation : IDisposable
{
    private readonly TokenBudgets.TenantLedger? _ledger;
    private readonly List<TokenBudgets.Account> _accounts;
    private readonly long _reserved;
    private int _done;

    internal BudgetReservation(TokenBudgets.TenantLedger? ledger, List<TokenBudgets.Account> accounts, long reserved, DateTime at)
    {
        _ledger = ledger;
        _accounts = accounts;
        _reserved = reserved;
        At = at;
    }

    /// <summary>When the call was admitted; its tokens count in the period of this moment.</summary>
    public DateTime At { get; }

    public long ReservedTokens => _reserved;

    /// <summary>Charges <paramref name="usedTokens"/> (even above the reservation: what the model reports is what was spent) and frees the rest.</summary>
    public void Settle(long usedTokens) => Finish(usedTokens);

    /// <summary>Where the budgets stand now; empty when none applies.</summary>
    public IReadOnlyList<BudgetStatus> Status()
    {
        if (_ledger is null)
        {
            return [];
        }

        lock (_ledger)
        {
            return [.. _accounts.Select(a => a.Status())];
        }
    }

    public void Dispose() => Finish(0);

    private void Finish(long usedTokens)
    {
        if (_ledger is null || Interlocked.Exchange(ref _done, 1) == 1)
        {
            return;
        }

        lock (_ledger)
        {
            foreach (var account in _accounts)
            {
                account.Reserved -= _reserved;
                account.Spent += usedTokens;
            }
        }
    }
}

/// <summary>A budget that has less left than a call's worst case (answered 429).</summary>
public sealed class BudgetExceededException(BudgetStatus budget, long requestedTokens) : Exception(
    $"The {(budget.Scope == BudgetScope.Tenant ? "tenant's" : "user's")} {(budget.Period == BudgetPeriod.Day ? "daily" : "monthly")} token budget " +
    $"of {budget.BudgetTokens} has {budget.RemainingTokens} tokens left; this request may use up to {requestedTokens} " +
    $"(prompt and max_tokens). It resets at {budget.ResetsAt:yyyy-MM-ddTHH:mm:ssZ}.")
{
    public BudgetStatus Budget { get; } = budget;
    public long RequestedTokens { get; } = requestedTokens;
}
