using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Groundwork.Hosting;
using Groundwork.Infrastructure;

namespace Groundwork.Tenants;

public sealed record CreateTenantRequest
{
    /// <summary>Unique, whatever its case.</summary>
    [Required]
    [StringLength(200, MinimumLength = 1)]
    [RegularExpression(@".*\S.*", ErrorMessage = "The name must not be blank or span lines.")]
    public string Name { get; init; } = string.Empty;
}

/// <summary>The fields to change; a field left out is kept.</summary>
public sealed record UpdateTenantRequest
{
    private readonly BudgetSetting? _budget;
    private readonly bool _hasBudget;

    [StringLength(200, MinimumLength = 1)]
    [RegularExpression(@".*\S.*", ErrorMessage = "The name must not be blank or span lines.")]
    public string? Name { get; init; }

    /// <summary>A disabled tenant's keys stop working at once.</summary>
    public bool? Disabled { get; init; }

    /// <summary>The tenant's token budget; null removes it.</summary>
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

/// <summary>A tenant: the isolation boundary of documents, searches, usage and users.</summary>
/// <param name="Id">The tenant.</param>
/// <param name="Name">Unique, whatever its case.</param>
/// <param name="Disabled">A disabled tenant's keys do not work.</param>
/// <param name="Budget">The tenant's token budget, or null.</param>
/// <param name="CreatedAt">When the tenant was created (UTC).</param>
public sealed record TenantResponse(long Id, string Name, bool Disabled, Budget? Budget, DateTime CreatedAt)
{
    public static TenantResponse Of(TenantEntity tenant) =>
        new(tenant.Id, tenant.Name, tenant.Disabled, Groundwork.Hosting.Budget.Of(tenant.BudgetTokens, tenant.BudgetPeriod), tenant.CreatedAt);
}

public sealed record TenantPage(IReadOnlyList<TenantResponse> Tenants);
