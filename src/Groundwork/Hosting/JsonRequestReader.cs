using System.Buffers;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Groundwork.Hosting;

/// <summary>
/// Reads a JSON request body into a record and validates it against the data annotations on its properties — the same
/// attributes the OpenAPI document is generated from. System.Text.Json does the parsing (syntax, depth, duplicate keys,
/// strict numbers, unknown fields); this class adds what it cannot: a field whose value has the wrong JSON type is a 422
/// naming that field, as FastAPI answers, with every invalid field reported at once, and strings that are not valid
/// Unicode (lone surrogate escapes) are rejected before any code reads them.
/// </summary>
/// <remarks>
/// The framework's own body binding answers any of these with a bare 400, and the manual entry points of
/// Microsoft.Extensions.Validation are still experimental in .NET 10 (ASP0029), so the attributes are checked here with
/// System.ComponentModel.DataAnnotations directly.
/// </remarks>
public sealed class JsonRequestReader(IOptions<JsonOptions> jsonOptions)
{
    private readonly JsonSerializerOptions _serializerOptions = jsonOptions.Value.SerializerOptions;
    private readonly ConcurrentDictionary<Type, RequestSchema> _schemas = new();

    public async Task<T> ReadAsync<T>(HttpContext context, long maxBodyBytes) where T : class
    {
        var request = context.Request;
        RequireUtf8Json(request);
        if (request.ContentLength > maxBodyBytes)
        {
            throw TooLarge(maxBodyBytes);
        }

        var body = await ReadBodyAsync(request, maxBodyBytes, context.RequestAborted);
        try
        {
            return Bind<T>(body.Buffer.AsMemory(0, body.Length), context);
        }
        finally
        {
            body.Return();
        }
    }

