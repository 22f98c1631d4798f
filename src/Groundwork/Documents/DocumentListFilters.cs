using System.Globalization;
using Groundwork.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Documents;

/// <summary>
/// The filters of <c>GET /documents</c> besides status and external_id: title, tag, source, created_from/created_to and
/// <c>metadata.{key}</c>. Tags and metadata live in JSON columns, so those two are conditions on SQLite's
/// <c>json_each</c>, written from fixed fragments with every value a parameter; the others are LINQ.
/// </summary>
internal sealed class ListFilters
{
    public const string MetadataPrefix = "metadata.";
    private const int MaxMetadataFilters = DocumentMetadataAttribute.MaxKeys;

    private string? _title;
    private string? _tag;
    private string? _source;
    private DateTime? _createdFrom;
    private DateTime? _createdToExclusive;
    private DateTime? _createdToInclusive;
    private readonly List<KeyValuePair<string, string>> _metadata = [];

    /// <summary>Reads the filters, adding a message to <paramref name="errors"/> under each invalid parameter's name.</summary>
    public static ListFilters Read(
        IQueryCollection query, string? title, string? tag, string? source, string? createdFrom, string? createdTo, Dictionary<string, string[]> errors)
    {
        var filters = new ListFilters
        {
            _title = Text("title", title, 500, errors),
            _tag = Text("tag", tag, 100, errors),
            _source = Text("source", source, 2_000, errors),
        };

        if (Date("created_from", createdFrom, errors) is { } from)
        {
            filters._createdFrom = from.Moment;
        }

        if (Date("created_to", createdTo, errors) is { } to)
        {
            // A date alone means the whole of that day.
            if (to.DateOnly)
            {
                filters._createdToExclusive = to.Moment.AddDays(1);
            }
            else
            {
                filters._createdToInclusive = to.Moment;
            }
        }

        if (filters._createdFrom is { } start && (filters._createdToInclusive ?? filters._createdToExclusive) is { } end
            && (filters._createdToInclusive is not null ? end < start : end <= start))
        {
            errors["created_to"] = ["created_to must not be before created_from."];
        }

        foreach (var (name, values) in query.Where(p => p.Key.StartsWith(MetadataPrefix, StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var key = name[MetadataPrefix.Length..];
            if (key.Length is 0 or > 100)
            {
                errors[name] = ["A metadata filter is metadata.{key}=value with a key of 1–100 characters."];
            }
            else if (values.Count != 1)
            {
                errors[name] = ["Give one value per metadata key."];
            }
            else if (values[0] is not { Length: > 0 and <= 2_000 } value)
            {
                errors[name] = ["A metadata filter's value must be 1–2000 characters."];
            }
            else
            {
                filters._metadata.Add(new(key, value));
            }
        }

        if (filters._metadata.Count > MaxMetadataFilters)
        {
            errors["metadata"] = [$"At most {MaxMetadataFilters} metadata filters."];
        }

        return filters;
    }

    /// <summary>The tenant's documents that pass every filter.</summary>
    public IQueryable<DocumentEntity> Apply(GroundworkDbContext db, long tenantId)
    {
        IQueryable<DocumentEntity> documents;
        if (_tag is null && _metadata.Count == 0)
        {
            documents = db.Documents;
        }
        else
        {
            var sql = new System.Text.StringBuilder("SELECT * FROM documents WHERE TenantId = $gw_tenant");
            var parameters = new List<object> { new SqliteParameter("$gw_tenant", tenantId) };
            if (_tag is not null)
            {
                sql.Append(" AND EXISTS (SELECT 1 FROM json_each(documents.TagsJson) AS tag WHERE tag.value = $gw_tag)");
                parameters.Add(new SqliteParameter("$gw_tag", _tag));
            }

            for (var i = 0; i < _metadata.Count; i++)
            {
                var n = i.ToString(CultureInfo.InvariantCulture);
                // A value compared as its text: strings as they are, numbers as SQLite writes them, booleans as true/false.
                sql.Append(" AND EXISTS (SELECT 1 FROM json_each(documents.MetadataJson) AS m WHERE m.key = $gw_k").Append(n)
                    .Append(" AND (CASE m.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'text' THEN m.value ")
                    .Append("WHEN 'integer' THEN CAST(m.value AS TEXT) WHEN 'real' THEN CAST(m.value AS TEXT) END) = $gw_v").Append(n).Append(')');
                parameters.Add(new SqliteParameter("$gw_k" + n, _metadata[i].Key));
                parameters.Add(new SqliteParameter("$gw_v" + n, _metadata[i].Value));
            }

            documents = db.Documents.FromSqlRaw(sql.ToString(), [.. parameters]);
        }

        documents = documents.AsNoTracking().Where(d => d.TenantId == tenantId);
        if (_title is not null)
        {
            var pattern = "%" + EscapeLike(_title) + "%";
            documents = documents.Where(d => EF.Functions.Like(d.Title, pattern, "\\"));
        }

        if (_source is not null)
        {
            // A prefix, compared exactly (LIKE would ignore case).
            var prefix = _source;
            var length = prefix.Length;
            documents = documents.Where(d => d.Source != null && d.Source.Substring(0, length) == prefix);
        }

        if (_createdFrom is { } from)
        {
            documents = documents.Where(d => d.CreatedAt >= from);
        }

        if (_createdToInclusive is { } toInclusive)
        {
            documents = documents.Where(d => d.CreatedAt <= toInclusive);
        }

        if (_createdToExclusive is { } toExclusive)
        {
            documents = documents.Where(d => d.CreatedAt < toExclusive);
        }

        return documents;
    }

    private static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static string? Text(string name, string? value, int maxLength, Dictionary<string, string[]> errors)
    {
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        if (trimmed.Length > maxLength)
        {
            errors[name] = [$"{name} must be at most {maxLength} characters."];
            return null;
        }

        return name == "title" ? trimmed : value;
    }

    private static (DateTime Moment, bool DateOnly)? Date(string name, string? value, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        if (System.DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            return (day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), true);
        }

        // ISO 8601 only: a digit-led date with a T or space before the time.
        if (text.Length >= 10 && char.IsAsciiDigit(text[0]) && text[4] == '-'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment))
        {
            return (moment.UtcDateTime, false);
        }

        errors[name] = [$"{name} must be an ISO 8601 date (2026-01-31) or date and time (2026-01-31T12:00:00Z)."];
        return null;
    }
}
