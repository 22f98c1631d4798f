using System.Text.Json;

namespace Groundwork.Fuzzing;

/// <summary>Reading the JSON Schema keywords the generator uses, with references resolved.</summary>
internal sealed class Schema(ApiDescription api)
{
    public JsonElement Resolve(JsonElement schema) => api.Resolve(schema);

    /// <summary>The non-null types a schema allows; oneOf/anyOf branches contribute theirs.</summary>
    public IReadOnlyList<string> Types(JsonElement schema)
    {
        schema = Resolve(schema);
        var types = new List<string>();
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return types;
        }
        if (schema.TryGetProperty("type", out var type))
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                types.Add(type.GetString()!);
            }
            else if (type.ValueKind == JsonValueKind.Array)
            {
                types.AddRange(type.EnumerateArray().Select(t => t.GetString()!));
            }
        }
        foreach (var branch in Branches(schema))
        {
            types.AddRange(Types(branch));
        }
        if (types.Count == 0 && schema.TryGetProperty("enum", out var values))
        {
            types.AddRange(values.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? "string" : "integer"));
        }
        return types.Where(t => t != "null").Distinct().ToList();
    }

    public bool Is(JsonElement schema, string type) => Types(schema).Contains(type);

    public IEnumerable<JsonElement> Branches(JsonElement schema)
    {
        schema = Resolve(schema);
        foreach (var keyword in new[] { "oneOf", "anyOf" })
        {
            if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty(keyword, out var branches))
            {
                foreach (var branch in branches.EnumerateArray())
                {
                    yield return Resolve(branch);
                }
            }
        }
    }

    /// <summary>The schema itself or, for oneOf, its branch of the given type.</summary>
    public JsonElement Branch(JsonElement schema, string type)
    {
        schema = Resolve(schema);
        foreach (var branch in Branches(schema))
        {
            if (Types(branch).Contains(type))
            {
                return branch;
            }
        }
        return schema;
    }

    public long? Long(JsonElement schema, string keyword)
    {
        schema = Resolve(schema);
        return schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty(keyword, out var value) && value.TryGetInt64(out var number)
            ? number : null;
    }

    public double? Double(JsonElement schema, string keyword)
    {
        schema = Resolve(schema);
        return schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty(keyword, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble() : null;
    }

    public string? String(JsonElement schema, string keyword)
    {
        schema = Resolve(schema);
        return schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty(keyword, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString() : null;
    }

    public IReadOnlyList<string> Enum(JsonElement schema)
    {
        schema = Resolve(schema);
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("enum", out var values))
        {
            return values.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList();
        }
        return [];
    }

    public IReadOnlyList<(string Name, JsonElement Schema)> Properties(JsonElement schema)
    {
        schema = Resolve(schema);
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out var properties))
        {
            return properties.EnumerateObject().Select(p => (p.Name, Resolve(p.Value))).ToList();
        }
        return [];
    }

    public IReadOnlyList<string> Required(JsonElement schema)
    {
        schema = Resolve(schema);
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("required", out var required))
        {
            return required.EnumerateArray().Select(r => r.GetString()!).ToList();
        }
        return [];
    }

    public JsonElement? Items(JsonElement schema)
    {
        schema = Branch(schema, "array");
        return schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("items", out var items) ? Resolve(items) : null;
    }

    public IReadOnlyList<(string Pattern, JsonElement Schema)> PatternProperties(JsonElement schema)
    {
        schema = Resolve(schema);
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("patternProperties", out var patterns))
        {
            return patterns.EnumerateObject().Select(p => (p.Name, Resolve(p.Value))).ToList();
        }
        return [];
    }

    public JsonElement? FirstExample(JsonElement schema)
    {
        schema = Resolve(schema);
        if (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("examples", out var examples)
            && examples.ValueKind == JsonValueKind.Array && examples.GetArrayLength() > 0)
        {
            return examples[0];
        }
        return null;
    }
}
