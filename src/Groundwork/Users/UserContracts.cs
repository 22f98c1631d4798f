using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Groundwork.Hosting;
using Groundwork.Infrastructure;

namespace Groundwork.Users;

public sealed record CreateUserRequest
{
    [Required]
    [StringLength(320, MinimumLength = 3)]
    [EmailAddress]
    public string Email { get; init; } = string.Empty;

    [Required]
    [StringLength(200, MinimumLength = 1)]
    [RegularExpression(@".*\S.*", ErrorMessage = "The name must not be blank or span lines.")]
    public string Name { get; init; } = string.Empty;

    /// <summary>reader (search and generate), editor (also add and delete documents) or admin (also manage the tenant's users and keys); reader when absent.</summary>
    public Role Role { get; init; } = Role.Reader;

    /// <summary>The tenant to create the user in: the operator's choice (a new tenant's first admin); anyone else creates users in their own tenant.</summary>
    public long? TenantId { get; init; }
}

/// <summary>The fields to change; a field left out is kept.</summary>
public sealed record UpdateUserRequest
{
    private readonly BudgetSetting? _budget;
    private readonly bool _hasBudget;

    [StringLength(200, MinimumLength = 1)]
    [RegularExpression(@".*\S.*", ErrorMessage = "The name must not be blank or span lines.")]
    public string? Name { get; init; }

    public Role? Role { get; init; }

    /// <summary>A disabled user's keys stop working at once.</summary>
    public bool? Disabled { get; init; }

    /// <summary>The user's own token budget within the tenant's; null removes it.</summary>
    [ValidBudget]
    public BudgetSetting? Budget
    {
        get => _budget;
        init
        {
            _budget = value;
            _hasBudget = true;
        }
    }

    /// <summary>Whether the body had a budget field: null there removes the budget, no field keeps it.</summary>
    [JsonIgnore]
    public bool HasBudget => _hasBudget;
}

/// <summary>A user.</summary>
/// <param name="Id">The user.</param>
/// <param name="TenantId">The tenant the user belongs to.</param>
/// <param name="Email">Unique within the tenant, whatever its case.</param>
/// <param name="Name">The user's name.</param>
/// <param name="Role">reader, editor or admin.</param>
/// <param name="Operator">Whether the user is the service's operator (manages tenants, reads every tenant's audit log).</param>
/// <param name="Disabled">A disabled user's keys do not work.</param>
/// <param name="Budget">The user's own token budget, or null.</param>
/// <param name="CreatedAt">When the user was created (UTC).</param>
public sealed record UserResponse(
    long Id, long TenantId, string Email, string Name, Role Role, bool Operator, bool Disabled, Budget? Budget, DateTime CreatedAt)
{
    public static UserResponse Of(UserEntity user) => new(
        user.Id, user.TenantId, user.Email, user.Name, user.Role, user.IsOperator, user.Disabled,
        Groundwork.Hosting.Budget.Of(user.BudgetTokens, user.BudgetPeriod), user.CreatedAt);
}

public sealed record UserPage(IReadOnlyList<UserResponse> Users);
