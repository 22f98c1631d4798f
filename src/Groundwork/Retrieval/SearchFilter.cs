using System.Text.Json;

namespace Groundwork.Retrieval;

/// <summary>The property of a chunk's document that a filter condition tests.</summary>
public enum FilterField
{
    DocumentId,
    ExternalId,
    Source,
    Title,
    CreatedAt,
    Tags,
    Metadata,
}

public enum FilterOperator
{
    Eq,
    Ne,
    In,
    Nin,
    Gt,
    Gte,
    Lt,
    Lte,
    Any,
    All,
}

/// <summary>
/// One test on a chunk's document. <see cref="Values"/> holds the operand, or the distinct items of an
/// in/nin/any/all list: <see cref="long"/> (document ids, whole metadata numbers), <see cref="double"/>,
/// <see cref="string"/>, <see cref="bool"/> (metadata) or a UTC <see cref="DateTime"/> (created_at).
/// </summary>
public sealed record FilterCondition(FilterField Field, string? MetadataKey, FilterOperator Operator, IReadOnlyList<object> Values);

/// <summary>
/// Conditions on the document of a chunk, all of which must hold for the chunk to be found.
/// Only <see cref="SearchFilterParser"/> makes one, so every instance is valid.
/// </summary>
public sealed class SearchFilter
{
    internal SearchFilter(IReadOnlyList<FilterCondition> conditions) => Conditions = conditions;

    public IReadOnlyList<FilterCondition> Conditions { get; }

    /// <summary>Parses a filter already accepted by <see cref="SearchFilterAttribute"/>.</summary>
    /// <exception cref="ArgumentException">The filter is invalid.</exception>
    public static SearchFilter Parse(JsonElement json) =>
        SearchFilterParser.TryParse(json, "filter", out var filter, out var errors)
            ? filter
            : throw new ArgumentException($"Invalid filter: {string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}",
                nameof(json));
}
