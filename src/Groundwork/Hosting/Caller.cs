using System.Globalization;
using System.Security.Claims;
using Groundwork.Infrastructure;

namespace Groundwork.Hosting;

/// <summary>
/// Who sent the request: the API key, its user, the user's tenant and role. Every endpoint but the health probes and
/// the API description requires one, so a handler takes a <see cref="Caller"/> parameter and acts inside
/// <see cref="TenantId"/>; there is no request without a tenant. It carries the tenant's and the user's token budgets
/// as well, so metering a call reads no database: like the role, they are resolved with the key and a change to them
/// evicts the key's cached lookup.
/// </summary>
public sealed record Caller(long TenantId, long UserId, long KeyId, Role Role, bool ReadOnly, bool IsOperator,
    Budget? TenantBudget = null, Budget? UserBudget = null)
{
    public const string TenantClaim = "gw:tenant";
    public const string UserClaim = "gw:user";
    public const string KeyClaim = "gw:key";
    public const string RoleClaim = "gw:role";
    public const string ReadOnlyClaim = "gw:read_only";
    public const string OperatorClaim = "gw:operator";
    public const string TenantBudgetClaim = "gw:tenant_budget";
    public const string UserBudgetClaim = "gw:user_budget";

    /// <summary>What the key may do: its user's role, or reading only.</summary>
    public bool CanWrite => !ReadOnly;

    public ClaimsPrincipal ToPrincipal(string authenticationType)
    {
        List<Claim> claims =
        [
            new(TenantClaim, TenantId.ToString(CultureInfo.InvariantCulture)),
            new(UserClaim, UserId.ToString(CultureInfo.InvariantCulture)),
            new(KeyClaim, KeyId.ToString(CultureInfo.InvariantCulture)),
            new(RoleClaim, Role.ToString()),
        ];
        if (ReadOnly)
        {
            claims.Add(new Claim(ReadOnlyClaim, "true"));
        }

        if (IsOperator)
        {
            claims.Add(new Claim(OperatorClaim, "true"));
        }

        if (TenantBudget is not null)
        {
            claims.Add(new Claim(TenantBudgetClaim, TenantBudget.ToString()));
        }

        if (UserBudget is not null)
        {
            claims.Add(new Claim(UserBudgetClaim, UserBudget.ToString()));
        }

        return new CallerPrincipal(this, new ClaimsIdentity(claims, authenticationType, UserClaim, RoleClaim));
    }

    /// <summary>The caller a principal made by <see cref="ToPrincipal"/> describes; null for anyone else.</summary>
    public static Caller? From(ClaimsPrincipal principal)
    {
        // Asked several times per request (policies, rate limits, binding, audit): the principal made here holds it.
        if (principal is CallerPrincipal { Identity.IsAuthenticated: true } made)
        {
            return made.Caller;
        }

        if (principal.Identity?.IsAuthenticated != true
            || !long.TryParse(principal.FindFirstValue(TenantClaim), CultureInfo.InvariantCulture, out var tenant)
            || !long.TryParse(principal.FindFirstValue(UserClaim), CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(principal.FindFirstValue(KeyClaim), CultureInfo.InvariantCulture, out var key)
            || !Enum.TryParse<Role>(principal.FindFirstValue(RoleClaim), out var role))
        {
            return null;
        }

        return new Caller(tenant, user, key, role, principal.HasClaim(ReadOnlyClaim, "true"), principal.HasClaim(OperatorClaim, "true"),
            Budget.Parse(principal.FindFirstValue(TenantBudgetClaim)), Budget.Parse(principal.FindFirstValue(UserBudgetClaim)));
    }

    /// <summary>Minimal APIs bind a <see cref="Caller"/> parameter from the authenticated user.</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context) =>
        ValueTask.FromResult<Caller?>(From(context.User)
            ?? throw new InvalidOperationException("The endpoint takes a Caller but allows anonymous requests; require authorization on its group."));
}

/// <summary>The principal of an authenticated <see cref="Caller"/>, keeping the caller it was made from.</summary>
internal sealed class CallerPrincipal(Caller caller, ClaimsIdentity identity) : ClaimsPrincipal(identity)
{
    public Caller Caller => caller;
}
