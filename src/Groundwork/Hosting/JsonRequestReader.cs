using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Groundwork.Hosting;

/// <summary>
/// Reads a JSON request body into a record and validates it against the data annotations on
/// its properties — the same attributes the OpenAPI document is generated from.
/// Unlike the framework's binder, a value of the wrong JSON type is a validation error on its field (422)
/// rather than a bad request (400), and every invalid field is reported at once.
/// </summary>
public sealed class JsonRequestReader(IOptions<JsonOptions> jsonOptions)
{
    private readonly JsonSerializerOptions _serializerOptions = jsonOptions.Value.SerializerOptions;

    public async Task<T> ReadAsync<T>(HttpContext context, long maxBodyBytes) where T : class
    {
        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            throw new RequestRejectedException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"The request body must be JSON (Content-Type: application/json); got '{request.ContentType ?? "none"}'.");
        }

        if (request.ContentLength > maxBodyBytes)
        {
            throw TooLarge(maxBodyBytes);
        }

        var body = await ReadBodyAsync(request, maxBodyBytes, context.RequestAborted);
        var schema = SchemaOf<T>();

        // Fast path: a well-formed body binds directly and only the attributes need checking.
        T? instance = null;
        try
        {
            instance = JsonSerializer.Deserialize<T>(body.Span, _serializerOptions);
        }
        catch (JsonException)
        {
        }

        if (instance is null)
        {
            // Slow path: find out which fields are malformed or missing, so each is named in the answer.
            instance = BindFieldByField<T>(body, schema, out var typeErrors);
            if (typeErrors.Count > 0)
            {
                Validate(instance, schema, context, typeErrors, skip: typeErrors.Keys);
                throw Invalid(typeErrors);
            }
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        Validate(instance, schema, context, errors, skip: null);
        return errors.Count > 0 ? throw Invalid(errors) : instance;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, long maxBodyBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(request.ContentLength is { } length and > 0 ? (int)length : 1024);
        try
        {
            await using var limited = new LengthLimitedStream(request.Body, maxBodyBytes);
            await limited.CopyToAsync(buffer, cancellationToken);
        }
        catch (LengthLimitExceededException)
        {
            throw TooLarge(maxBodyBytes);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private T BindFieldByField<T>(ReadOnlyMemory<byte> body, RequestSchema schema, out Dictionary<string, string[]> errors) where T : class
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException exception)
        {
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, "Malformed JSON",
                $"The request body is not valid JSON: {exception.Message}");
        }

        if (root is not JsonObject json)
        {
            throw Invalid(new Dictionary<string, string[]> { ["$"] = ["The request body must be a JSON object."] });
        }

        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var wellTyped = new JsonObject();
        foreach (var field in schema.Fields)
        {
            if (!json.TryGetPropertyValue(field.Property.Name, out var value))
            {
                continue;
            }

            if (JsonTypeMismatch(field.Property, value) is { } typeError)
            {
                errors[field.Property.Name] = [typeError];
                continue;
            }

            wellTyped[field.Property.Name] = value?.DeepClone();
        }

        return wellTyped.Deserialize<T>(_serializerOptions)
            ?? throw new InvalidOperationException($"Deserializing {typeof(T).Name} produced null.");
    }

    private static void Validate(object instance, RequestSchema schema, HttpContext context, Dictionary<string, string[]> errors,
        IEnumerable<string>? skip)
    {
        var skipped = skip?.ToHashSet(StringComparer.Ordinal);
        ValidationContext? validationContext = null;
        foreach (var field in schema.Fields)
        {
            if (field.Attributes.Length == 0 || skipped?.Contains(field.Property.Name) == true)
            {
                continue;
            }

            validationContext ??= new ValidationContext(instance, context.RequestServices, items: null);
            validationContext.DisplayName = field.Property.Name;
            validationContext.MemberName = field.Property.Name;
            var value = field.Property.Get!(instance);
            List<string>? messages = null;
            foreach (var attribute in field.Attributes)
            {
                var result = attribute.GetValidationResult(value, validationContext);
                if (result is NestedValidationResult nested)
                {
                    foreach (var (path, pathMessages) in nested.ErrorsByPath)
                    {
                        errors[path] = pathMessages;
                    }
                }
                else if (result is { ErrorMessage: { } message })
                {
                    (messages ??= []).Add(message);
                }

                if (attribute is RequiredAttribute && messages is not null)
                {
                    // Nothing more to say about a missing value.
                    break;
                }
            }

            if (messages is not null)
            {
                errors[field.Property.Name] = [.. messages];
            }
        }
    }

    private RequestSchema SchemaOf<T>() => _schemas.GetOrAdd(typeof(T), type => new RequestSchema(
        [.. _serializerOptions.GetTypeInfo(type).Properties
            .Where(property => property.Get is not null)
            .Select(property => new RequestField(property,
                [.. Attributes<ValidationAttribute>(property).OrderBy(a => a is RequiredAttribute ? 0 : 1)]))]));

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, RequestSchema> _schemas = new();

    /// <summary>A request type's JSON properties with their validation attributes, Required first; built once per type.</summary>
    private sealed record RequestSchema(RequestField[] Fields);

    private sealed record RequestField(JsonPropertyInfo Property, ValidationAttribute[] Attributes);

    private static RequestRejectedException TooLarge(long maxBodyBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, "Request body too large",
            $"The request body is larger than the limit of {maxBodyBytes} bytes for this endpoint.");

    private static RequestRejectedException Invalid(Dictionary<string, string[]> errors) =>
        new(StatusCodes.Status422UnprocessableEntity, "One or more fields are invalid",
            $"Invalid field(s): {string.Join(", ", errors.Keys)}.", errors);

    private static string? JsonTypeMismatch(JsonPropertyInfo property, JsonNode? value)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var acceptsNull = !property.PropertyType.IsValueType && property.IsSetNullable
            || Nullable.GetUnderlyingType(property.PropertyType) is not null;
        if (value is null)
        {
            return acceptsNull ? null : $"The {property.Name} field must not be null.";
        }

        var kind = value.GetValueKind();
        if (type == typeof(string))
        {
            return kind == JsonValueKind.String ? null : $"The {property.Name} field must be a string.";
        }

        if (type == typeof(bool))
        {
            return kind is JsonValueKind.True or JsonValueKind.False ? null : $"The {property.Name} field must be a boolean.";
        }

        if (type == typeof(int) || type == typeof(long))
        {
            var isInteger = kind == JsonValueKind.Number && value.AsValue().TryGetValue<decimal>(out var number)
                && decimal.Truncate(number) == number && (type == typeof(long) ? number is >= long.MinValue and <= long.MaxValue : number is >= int.MinValue and <= int.MaxValue);
            return isInteger ? null : $"The {property.Name} field must be an integer.";
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return kind == JsonValueKind.Number ? null : $"The {property.Name} field must be a number.";
        }

        if (type.IsAssignableTo(typeof(IDictionary<string, string>)) || type.IsAssignableTo(typeof(IReadOnlyDictionary<string, string>)))
        {
            if (value is not JsonObject map)
            {
                return $"The {property.Name} field must be an object of string values.";
            }

            var notStrings = map.Where(entry => entry.Value?.GetValueKind() != JsonValueKind.String).Select(entry => entry.Key).ToList();
            return notStrings.Count == 0 ? null : $"The {property.Name} field must have string values; not: {string.Join(", ", notStrings)}.";
        }

        try
        {
            _ = value.Deserialize(property.PropertyType, property.Options);
            return null;
        }
        catch (JsonException)
        {
            return $"The {property.Name} field has the wrong type.";
        }
    }

    private static IEnumerable<TAttribute> Attributes<TAttribute>(JsonPropertyInfo property) where TAttribute : Attribute =>
        property.AttributeProvider is MemberInfo member ? member.GetCustomAttributes<TAttribute>(inherit: true) : [];
}
