using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Groundwork.Fuzzing;

/// <summary>
/// Requests for every operation of an OpenAPI document: valid baselines from each schema, then mutations per field and per body.
/// <see cref="Systematic"/> is every mutation once; <see cref="Randomized"/> an endless seeded stream of random ones.
/// The same seed gives the same cases in the same order.
/// </summary>
public sealed partial class CaseGenerator
{
    private static readonly string[] Words =
        ["vacation", "policy", "travel", "expenses", "handbook", "security", "laptop", "password", "holiday", "office", "report", "budget"];

    private readonly ApiDescription _api;
    private readonly Schema _schema;
    private readonly FuzzOptions _options;
    private int _unique;

    // The operation whose values are being generated, for FieldValues keyed "METHOD /path field".
    private string _operation = "";

    public CaseGenerator(ApiDescription api, FuzzOptions options)
    {
        _api = api;
        _schema = new Schema(api);
        _options = options;
    }

    /// <summary>The systematic cases, then random ones, <paramref name="count"/> in all (at least the systematic ones when null).</summary>
    public IEnumerable<FuzzCase> Generate(int? count = null)
    {
        var systematic = Systematic();
        if (count is null)
        {
            return systematic;
        }
        return systematic.Concat(Randomized()).Take(count.Value);
    }

    public IEnumerable<FuzzCase> Systematic()
    {
        var random = new Random(_options.Seed);
        foreach (var operation in _api.Operations)
        {
            foreach (var fuzzCase in ParameterCases(operation, random, systematic: true))
            {
                yield return fuzzCase;
            }
            if (operation.JsonBodySchema is { } schema)
            {
                foreach (var fuzzCase in JsonCases(operation, _schema.Resolve(schema), random, systematic: true))
                {
                    yield return fuzzCase;
                }
            }
            if (operation.AcceptsMultipart)
            {
                foreach (var fuzzCase in MultipartCases(operation, random, systematic: true))
                {
                    yield return fuzzCase;
                }
            }
            foreach (var fuzzCase in AuthorizationCases(operation, random))
            {
                yield return fuzzCase;
            }
        }
    }

    /// <summary>An endless stream: a random operation, a random family of mutations, random parameters.</summary>
    public IEnumerable<FuzzCase> Randomized()
    {
        var random = new Random(_options.Seed * 7919 + 17);
        var operations = _api.Operations;
        while (true)
        {
            var operation = operations[random.Next(operations.Count)];
            var pick = random.Next(6);
            if (operation.JsonBodySchema is { } schema && pick >= 2)
            {
                yield return RandomJsonCase(operation, _schema.Resolve(schema), random);
            }
            else if (operation.AcceptsMultipart && pick == 1)
            {
                yield return MultipartCases(operation, random, systematic: false).First();
            }
            else
            {
                // Parameter cases are few and cheap: pick one of them.
                var cases = ParameterCases(operation, random, systematic: false).ToList();
                if (cases.Count > 0)
                {
                    yield return cases[random.Next(cases.Count)];
                }
            }
        }
    }

    private string Target(ApiOperation operation, Random random, string? query = null)
    {
        var path = operation.PathTemplate;
        foreach (var parameter in operation.Parameters.Where(p => p.In == "path"))
        {
            path = path.Replace("{" + parameter.Name + "}", ValidParameter(parameter, random), StringComparison.Ordinal);
        }
        return query is null ? path : path + "?" + query;
    }

    private string ValidParameter(ApiParameter parameter, Random random)
    {
        if (parameter.In == "path" && _schema.Is(parameter.Schema, "integer"))
        {
            return _options.KnownIds[random.Next(_options.KnownIds.Count)].ToString(CultureInfo.InvariantCulture);
        }
        if (_options.QueryValues.TryGetValue(parameter.Name, out var values))
        {
            return Uri.EscapeDataString(values[random.Next(values.Length)]);
        }
        if (_schema.Is(parameter.Schema, "boolean"))
        {
            return random.Next(2) == 0 ? "true" : "false";
        }
        if (_schema.Is(parameter.Schema, "integer"))
        {
            var minimum = _schema.Long(parameter.Schema, "minimum") ?? 0;
            var maximum = Math.Min(_schema.Long(parameter.Schema, "maximum") ?? minimum + 10, minimum + 10);
            return random.NextInt64(minimum, maximum + 1).ToString(CultureInfo.InvariantCulture);
        }
        return Words[random.Next(Words.Length)];
    }

    // ---- valid values ------------------------------------------------------------------------------------------------

