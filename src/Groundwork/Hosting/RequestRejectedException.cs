namespace Groundwork.Hosting;

/// <summary>
/// Thrown while reading a request that cannot be accepted as sent; <see cref="RequestRejectedExceptionHandler"/> turns it into
/// problem details with <see cref="StatusCode"/>, and <see cref="Errors"/> (keyed by JSON field name) when present.
/// </summary>
public sealed class RequestRejectedException(
    int statusCode,
    string title,
    string detail,
    IReadOnlyDictionary<string, string[]>? errors = null) : Exception(detail)
{
    public int StatusCode { get; } = statusCode;
    public string Title { get; } = title;
    public IReadOnlyDictionary<string, string[]>? Errors { get; } = errors;
}
