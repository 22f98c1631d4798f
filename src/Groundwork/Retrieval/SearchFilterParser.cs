using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Groundwork.Retrieval;

/// <summary>
/// Reads the JSON filter of a search into a <see cref="SearchFilter"/>, or reports every problem under its JSON path
/// (<c>filter.created_at.gte</c>, <c>filter.document_id.in[2]</c>). The grammar is described in
/// <see cref="Grammar"/>, which is also the filter's description in the OpenAPI document.
/// </summary>
public sealed partial class SearchFilterParser
{
    public const int MaxConditions = 16;
    public const int MaxListValues = 100;
    public const int MaxMetadataKeyLength = 100;
    public const string MetadataPrefix = "metadata.";

    public static readonly string Grammar =
        "Conditions on the document of each chunk; a chunk is found only if its document meets all of them, and top_k is " +
        "filled with such chunks. Keys are fields: document_id (integer), external_id, source, title (strings, exact and " +
        "case-sensitive), created_at (ISO 8601 date or date-time; without an offset it is UTC), tags, and metadata.<key> " +
        "(the document's metadata value under <key>: string, number or boolean; booleans by equality only). A bare value means equality. Otherwise " +
        "give an object of operators: eq, ne, in, nin (in and nin take a non-empty list), and on document_id, created_at " +
        "and metadata also gt, gte, lt, lte. Comparisons are typed: a number never equals or falls in a range with a " +
        "string, and metadata ranges compare numbers with numbers and strings with strings (by code point, so ISO 8601 " +
        "dates written alike compare in time order). ne and nin also match documents that lack the field. tags: a bare " +
        "string means the document has that tag; {\"any\": [...]} at least one of them, {\"all\": [...]} every one. " +
        $"At most {MaxConditions} conditions (each operator counts) and {MaxListValues} values per list. " +
        "Example: {\"source\": \"handbook.pdf\", \"tags\": {\"any\": [\"hr\", \"legal\"]}, " +
        "\"created_at\": {\"gte\": \"2024-01-01T00:00:00Z\", \"lt\": \"2025-01-01\"}, \"metadata.year\": {\"gte\": 2020}}.";

    private static readonly Dictionary<string, FilterField> Fields = new(StringComparer.Ordinal)
    {
        ["document_id"] = FilterField.DocumentId,
        ["external_id"] = FilterField.ExternalId,
        ["source"] = FilterField.Source,
        ["title"] = FilterField.Title,
        ["created_at"] = FilterField.CreatedAt,
        ["tags"] = FilterField.Tags,
    };

    private static readonly Dictionary<string, FilterOperator> Operators = new(StringComparer.Ordinal)
    {
        ["eq"] = FilterOperator.Eq,
        ["ne"] = FilterOperator.Ne,
        ["in"] = FilterOperator.In,
        ["nin"] = FilterOperator.Nin,
        ["gt"] = FilterOperator.Gt,
        ["gte"] = FilterOperator.Gte,
        ["lt"] = FilterOperator.Lt,
        ["lte"] = FilterOperator.Lte,
        ["any"] = FilterOperator.Any,
        ["all"] = FilterOperator.All,
    };

    private static readonly FilterOperator[] EqualityOperators = [FilterOperator.Eq, FilterOperator.Ne, FilterOperator.In, FilterOperator.Nin];
    private static readonly FilterOperator[] OrderedOperators = [.. EqualityOperators, FilterOperator.Gt, FilterOperator.Gte, FilterOperator.Lt, FilterOperator.Lte];
    private static readonly FilterOperator[] TagOperators = [FilterOperator.Any, FilterOperator.All];

    private const string FieldList = "document_id, external_id, source, title, created_at, tags or metadata.<key>";

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
    private readonly List<FilterCondition> _conditions = [];

    private SearchFilterParser()
    {
    }

    /// <summary>Parses <paramref name="json"/>; <paramref name="path"/> is its own path in the request, the prefix of every error key.</summary>
    public static bool TryParse(JsonElement json, string path, [NotNullWhen(true)] out SearchFilter? filter,
        out IReadOnlyDictionary<string, string[]> errors)
    {
        var parser = new SearchFilterParser();
        parser.ParseFilter(json, path);
        errors = parser._errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
        filter = errors.Count == 0 ? new SearchFilter(parser._conditions) : null;
        return filter is not null;
    }

    /// <summary>The operators a field accepts, in the order the OpenAPI document lists them.</summary>
    public static IReadOnlyList<string> OperatorNames(FilterField field) =>
        [.. OperatorsOf(field).Select(op => Operators.First(entry => entry.Value == op).Key)];

    private static FilterOperator[] OperatorsOf(FilterField field) => field switch
    {
        FilterField.Tags => TagOperators,
        FilterField.ExternalId or FilterField.Source or FilterField.Title => EqualityOperators,
        _ => OrderedOperators,
    };

