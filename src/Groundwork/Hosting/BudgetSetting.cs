using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Groundwork.Infrastructure;

namespace Groundwork.Hosting;

/// <summary>A token budget as tenants and users are given one: at most <see cref="Tokens"/> per UTC day or month.</summary>
public sealed record BudgetSetting
{
    /// <summary>Tokens (prompt and completion) that may be spent per period.</summary>
    public long? Tokens { get; init; }

    /// <summary>The UTC calendar period the tokens are counted over: day or month.</summary>
    public BudgetPeriod? Period { get; init; }
}

/// <summary>A budget as stored: tokens per period.</summary>
public sealed record Budget(long Tokens, BudgetPeriod Period)
{
    /// <summary>The stored columns as a budget; a period left unset (the API always sets one) counts as a month.</summary>
    public static Budget? Of(long? tokens, BudgetPeriod? period) => tokens is { } t ? new Budget(t, period ?? BudgetPeriod.Month) : null;

    /// <summary>The budget written by <see cref="ToString"/>; null for null or anything else.</summary>
    public static Budget? Parse(string? text) =>
        text?.Split(' ') is [var tokens, var period]
        && long.TryParse(tokens, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
        && Enum.TryParse<BudgetPeriod>(period, out var p)
            ? new Budget(t, p)
            : null;

    public override string ToString() => Tokens.ToString(CultureInfo.InvariantCulture) + " " + Period;
}

/// <summary>The value, when present, is a complete budget; each problem is reported under its own path (<c>budget.tokens</c>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ValidBudgetAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not BudgetSetting budget)
        {
            return ValidationResult.Success;
        }

        var field = validationContext.MemberName ?? "budget";
        var errors = new Dictionary<string, string[]>();
        if (budget.Tokens is not { } tokens)
        {
            errors[$"{field}.tokens"] = ["The tokens field is required: the tokens that may be spent per period."];
        }
        else if (tokens < 1)
        {
            errors[$"{field}.tokens"] = ["The tokens field must be 1 or more (set the budget to null for none)."];
        }

        if (budget.Period is null)
        {
            errors[$"{field}.period"] = ["The period field is required: day or month."];
        }

        return errors.Count == 0 ? ValidationResult.Success : new NestedValidationResult(errors);
    }
}
