namespace Groundwork.Fuzzing;

/// <summary>
/// One request to send. <see cref="Class"/> names the kind of mutation (see <see cref="FuzzClass"/>), <see cref="Note"/> what was
/// changed. A case with <see cref="RawRequest"/> is written byte for byte to a socket (framing a client library would fix).
/// </summary>
public sealed record FuzzCase(string Class, string Operation, string Method, string Target, byte[]? Body, string? ContentType, string Note)
{
    /// <summary>Headers beyond Content-Type, e.g. a multipart Content-Type that HttpClient would validate.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>A whole HTTP/1.1 request, sent over a raw loopback socket; null for requests sent through HttpClient.</summary>
    public byte[]? RawRequest { get; init; }

    /// <summary>True when the request is valid by the schema and should succeed (2xx, or a documented 503 for an unconfigured model).</summary>
    public bool ExpectSuccess { get; init; }

    /// <summary>Text the request carries that no answer may repeat (the key of an Authorization header).</summary>
    public string? Secret { get; init; }
}

/// <summary>The mutation classes the generator produces.</summary>
public static class FuzzClass
{
    public const string Baseline = "baseline";
    public const string NullField = "null-field";
    public const string MissingField = "missing-field";
    public const string WrongType = "wrong-type";
    public const string DuplicateKey = "duplicate-key";
    public const string Surrogate = "surrogate";
    public const string IntegerSpelling = "integer-spelling";
    public const string HugeNumber = "huge-number";
    public const string OutOfRange = "out-of-range";
    public const string StringLength = "string-length";
    public const string ArrayLength = "array-length";
    public const string Enum = "enum";
    public const string UnknownField = "unknown-field";
    public const string DeepNesting = "deep-nesting";
    public const string InvalidUtf8 = "invalid-utf8";
    public const string TruncatedBody = "truncated-body";
    public const string MalformedJson = "malformed-json";
    public const string EmptyBody = "empty-body";
    public const string TopLevelType = "top-level-type";
    public const string ContentType = "content-type";
    public const string QueryString = "query-string";
    public const string PathId = "path-id";
    public const string SearchFilter = "search-filter";
    public const string Multipart = "multipart";
    public const string FileContent = "file-content";
    public const string RawFraming = "raw-framing";
    public const string Authorization = "authorization";
}