    private void ParseFilter(JsonElement json, string path)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            Error(path, "The filter must be a JSON object whose keys are fields and whose values are conditions.");
            return;
        }

        foreach (var property in json.EnumerateObject())
        {
            var fieldPath = path + "." + property.Name;
            if (Fields.TryGetValue(property.Name, out var field))
            {
                ParseField(field, metadataKey: null, property.Value, fieldPath);
            }
            else if (property.Name.StartsWith(MetadataPrefix, StringComparison.Ordinal))
            {
                var key = property.Name[MetadataPrefix.Length..];
                if (key.Length is 0 or > MaxMetadataKeyLength)
                {
                    Error(fieldPath, $"A metadata key must be 1–{MaxMetadataKeyLength} characters long.");
                }
                else
                {
                    ParseField(FilterField.Metadata, key, property.Value, fieldPath);
                }
            }
            else
            {
                Error(fieldPath, $"Unknown filter field '{property.Name}'; use {FieldList}.");
            }
        }

        if (_conditions.Count > MaxConditions)
        {
            Error(path, $"The filter has {_conditions.Count} conditions; at most {MaxConditions} are allowed (each operator counts).");
        }
    }

    private void ParseField(FilterField field, string? metadataKey, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            if (value.ValueKind == JsonValueKind.Array)
            {
                Error(path, field == FilterField.Tags
                    ? "A list of tags needs an operator: {\"any\": [...]} or {\"all\": [...]}."
                    : "A list needs an operator: {\"in\": [...]} or {\"nin\": [...]}.");
            }
            else if (field == FilterField.Tags)
            {
                // A bare tag: the document has it.
                AddList(field, metadataKey, FilterOperator.Any, [value], path, bare: true);
            }
            else if (ReadValue(field, FilterOperator.Eq, value, path) is { } operand)
            {
                _conditions.Add(new FilterCondition(field, metadataKey, FilterOperator.Eq, [operand]));
            }

            return;
        }

        var allowed = OperatorsOf(field);
        var any = false;
        foreach (var entry in value.EnumerateObject())
        {
            any = true;
            var operatorPath = path + "." + entry.Name;
            if (!Operators.TryGetValue(entry.Name, out var op) || !allowed.Contains(op))
            {
                Error(operatorPath, $"Unknown operator '{entry.Name}' for this field; use {string.Join(", ", OperatorNames(field))}.");
            }
            else if (op is FilterOperator.In or FilterOperator.Nin or FilterOperator.Any or FilterOperator.All)
            {
                if (entry.Value.ValueKind != JsonValueKind.Array)
                {
                    Error(operatorPath, $"'{entry.Name}' takes a list of values.");
                }
                else
                {
                    AddList(field, metadataKey, op, [.. entry.Value.EnumerateArray()], operatorPath, bare: false);
                }
            }
            else if (ReadValue(field, op, entry.Value, operatorPath) is { } operand)
            {
                _conditions.Add(new FilterCondition(field, metadataKey, op, [operand]));
            }
        }

        if (!any)
        {
            Error(path, $"Give a value or at least one operator: {string.Join(", ", OperatorNames(field))}.");
        }
    }

    private void AddList(FilterField field, string? metadataKey, FilterOperator op, JsonElement[] items, string path, bool bare)
    {
        if (items.Length == 0)
        {
            Error(path, "The list must not be empty.");
            return;
        }

        if (items.Length > MaxListValues)
        {
            Error(path, $"The list has {items.Length} values; at most {MaxListValues} are allowed.");
            return;
        }

        var values = new List<object>(items.Length);
        var valid = true;
        for (var i = 0; i < items.Length; i++)
        {
            var itemPath = bare ? path : path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            if (ReadValue(field, op, items[i], itemPath) is { } value)
            {
                values.Add(value);
            }
            else
            {
                valid = false;
            }
        }

        if (valid)
        {
            _conditions.Add(new FilterCondition(field, metadataKey, op, [.. values.Distinct()]));
        }
    }

    /// <summary>The operand as the field's type, or null after reporting why it is not one.</summary>
    private object? ReadValue(FilterField field, FilterOperator op, JsonElement value, string path)
    {
        switch (field)
        {
            case FilterField.DocumentId:
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var id)
                    ? id
                    : Invalid(path, "Must be an integer.");
            case FilterField.ExternalId or FilterField.Source or FilterField.Title:
                return value.ValueKind == JsonValueKind.String ? value.GetString()! : Invalid(path, "Must be a string.");
            case FilterField.Tags:
                return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } tag
                    ? tag
                    : Invalid(path, "A tag must be a non-empty string.");
            case FilterField.CreatedAt:
                return value.ValueKind == JsonValueKind.String && TryParseTimestamp(value.GetString()!, out var timestamp)
                    ? timestamp
                    : Invalid(path, "Must be an ISO 8601 date or date-time, such as 2024-01-01 or 2024-01-01T12:00:00Z.");
            default:
                var isRange = op is FilterOperator.Gt or FilterOperator.Gte or FilterOperator.Lt or FilterOperator.Lte;
                return value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString()!,
                    JsonValueKind.Number when value.TryGetInt64(out var whole) => whole,
                    JsonValueKind.Number when value.TryGetDouble(out var number) && double.IsFinite(number) => number,
                    JsonValueKind.Number => Invalid(path, "The number is out of range."),
                    JsonValueKind.True or JsonValueKind.False when !isRange => value.GetBoolean(),
                    JsonValueKind.True or JsonValueKind.False => Invalid(path, "A range compares numbers or strings, not booleans."),
                    _ => Invalid(path, "Must be a string, a number or a boolean."),
                };
        }
    }

    /// <summary>An ISO 8601 date (midnight UTC) or date-time; without an offset it is taken as UTC.</summary>
    private static bool TryParseTimestamp(string text, out DateTime utc)
    {
        utc = default;
        if (!IsoTimestamp().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        utc = parsed.UtcDateTime;
        return true;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?)?$")]
    private static partial Regex IsoTimestamp();

    private object? Invalid(string path, string message)
    {
        Error(path, message);
        return null;
    }

    private void Error(string path, string message)
    {
        if (!_errors.TryGetValue(path, out var messages))
        {
            _errors[path] = messages = [];
        }

        messages.Add(message);
    }
}