    /// <summary>A valid value for the schema as raw JSON.</summary>
    private string Valid(string name, JsonElement schema, Random random, bool full, int depth = 0)
    {
        if (_options.FieldValues.TryGetValue($"{_operation} {name}", out var fixedValue) || _options.FieldValues.TryGetValue(name, out fixedValue))
        {
            return fixedValue;
        }
        schema = _schema.Resolve(schema);
        if (_schema.FirstExample(schema) is { } example && random.Next(4) != 0)
        {
            return example.GetRawText();
        }
        var choices = _schema.Enum(schema);
        if (choices.Count > 0)
        {
            return Quote(choices[random.Next(choices.Count)]);
        }
        var branches = _schema.Branches(schema).ToList();
        if (branches.Count > 0)
        {
            return Valid(name, branches[random.Next(branches.Count)], random, full, depth + 1);
        }
        var types = _schema.Types(schema);
        var type = types.Count == 0 ? "string" : types[random.Next(types.Count)];
        switch (type)
        {
            case "integer":
            {
                var minimum = _schema.Long(schema, "minimum") ?? 1;
                var maximum = Math.Min(_schema.Long(schema, "maximum") ?? minimum + 10, minimum + 10);
                return random.NextInt64(minimum, maximum + 1).ToString(CultureInfo.InvariantCulture);
            }
            case "number":
            {
                var minimum = _schema.Double(schema, "minimum") ?? 0;
                var maximum = Math.Min(_schema.Double(schema, "maximum") ?? minimum + 10, minimum + 10);
                return Math.Round(minimum + random.NextDouble() * (maximum - minimum), 2).ToString("R", CultureInfo.InvariantCulture);
            }
            case "boolean":
                return random.Next(2) == 0 ? "true" : "false";
            case "array":
            {
                var items = _schema.Items(schema);
                var minimum = (int)(_schema.Long(schema, "minItems") ?? 1);
                var maximum = (int)Math.Min(_schema.Long(_schema.Branch(schema, "array"), "maxItems") ?? 3, 3);
                var count = random.Next(Math.Max(minimum, 1), Math.Max(maximum, minimum) + 1);
                return "[" + string.Join(",", Enumerable.Range(0, count).Select(_ =>
                    items is { } itemSchema ? Valid(name + "[]", itemSchema, random, full, depth + 1) : Quote(Word(random)))) + "]";
            }
            case "object":
                return ValidObject(schema, random, full, depth).ToString();
            default:
                return ValidString(name, schema, random);
        }
    }

    private JsonBody ValidObject(JsonElement schema, Random random, bool full, int depth)
    {
        var properties = _schema.Properties(schema);
        if (properties.Count == 0 || depth > 4)
        {
            return new JsonBody([new("team", "\"fuzz\""), new("year", "2024"), new("reviewed", "true")]);
        }
        var required = _schema.Required(schema);
        var minimum = (int)(_schema.Long(schema, "minProperties") ?? 0);
        var members = new List<KeyValuePair<string, string>>();
        // Nested objects (a filter's operators) get one or two members: all of them at once are valid by type but contradictory.
        var keep = depth == 0 && full ? properties.Count : random.Next(Math.Max(minimum, 1), 3);
        foreach (var (name, property) in properties.OrderBy(_ => depth == 0 ? 0 : random.Next()))
        {
            if (required.Contains(name) || members.Count < keep && (full || random.Next(3) == 0 || members.Count < minimum))
            {
                members.Add(new(name, Valid(name, property, random, full, depth + 1)));
            }
        }
        return new JsonBody(members);
    }

    private string ValidString(string name, JsonElement schema, Random random)
    {
        var format = _schema.String(schema, "format");
        if (format == "date-time" || _schema.String(schema, "description")?.Contains("ISO 8601", StringComparison.Ordinal) == true)
        {
            return Quote($"2024-0{random.Next(1, 10)}-1{random.Next(0, 10)}T12:00:00Z");
        }
        if (name.Contains("email", StringComparison.OrdinalIgnoreCase))
        {
            return Quote($"fuzz{Interlocked.Increment(ref _unique)}@example.com");
        }
        var minimum = (int)(_schema.Long(schema, "minLength") ?? 1);
        var maximum = (int)Math.Min(_schema.Long(schema, "maxLength") ?? 60, 60);
        var text = new StringBuilder();
        while (text.Length < Math.Max(minimum, 1))
        {
            text.Append(text.Length == 0 ? "" : " ").Append(Word(random));
        }
        return Quote(text.Length > maximum ? text.ToString(0, Math.Max(maximum, minimum)) : text.ToString());
    }

    private static string Word(Random random) => Words[random.Next(Words.Length)];

    private static string Quote(string text) => JsonSerializer.Serialize(text);

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();
}
