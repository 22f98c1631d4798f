using System.Text.Json;

namespace Groundwork.Fuzzing;

public sealed record ApiParameter(string Name, string In, JsonElement Schema, bool Required);

/// <summary>One operation of the OpenAPI document: its JSON body schema (references resolved on use) and whether it takes multipart.</summary>
public sealed record ApiOperation(string Method, string PathTemplate, IReadOnlyList<ApiParameter> Parameters, JsonElement? JsonBodySchema, bool AcceptsMultipart)
{
    public string Name => $"{Method} {PathTemplate}";
}

/// <summary>The operations of an OpenAPI 3.x document, read with System.Text.Json; <see cref="Resolve"/> follows local <c>$ref</c>s.</summary>
public sealed class ApiDescription
{
    private readonly JsonElement _document;

    private ApiDescription(JsonElement document, IReadOnlyList<ApiOperation> operations)
    {
        _document = document;
        Operations = operations;
    }

    public IReadOnlyList<ApiOperation> Operations { get; }

    public static ApiDescription Parse(string json)
    {
        var document = JsonDocument.Parse(json).RootElement.Clone();
        var operations = new List<ApiOperation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Name is not ("get" or "post" or "put" or "patch" or "delete"))
                {
                    continue;
                }
                var parameters = new List<ApiParameter>();
                if (operation.Value.TryGetProperty("parameters", out var list))
                {
                    foreach (var parameter in list.EnumerateArray())
                    {
                        parameters.Add(new ApiParameter(
                            parameter.GetProperty("name").GetString()!,
                            parameter.GetProperty("in").GetString()!,
                            parameter.TryGetProperty("schema", out var schema) ? schema : default,
                            parameter.TryGetProperty("required", out var required) && required.GetBoolean()));
                    }
                }
                JsonElement? jsonBody = null;
                var multipart = false;
                if (operation.Value.TryGetProperty("requestBody", out var body) && body.TryGetProperty("content", out var content))
                {
                    if (content.TryGetProperty("application/json", out var jsonContent) && jsonContent.TryGetProperty("schema", out var jsonSchema))
                    {
                        jsonBody = jsonSchema;
                    }
                    multipart = content.TryGetProperty("multipart/form-data", out _);
                }
                operations.Add(new ApiOperation(operation.Name.ToUpperInvariant(), path.Name, parameters, jsonBody, multipart));
            }
        }
        return new ApiDescription(document, operations);
    }

    /// <summary>The schema a <c>$ref</c> points to (repeatedly), else the schema itself.</summary>
    public JsonElement Resolve(JsonElement schema)
    {
        for (var depth = 0; depth < 32 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); depth++)
        {
            var target = _document;
            foreach (var segment in reference.GetString()!.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                target = target.GetProperty(segment.Replace("~1", "/").Replace("~0", "~"));
            }
            schema = target;
        }
        return schema;
    }
}
