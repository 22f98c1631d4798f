using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Groundwork.RateLimits;

/// <summary>
/// Request rates: a token bucket per API key (<see cref="PermitsPerSecond"/> refill, <see cref="Burst"/> size), overridden
/// per tenant under <c>RateLimits:Tenants:&lt;tenant id&gt;</c>, and one per client address for requests without a valid key.
/// </summary>
/// <remarks>
/// The per-key defaults are high on purpose: one key must be able to drive the benchmarks (hundreds of concurrent
/// /generate calls, thousands a second). A deployment lowers them for its callers; the budgets bound what they spend.
/// </remarks>
public sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "RateLimits";

    /// <summary>Requests a key may make per second, sustained (its bucket's refill rate); fractions allowed (0.5 = one every 2 s).</summary>
    [Range(0.001, 1_000_000)]
    public double PermitsPerSecond { get; set; } = 10_000;

    /// <summary>Requests a key may make at once after being idle (its bucket's size).</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 20_000;

    /// <summary>Overrides of <see cref="PermitsPerSecond"/> and <see cref="Burst"/> for the keys of a tenant, by tenant id.</summary>
    public Dictionary<string, TenantRateLimit> Tenants { get; set; } = [];

    /// <summary>Requests per second per client address that carry no valid key (answered 401): keys cannot be guessed at speed.</summary>
    [Range(0.001, 1_000_000)]
    public double UnauthenticatedPermitsPerSecond { get; set; } = 1;

    /// <summary>Requests without a valid key a client address may make at once.</summary>
    [Range(1, 10_000_000)]
    public int UnauthenticatedBurst { get; set; } = 100;

    public (double PermitsPerSecond, int Burst) ForTenant(long tenantId) =>
        Tenants.TryGetValue(tenantId.ToString(CultureInfo.InvariantCulture), out var tenant)
            ? (tenant.PermitsPerSecond ?? PermitsPerSecond, tenant.Burst ?? Burst)
            : (PermitsPerSecond, Burst);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (tenant, limit) in Tenants)
        {
            var path = $"{Section}:Tenants:{tenant}";
            if (!long.TryParse(tenant, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                yield return new ValidationResult($"{path}: the key must be a tenant id (a positive integer).", [nameof(Tenants)]);
            }

            if (limit.PermitsPerSecond is < 0.001 or > 1_000_000)
            {
                yield return new ValidationResult($"{path}:PermitsPerSecond must be between 0.001 and 1000000.", [nameof(Tenants)]);
            }

            if (limit.Burst is < 1 or > 10_000_000)
            {
                yield return new ValidationResult($"{path}:Burst must be between 1 and 10000000.", [nameof(Tenants)]);
            }
        }
    }
}

public sealed class TenantRateLimit
{
    public double? PermitsPerSecond { get; set; }
    public int? Burst { get; set; }
}
