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

        JsonNode? root;
        try
        {
            using var limited = new LengthLimitedStream(request.Body, maxBodyBytes);
            root = await JsonNode.ParseAsync(limited, documentOptions: new JsonDocumentOptions { MaxDepth = 64 },
                cancellationToken: context.RequestAborted);
        }
        catch (LengthLimitExceededException)
        {
            throw TooLarge(maxBodyBytes);
        }
        catch (JsonException exception)
        {
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, "Malformed JSON",
                $"The request body is not valid JSON: {exception.Message}");
        }

        if (root is not JsonObject body)
        {
            throw Invalid(new Dictionary<string, string[]> { ["$"] = ["The request body must be a JSON object."] });
        }

        var typeInfo = _serializerOptions.GetTypeInfo(typeof(T));
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var wellTyped = new JsonObject();
        foreach (var property in typeInfo.Properties)
        {
            if (!body.TryGetPropertyValue(property.Name, out var value))
            {
                if (property.IsRequired || HasAttribute<RequiredAttribute>(property))
                {
                    errors[property.Name] = [$"The {property.Name} field is required."];
                }
                continue;
            }

            if (JsonTypeMismatch(property, value) is { } typeError)
            {
                errors[property.Name] = [typeError];
                continue;
            }

            wellTyped[property.Name] = value?.DeepClone();
        }

        var instance = wellTyped.Deserialize<T>(_serializerOptions)
            ?? throw new InvalidOperationException($"Deserializing {typeof(T).Name} produced null.");

        var validationContext = new ValidationContext(instance, context.RequestServices, items: null);
        foreach (var property in typeInfo.Properties)
        {
            if (errors.ContainsKey(property.Name) || !wellTyped.ContainsKey(property.Name) || property.Get is null)
            {
                continue;
            }

            validationContext.DisplayName = property.Name;
            validationContext.MemberName = property.Name;
            var value = property.Get(instance);
            var messages = new List<string>();
            foreach (var attribute in Attributes<ValidationAttribute>(property))
            {
                if (attribute is RequiredAttribute)
                {
                    continue;
                }

                if (attribute.GetValidationResult(value, validationContext) is { ErrorMessage: { } message })
                {
                    messages.Add(message);
                }
            }

            if (messages.Count > 0)
            {
                errors[property.Name] = [.. messages];
            }
        }

        if (errors.Count > 0)
        {
            throw Invalid(errors);
        }

        return instance;
    }

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

    private static bool HasAttribute<TAttribute>(JsonPropertyInfo property) where TAttribute : Attribute =>
        Attributes<TAttribute>(property).Any();

    private static IEnumerable<TAttribute> Attributes<TAttribute>(JsonPropertyInfo property) where TAttribute : Attribute =>
        property.AttributeProvider is MemberInfo member ? member.GetCustomAttributes<TAttribute>(inherit: true) : [];
}
