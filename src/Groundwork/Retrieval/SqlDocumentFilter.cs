using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Groundwork.Retrieval;

/// <summary>
/// A <see cref="SearchFilter"/> as one SQL condition over <c>documents d</c>. The text is made only of fixed fragments
/// and parameter names (<c>$f0</c>, <c>$f1</c>, …): every value, and every metadata path, is a parameter.
/// </summary>
/// <remarks>
/// Metadata comparisons check <c>json_type</c> first because SQLite orders every number below every string
/// (<c>'2021' &gt;= 2020</c> is true) and reads JSON booleans back as 1 and 0.
/// </remarks>
public sealed class SqlDocumentFilter
{
    private readonly List<KeyValuePair<string, object>> _parameters;

    private SqlDocumentFilter(string condition, List<KeyValuePair<string, object>> parameters)
    {
        Condition = condition;
        _parameters = parameters;
    }

    public string Condition { get; }

    public IReadOnlyList<KeyValuePair<string, object>> Parameters => _parameters;

    public void AddParametersTo(SqliteCommand command)
    {
        foreach (var (name, value) in _parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
    }

    public static SqlDocumentFilter From(SearchFilter filter)
    {
        if (filter.Conditions.Count == 0)
        {
            return new SqlDocumentFilter("1", []);
        }

        var builder = new Builder();
        for (var i = 0; i < filter.Conditions.Count; i++)
        {
            builder.Sql.Append(i == 0 ? "(" : " AND (");
            builder.Append(filter.Conditions[i]);
            builder.Sql.Append(')');
        }

        return new SqlDocumentFilter(builder.Sql.ToString(), builder.Parameters);
    }

    /// <summary>The JSON path of a top-level key: the key as a JSON string after <c>$.</c>, so dots, quotes and brackets in it are literal.</summary>
    public static string MetadataPath(string key) => "$." + JsonSerializer.Serialize(key);

    private sealed class Builder
    {
        public StringBuilder Sql { get; } = new();

        public List<KeyValuePair<string, object>> Parameters { get; } = [];

        public void Append(FilterCondition condition)
        {
            switch (condition.Field)
            {
                case FilterField.Tags:
                    AppendTags(condition);
                    break;
                case FilterField.Metadata:
                    AppendMetadata(condition);
                    break;
                default:
                    AppendColumn(Column(condition.Field), condition);
                    break;
            }
        }

        private static string Column(FilterField field) => field switch
        {
            FilterField.DocumentId => "d.Id",
            FilterField.ExternalId => "d.ExternalId",
            FilterField.Source => "d.Source",
            FilterField.Title => "d.Title",
            // Stored as EF Core writes a DateTime ('yyyy-MM-dd HH:mm:ss.FFFFFFF', UTC); a DateTime parameter is written
            // the same way, and in that format text order is time order.
            FilterField.CreatedAt => "d.CreatedAt",
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
        };

        private void AppendColumn(string column, FilterCondition condition)
        {
            switch (condition.Operator)
            {
                case FilterOperator.Ne:
                    // IS NOT: a document without the value (NULL) is also "not equal".
                    Sql.Append(column).Append(" IS NOT ").Append(Parameter(condition.Values[0]));
                    break;
                case FilterOperator.In:
                    Sql.Append(column).Append(" IN (");
                    AppendParameters(condition.Values);
                    Sql.Append(')');
                    break;
                case FilterOperator.Nin:
                    Sql.Append('(').Append(column).Append(" IN (");
                    AppendParameters(condition.Values);
                    Sql.Append(")) IS NOT 1");
                    break;
                default:
                    Sql.Append(column).Append(Comparison(condition.Operator)).Append(Parameter(condition.Values[0]));
                    break;
            }
        }

        private void AppendTags(FilterCondition condition)
        {
            if (condition.Operator == FilterOperator.Any)
            {
                Sql.Append("EXISTS (SELECT 1 FROM json_each(d.TagsJson) AS tag WHERE tag.value IN (");
                AppendParameters(condition.Values);
                Sql.Append("))");
            }
            else
            {
                Sql.Append("(SELECT COUNT(DISTINCT tag.value) FROM json_each(d.TagsJson) AS tag WHERE tag.value IN (");
                AppendParameters(condition.Values);
                Sql.Append(")) = ").Append(Parameter((long)condition.Values.Count));
            }
        }

        private void AppendMetadata(FilterCondition condition)
        {
            var path = Parameter(MetadataPath(condition.MetadataKey!));
            switch (condition.Operator)
            {
                case FilterOperator.Eq:
                    AppendMetadataIn(path, condition.Values);
                    break;
                case FilterOperator.In:
                    Sql.Append('(');
                    AppendMetadataIn(path, condition.Values);
                    Sql.Append(')');
                    break;
                case FilterOperator.Ne or FilterOperator.Nin:
                    // A missing key or a value of another type is "not equal" too; IS NOT 1 also turns NULL into true.
                    Sql.Append('(');
                    AppendMetadataIn(path, condition.Values);
                    Sql.Append(") IS NOT 1");
                    break;
                default:
                    var operand = condition.Values[0];
                    AppendTypeCheck(path, operand);
                    Sql.Append(" AND json_extract(d.MetadataJson, ").Append(path).Append(')')
                        .Append(Comparison(condition.Operator)).Append(Parameter(operand));
                    break;
            }
        }

        /// <summary>The value under the path equals one of <paramref name="values"/>, type included.</summary>
        private void AppendMetadataIn(string path, IReadOnlyList<object> values)
        {
            var first = true;
            var strings = values.Where(v => v is string).ToList();
            var numbers = values.Where(v => v is long or double).ToList();
            var booleans = values.OfType<bool>().ToList();
            foreach (var group in new[] { strings, numbers })
            {
                if (group.Count == 0)
                {
                    continue;
                }

                Sql.Append(first ? "" : " OR ").Append('(');
                AppendTypeCheck(path, group[0]);
                Sql.Append(" AND json_extract(d.MetadataJson, ").Append(path).Append(") IN (");
                AppendParameters(group);
                Sql.Append("))");
                first = false;
            }

            if (booleans.Count > 0)
            {
                // json_type names a boolean 'true' or 'false'; json_extract would give 1 or 0, equal to numbers.
                Sql.Append(first ? "" : " OR ").Append("json_type(d.MetadataJson, ").Append(path).Append(") IN (");
                AppendParameters([.. booleans.Select(b => (object)(b ? "true" : "false"))]);
                Sql.Append(')');
            }
        }

        private void AppendTypeCheck(string path, object operand)
        {
            Sql.Append("json_type(d.MetadataJson, ").Append(path).Append(operand is string ? ") = 'text'" : ") IN ('integer', 'real')");
        }

        private static string Comparison(FilterOperator op) => op switch
        {
            FilterOperator.Eq => " = ",
            FilterOperator.Gt => " > ",
            FilterOperator.Gte => " >= ",
            FilterOperator.Lt => " < ",
            FilterOperator.Lte => " <= ",
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
        };

        private void AppendParameters(IReadOnlyList<object> values)
        {
            for (var i = 0; i < values.Count; i++)
            {
                Sql.Append(i == 0 ? "" : ", ").Append(Parameter(values[i]));
            }
        }

        private string Parameter(object value)
        {
            var name = "$f" + Parameters.Count.ToString(CultureInfo.InvariantCulture);
            Parameters.Add(new(name, value));
            return name;
        }
    }
}
