using System.ComponentModel.DataAnnotations;

namespace Groundwork.Hosting;

/// <summary>
/// A failed validation of a structured field, with its messages keyed by the JSON path of each offending part
/// (<c>filter.created_at.gte</c>). <see cref="JsonRequestReader"/> reports every path as an error of its own.
/// </summary>
public sealed class NestedValidationResult(IReadOnlyDictionary<string, string[]> errorsByPath)
    : ValidationResult($"Invalid: {string.Join(", ", errorsByPath.Keys)}.", [.. errorsByPath.Keys])
{
    public IReadOnlyDictionary<string, string[]> ErrorsByPath { get; } = errorsByPath;
}