    /// <summary>
    /// Reads a JSON object body with the same checks as <see cref="ReadAsync{T}"/> before any field is read (UTF-8 JSON
    /// content type and charset, size, valid UTF-8, syntax, depth, duplicate keys, lone surrogate escapes), for handlers
    /// that read their fields by hand. Returns a copy that outlives the request's buffer.
    /// </summary>
    public async Task<JsonElement> ReadObjectAsync(HttpContext context, long maxBodyBytes)
    {
        var request = context.Request;
        RequireUtf8Json(request);
        if (request.ContentLength > maxBodyBytes)
        {
            throw TooLarge(maxBodyBytes);
        }

        var body = await ReadBodyAsync(request, maxBodyBytes, context.RequestAborted);
        try
        {
            var bytes = body.Buffer.AsMemory(0, body.Length);
            if (!Utf8.IsValid(bytes.Span))
            {
                throw new RequestRejectedException(StatusCodes.Status400BadRequest, "Malformed JSON", "The request body is not valid UTF-8.");
            }

            using var document = Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(new Dictionary<string, string[]> { ["$"] = ["The request body must be a JSON object."] });
            }

            if (bytes.Span.IndexOf("\\u"u8) >= 0)
            {
                foreach (var property in root.EnumerateObject())
                {
                    if (!UnicodeText.IsValid(property, out var badPath))
                    {
                        throw Invalid(new Dictionary<string, string[]>
                        {
                            [badPath] = ["The value is not valid Unicode text: it has a lone or reversed surrogate escape (\\ud800–\\udfff)."],
                        });
                    }
                }
            }

            return root.Clone();
        }
        finally
        {
            body.Return();
        }
    }

    private T Bind<T>(ReadOnlyMemory<byte> body, HttpContext context) where T : class
    {
        if (!Utf8.IsValid(body.Span))
        {
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, "Malformed JSON",
                "The request body is not valid UTF-8.");
        }

        using var document = Parse(body);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(new Dictionary<string, string[]> { ["$"] = ["The request body must be a JSON object."] });
        }

        var schema = SchemaOf<T>();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        // Input that is valid UTF-8 can only hold a bad surrogate as a \u escape.
        var mayHaveBadEscapes = body.Span.IndexOf("\\u"u8) >= 0;
        T? instance = null;
        if (!mayHaveBadEscapes || root.EnumerateObject().All(property => UnicodeText.IsValid(property, out _)))
        {
            try
            {
                instance = root.Deserialize<T>(_serializerOptions);
            }
            catch (JsonException)
            {
                // Some field is unknown or of the wrong type: find out which, field by field.
            }
        }

        instance ??= BindFieldByField<T>(root, schema, mayHaveBadEscapes, errors) ?? throw Invalid(errors);

        Validate(instance, schema, context, errors);
        return errors.Count > 0 ? throw Invalid(errors) : instance;
    }

    /// <summary>
    /// Names every field that is unknown, of the wrong JSON type or not valid Unicode in <paramref name="errors"/>, and binds
    /// the others, so that their attributes can be checked too.
    /// </summary>
    private T? BindFieldByField<T>(JsonElement root, RequestSchema schema, bool mayHaveBadEscapes, Dictionary<string, string[]> errors)
        where T : class
    {
        var rejected = new HashSet<int>();
        var position = -1;
        foreach (var property in root.EnumerateObject())
        {
            position++;
            if (mayHaveBadEscapes && !UnicodeText.IsValid(property, out var badPath))
            {
                errors[badPath] = ["The value is not valid Unicode text: it has a lone or reversed surrogate escape (\\ud800–\\udfff)."];
            }
            else if (!schema.FieldsByName.TryGetValue(property.Name, out var field))
            {
                errors[property.Name] = [$"Unknown field. The fields are: {string.Join(", ", schema.FieldsByName.Keys)}."];
            }
            else if (TypeError(field.Property, property.Value) is { } typeError)
            {
                errors[property.Name] = [typeError];
            }
            else
            {
                continue;
            }

            rejected.Add(position);
        }

        try
        {
            return DeserializeExcept<T>(root, rejected);
        }
        catch (JsonException)
        {
            // Each field reads on its own but not together; nothing more precise can be said.
            errors["$"] = ["The request body does not match the documented schema."];
            return null;
        }
    }

    private static void RequireUtf8Json(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            throw new RequestRejectedException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"The request body must be JSON (Content-Type: application/json); got '{request.ContentType ?? "none"}'.");
        }

        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) && mediaType.Charset.HasValue
            && !mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && !mediaType.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            throw new RequestRejectedException(StatusCodes.Status415UnsupportedMediaType, "Unsupported charset",
                $"JSON request bodies must be UTF-8; got charset '{mediaType.Charset}'.");
        }
    }

    private JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        var options = new JsonDocumentOptions
        {
            MaxDepth = _serializerOptions.MaxDepth,
            AllowDuplicateProperties = _serializerOptions.AllowDuplicateProperties,
        };
        try
        {
            // The document reads the pooled buffer in place; it is disposed before the buffer is returned, and the
            // JsonElement values bound into the record are copies of their own.
            return JsonDocument.Parse(body, options);
        }
        catch (JsonException exception)
        {
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, "Malformed JSON",
                $"The request body is not valid JSON: {SyntaxProblem(exception)} (line {exception.LineNumber + 1}, " +
                $"byte {exception.BytePositionInLine + 1}).");
        }
        catch (InvalidOperationException)
        {
            // Thrown by the duplicate-key check when it cannot unescape a property name.
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, "Malformed JSON",
                "The request body is not valid JSON: a property name has a lone or reversed surrogate escape (\\ud800–\\udfff).");
        }
    }

    /// <summary>The parser's reason without its position suffix; its syntax messages name no .NET types.</summary>
    private static string SyntaxProblem(JsonException exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut < 0 ? message : message[..cut]).TrimEnd(' ', '.', '|');
    }

    private T? DeserializeExcept<T>(JsonElement root, HashSet<int> rejectedPositions) where T : class
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            var position = 0;
            foreach (var property in root.EnumerateObject())
            {
                if (!rejectedPositions.Contains(position++))
                {
                    property.WriteTo(writer);
                }
            }
            writer.WriteEndObject();
        }

        return JsonSerializer.Deserialize<T>(buffer.WrittenSpan, _serializerOptions);
    }

    private static async Task<PooledBody> ReadBodyAsync(HttpRequest request, long maxBodyBytes, CancellationToken cancellationToken)
    {
        var initial = (int)Math.Clamp(request.ContentLength ?? 4096, 16, Math.Min(maxBodyBytes + 1, 1024 * 1024));
        var body = new PooledBody(ArrayPool<byte>.Shared.Rent(initial));
        try
        {
            while (true)
            {
                if (body.Length == body.Buffer.Length)
                {
                    body.Grow();
                }

                var read = await request.Body.ReadAsync(body.Buffer.AsMemory(body.Length), cancellationToken);
                if (read == 0)
                {
                    return body;
                }

                body.Length += read;
                if (body.Length > maxBodyBytes)
                {
                    throw TooLarge(maxBodyBytes);
                }
            }
        }
        catch (IOException exception) when (!cancellationToken.IsCancellationRequested)
        {
            body.Return();
            // Kestrel reports broken framing (a chunk size that overflows) as an IOException; its message is HTTP's terms.
            throw new RequestRejectedException(StatusCodes.Status400BadRequest, "Malformed request body",
                $"The request body could not be read: {exception.Message}");
        }
        catch
        {
            body.Return();
            throw;
        }
    }

    /// <summary>A request body read into a buffer rented from the shared pool.</summary>
    private sealed class PooledBody(byte[] buffer)
    {
        public byte[] Buffer { get; private set; } = buffer;
        public int Length { get; set; }

        public void Grow()
        {
            var larger = ArrayPool<byte>.Shared.Rent(Buffer.Length * 2);
            Buffer.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = larger;
        }

        public void Return() => ArrayPool<byte>.Shared.Return(Buffer);
    }

    private static void Validate(object instance, RequestSchema schema, HttpContext context, Dictionary<string, string[]> errors)
    {
        // Fields already reported (metadata.k, input[1] belong to metadata and input) were left out of the record.
        var alreadyInvalid = errors.Keys.Select(key => key.Split('.', '[')[0]).ToHashSet(StringComparer.Ordinal);
        ValidationContext? validationContext = null;
        foreach (var field in schema.FieldsByName.Values)
        {
            if (field.Attributes.Length == 0 || alreadyInvalid.Contains(field.Property.Name))
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
        _serializerOptions.GetTypeInfo(type).Properties
            .Where(property => property.Get is not null)
            .ToDictionary(
                property => property.Name,
                property => new RequestField(property,
                    [.. Attributes<ValidationAttribute>(property).OrderBy(a => a is RequiredAttribute ? 0 : 1)]),
                StringComparer.Ordinal)));

    /// <summary>A request type's JSON properties with their validation attributes, Required first; built once per type.</summary>
    private sealed record RequestSchema(Dictionary<string, RequestField> FieldsByName);

    private sealed record RequestField(JsonPropertyInfo Property, ValidationAttribute[] Attributes);

    private static RequestRejectedException TooLarge(long maxBodyBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, "Request body too large",
            $"The request body is larger than the limit of {maxBodyBytes} bytes for this endpoint.");

    private static RequestRejectedException Invalid(Dictionary<string, string[]> errors) =>
        new(StatusCodes.Status422UnprocessableEntity, "One or more fields are invalid",
            $"Invalid field(s): {string.Join(", ", errors.Keys)}.", errors);

    /// <summary>Why <paramref name="value"/> cannot be read as the property's type, in JSON terms; null when it can.</summary>
    private static string? TypeError(JsonPropertyInfo property, JsonElement value)
    {
        var acceptsNull = !property.PropertyType.IsValueType && property.IsSetNullable
            || Nullable.GetUnderlyingType(property.PropertyType) is not null;
        if (value.ValueKind == JsonValueKind.Null)
        {
            return acceptsNull ? null : $"The {property.Name} field must not be null.";
        }

        try
        {
            _ = value.Deserialize(property.PropertyType, property.Options);
            return null;
        }
        catch (JsonException)
        {
            return $"The {property.Name} field must be {JsonTypeName(property.PropertyType)}.";
        }
    }

    private static string JsonTypeName(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "a string";
        }
        if (type == typeof(bool))
        {
            return "true or false";
        }
        if (type == typeof(int) || type == typeof(long))
        {
            return type == typeof(int)
                ? "an integer written in digits, without a fraction or exponent, within 32 bits"
                : "an integer written in digits, without a fraction or exponent, within 64 bits";
        }
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "a number";
        }
        if (type.IsEnum)
        {
            return $"one of {string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName))}";
        }
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            return "an ISO 8601 date and time string";
        }
        if (type.IsAssignableTo(typeof(System.Collections.IDictionary)))
        {
            return "a JSON object of the documented values";
        }
        if (type.IsAssignableTo(typeof(System.Collections.IEnumerable)))
        {
            return "an array of the documented values";
        }
        return "of the documented type";
    }

    private static IEnumerable<TAttribute> Attributes<TAttribute>(JsonPropertyInfo property) where TAttribute : Attribute =>
        property.AttributeProvider is MemberInfo member ? member.GetCustomAttributes<TAttribute>(inherit: true) : [];
}

/// <summary>Finds strings and property names that cannot become .NET strings: lone or reversed surrogate escapes.</summary>
internal static class UnicodeText
{
    /// <summary>False with the JSON path of the first invalid name or string under <paramref name="property"/>.</summary>
    public static bool IsValid(JsonProperty property, out string path)
    {
        path = "";
        if (!TryRead(() => property.Name, out var name))
        {
            path = "$";
            return false;
        }

        return IsValid(property.Value, name, out path);
    }

    // Recursion is bounded by the parser's MaxDepth (64).
    private static bool IsValid(JsonElement element, string at, out string path)
    {
        path = at;
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return TryRead(element.GetString, out _);
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (!IsValid(item, $"{at}[{index++}]", out path))
                    {
                        return false;
                    }
                }
                return true;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!TryRead(() => property.Name, out var name))
                    {
                        return false;
                    }
                    if (!IsValid(property.Value, $"{at}.{name}", out path))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }

    private static bool TryRead(Func<string?> read, out string value)
    {
        try
        {
            value = read() ?? "";
            return true;
        }
        catch (InvalidOperationException)
        {
            value = "";
            return false;
        }
    }
}
