using System.ComponentModel.DataAnnotations;

namespace Groundwork.Models;

/// <summary>The value must be one of the model names in the <c>Models</c> section; the OpenAPI document lists them as an enum.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class ConfiguredModelAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var registry = validationContext.GetService(typeof(ModelRegistry)) as ModelRegistry
            ?? throw new InvalidOperationException("ModelRegistry is not registered.");
        return value is string name && registry.IsKnown(name)
            ? ValidationResult.Success
            : new ValidationResult(
                $"The {validationContext.DisplayName} field must be one of the configured models: {string.Join(", ", registry.Names)}.",
                [validationContext.MemberName!]);
    }
}
