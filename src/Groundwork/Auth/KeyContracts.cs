using System.ComponentModel.DataAnnotations;
using Groundwork.Infrastructure;

namespace Groundwork.Auth;

public sealed record CreateKeyRequest
{
    /// <summary>What the key is for ("ci", "laptop").</summary>
    [Required]
    [StringLength(200, MinimumLength = 1)]
    [RegularExpression(@".*\S.*", ErrorMessage = "The name must not be blank or span lines.")]
    public string Name { get; init; } = string.Empty;

    /// <summary>When the key stops working; never when absent. Must be in the future.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>A read-only key searches, generates and reads, and changes nothing.</summary>
    public bool ReadOnly { get; init; }
}

/// <summary>A new key. <c>key</c> is shown only in this answer: only its hash is stored.</summary>
/// <param name="Id">The key.</param>
/// <param name="Key">The key itself, to send as <c>Authorization: Bearer …</c>; it cannot be retrieved again.</param>
/// <param name="Prefix">Its first characters, how it is listed.</param>
/// <param name="Name">What it is for.</param>
/// <param name="UserId">The user it acts as.</param>
/// <param name="ReadOnly">Whether it may change nothing.</param>
/// <param name="CreatedAt">When it was made (UTC).</param>
/// <param name="ExpiresAt">When it stops working, or null.</param>
public sealed record CreatedKey(long Id, string Key, string Prefix, string Name, long UserId, bool ReadOnly, DateTime CreatedAt, DateTime? ExpiresAt);

/// <summary>A key as it is listed (never the key itself).</summary>
/// <param name="Id">The key.</param>
/// <param name="Prefix">Its first characters.</param>
/// <param name="Name">What it is for.</param>
/// <param name="CreatedAt">When it was made (UTC).</param>
/// <param name="LastUsedAt">When it was last used, to the minute; null if never.</param>
/// <param name="ExpiresAt">When it stops working, or null.</param>
/// <param name="ReadOnly">Whether it may change nothing.</param>
/// <param name="Revoked">Whether it was revoked.</param>
/// <param name="RevokedAt">When it was revoked, or null.</param>
public sealed record KeySummary(
    long Id, string Prefix, string Name, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? ExpiresAt, bool ReadOnly, bool Revoked, DateTime? RevokedAt)
{
    public static KeySummary Of(ApiKeyEntity key) =>
        new(key.Id, key.Prefix, key.Name, key.CreatedAt, key.LastUsedAt, key.ExpiresAt, key.ReadOnly, key.RevokedAt is not null, key.RevokedAt);
}

public sealed record KeyPage(IReadOnlyList<KeySummary> Keys);

/// <summary>The caller: the user, tenant and key behind the request.</summary>
/// <param name="User">The key's user.</param>
/// <param name="Tenant">The user's tenant.</param>
/// <param name="Key">The key the request was sent with.</param>
/// <param name="Budget">The token budgets that apply to the caller (the tenant's, the user's), each with what is left
/// this period and when it resets; empty when none applies.</param>
public sealed record MeResponse(MeUser User, MeTenant Tenant, MeKey Key, IReadOnlyList<Groundwork.Usage.BudgetStatus> Budget);

/// <param name="Id">The user.</param>
/// <param name="Email">The user's email.</param>
/// <param name="Name">The user's name.</param>
/// <param name="Role">reader, editor or admin.</param>
/// <param name="Operator">Whether the user is the service's operator.</param>
public sealed record MeUser(long Id, string Email, string Name, Role Role, bool Operator);

/// <param name="Id">The tenant.</param>
/// <param name="Name">Its name.</param>
public sealed record MeTenant(long Id, string Name);

/// <param name="Id">The key.</param>
/// <param name="Prefix">Its first characters.</param>
/// <param name="Name">What it is for.</param>
/// <param name="ReadOnly">Whether it may change nothing.</param>
/// <param name="ExpiresAt">When it stops working, or null.</param>
public sealed record MeKey(long Id, string Prefix, string Name, bool ReadOnly, DateTime? ExpiresAt);
