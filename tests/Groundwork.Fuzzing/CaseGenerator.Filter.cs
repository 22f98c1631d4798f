using System.Text.Json;
using System.Text.RegularExpressions;

namespace Groundwork.Fuzzing;

public sealed partial class CaseGenerator
{
    /// <summary>
    /// Mutations of a nested object with known keys whose values are a scalar or an object of operators (the /search filter):
    /// each key and operator gets wrong types, surrogates, huge numbers and list lengths; pattern keys their length limits;
    /// and the whole object many conditions.
    /// </summary>
    private IEnumerable<(string Class, string Raw, string Note)> FilterMutations(string name, JsonElement schema)
    {
        static string Object(params (string Key, string Value)[] members) => "{" + string.Join(",", members.Select(m => $"\"{m.Key}\":{m.Value}")) + "}";

        var keys = _schema.Properties(schema).ToList();
        foreach (var (pattern, patternSchema) in _schema.PatternProperties(schema))
        {
            var (prefix, maxSuffix) = PatternKey(pattern);
            keys.Add((prefix + "year", patternSchema));
            yield return (FuzzClass.SearchFilter, Object((prefix + new string('k', maxSuffix), "1")), $"{name}: a {prefix} key at its maximum length");
            yield return (FuzzClass.SearchFilter, Object((prefix + new string('k', maxSuffix + 1), "1")), $"{name}: a {prefix} key one past its maximum length");
            yield return (FuzzClass.SearchFilter, Object((prefix, "1")), $"{name}: the bare prefix {prefix}");
            yield return (FuzzClass.Surrogate, Object((prefix + "\\ud800", "1")), $"{name}: a {prefix} key with a lone surrogate");
            yield return (FuzzClass.Surrogate, Object((prefix + "\\udc00\\ud800", "\"x\"")), $"{name}: a {prefix} key with reversed surrogates");
            yield return (FuzzClass.InvalidUtf8, Object((prefix + "a" + JsonBody.InvalidUtf8(2), "1")), $"{name}: a {prefix} key with bytes EDA080");
            yield return (FuzzClass.SearchFilter, Object((prefix.ToUpperInvariant() + "x", "1")), $"{name}: an upper-case {prefix} key");
            foreach (var count in new[] { 32, 33, 100, 1_000 })
            {
                yield return (FuzzClass.SearchFilter, Object(Enumerable.Range(0, count).Select(i => (prefix + "k" + i, i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray()),
                    $"{name}: {count} conditions");
            }
            yield return (FuzzClass.SearchFilter, Object(Enumerable.Range(0, 17).Select(i => (prefix + "k" + i, "{\"gt\":1,\"lt\":9}")).ToArray()),
                $"{name}: 17 keys of two operators (34 conditions)");
        }
        foreach (var key in new[] { "nope", "", " ", "Source", "metadata" })
        {
            yield return (FuzzClass.SearchFilter, Object((key, "\"x\"")), $"{name}: unknown key \"{key}\"");
        }
        yield return (FuzzClass.DuplicateKey, "{\"source\":\"a\",\"source\":1}", $"{name}: a key twice with different types");
        yield return (FuzzClass.DuplicateKey, "{\"source\":{\"eq\":\"a\",\"eq\":[1]}}", $"{name}: an operator twice with different types");

        foreach (var (key, keySchema) in keys)
        {
            var branches = _schema.Branches(keySchema).ToList();
            var scalar = branches.FirstOrDefault(b => !_schema.Is(b, "object"));
            var operators = branches.FirstOrDefault(b => _schema.Is(b, "object"));
            var scalarTypes = scalar.ValueKind == JsonValueKind.Object ? _schema.Types(scalar) : _schema.Types(keySchema);
            foreach (var (fuzzClass, raw, note) in ValueMutations(scalarTypes, scalar.ValueKind == JsonValueKind.Object ? scalar : keySchema))
            {
                yield return (fuzzClass, Object((key, raw)), $"{name}.{key}: {note}");
            }
            if (operators.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            yield return (FuzzClass.SearchFilter, Object((key, "{}")), $"{name}.{key}: no operators");
            yield return (FuzzClass.SearchFilter, Object((key, "{\"like\":\"x\"}")), $"{name}.{key}: an unknown operator");
            yield return (FuzzClass.SearchFilter, Object((key, "{\"EQ\":\"x\"}")), $"{name}.{key}: an upper-case operator");
            foreach (var (op, opSchema) in _schema.Properties(operators))
            {
                var opTypes = _schema.Types(opSchema);
                if (opTypes.Contains("array"))
                {
                    var element = _schema.Items(opSchema) is { } items ? Valid(op, items, new Random(1), true) : "\"a\"";
                    var maxItems = (int)(_schema.Long(opSchema, "maxItems") ?? 500);
                    yield return (FuzzClass.ArrayLength, Object((key, Object((op, Array(element, maxItems))))), $"{name}.{key}.{op}: {maxItems} values (the maximum)");
                    yield return (FuzzClass.ArrayLength, Object((key, Object((op, Array(element, maxItems + 1))))), $"{name}.{key}.{op}: {maxItems + 1} values");
                    yield return (FuzzClass.ArrayLength, Object((key, Object((op, Array(element, 20_000))))), $"{name}.{key}.{op}: 20,000 values");
                    yield return (FuzzClass.ArrayLength, Object((key, Object((op, "[]")))), $"{name}.{key}.{op}: []");
                    if (_schema.Items(opSchema) is { } elementSchema)
                    {
                        foreach (var (fuzzClass, raw, note) in ValueMutations(_schema.Types(elementSchema), elementSchema).Where((_, i) => i % 2 == 0))
                        {
                            yield return (fuzzClass, Object((key, Object((op, "[" + raw + "]")))), $"{name}.{key}.{op}: [{note}]");
                        }
                    }
                    yield return (FuzzClass.WrongType, Object((key, Object((op, element)))), $"{name}.{key}.{op}: a bare value, not a list");
                }
                else
                {
                    foreach (var (fuzzClass, raw, note) in ValueMutations(opTypes, opSchema))
                    {
                        yield return (fuzzClass, Object((key, Object((op, raw)))), $"{name}.{key}.{op}: {note}");
                    }
                }
            }
        }
    }

    /// <summary>Values for a scalar of the given types: wrong types, surrogates, bad dates, huge and oddly spelled numbers.</summary>
    private IEnumerable<(string Class, string Raw, string Note)> ValueMutations(IReadOnlyList<string> types, JsonElement schema)
    {
        foreach (var wrong in new[] { "null", "\"x\"", "1", "1.5", "true", "[]", "[1]", "{\"a\":1}" })
        {
            yield return (FuzzClass.WrongType, wrong, wrong);
        }
        if (types.Contains("string"))
        {
            foreach (var surrogate in Surrogates.Take(4))
            {
                yield return (FuzzClass.Surrogate, surrogate, surrogate);
            }
            yield return (FuzzClass.InvalidUtf8, "\"a" + JsonBody.InvalidUtf8(0) + "\"", "a string with byte FF");
            yield return (FuzzClass.StringLength, Quote(LongText(100_000)), "100,000 characters");
            yield return (FuzzClass.StringLength, "\"\"", "an empty string");
            yield return (FuzzClass.StringLength, "\"a\\u0000b\"", "a NUL character");
            var description = _schema.String(schema, "description") ?? "";
            if (_schema.String(schema, "format") == "date-time" || description.Contains("ISO 8601", StringComparison.Ordinal))
            {
                foreach (var date in new[] { "\"notadate\"", "\"2024-13-45\"", "\"99999-01-01\"", "\"0000-01-01\"", "\"2024-01-01T25:00:00Z\"",
                    "\"2024-01-01T00:00:00+99:00\"", "\"9999-12-31T23:59:59.9999999-14:00\"", "\"0001-01-01T00:00:00+14:00\"", "\"2024-01-01T00:00:00.123456789012Z\"" })
                {
                    yield return (FuzzClass.WrongType, date, $"date {date}");
                }
            }
        }
        if (types.Contains("integer") || types.Contains("number"))
        {
            foreach (var spelling in IntegerSpellings.Take(6))
            {
                yield return (FuzzClass.IntegerSpelling, spelling, spelling);
            }
            foreach (var huge in HugeNumbers.Take(8))
            {
                yield return (FuzzClass.HugeNumber, huge, Excerpt(huge, 30));
            }
            yield return (FuzzClass.HugeNumber, "-9223372036854775808", "long.MinValue");
            yield return (FuzzClass.HugeNumber, "9223372036854775807", "long.MaxValue");
        }
    }

    /// <summary>The literal prefix and the maximum suffix length of a pattern such as <c>^metadata\..{1,100}$</c>.</summary>
    private static (string Prefix, int MaxSuffix) PatternKey(string pattern)
    {
        var match = Regex.Match(pattern, @"^\^?(?<prefix>(?:\\.|[A-Za-z0-9_-])*)\.\{\d+,(?<max>\d+)\}\$?$");
        if (!match.Success)
        {
            return ("x", 10);
        }
        return (Regex.Unescape(match.Groups["prefix"].Value), int.Parse(match.Groups["max"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
