namespace Groundwork.FakeUpstream;

public enum FaultKind
{
    /// <summary>Answer with <see cref="FakeFault.StatusCode"/> and the provider's error JSON.</summary>
    Status,

    /// <summary>Never answer; the request ends only when the client disconnects or the server stops.</summary>
    Hang,

    /// <summary>Close the connection after <see cref="FakeFault.AfterChunks"/> stream events (JSON: halfway through the body), before the response is complete.</summary>
    CutConnection,

    /// <summary>Send a <c>data:</c> line with invalid JSON after <see cref="FakeFault.AfterChunks"/> stream events (JSON: a truncated body).</summary>
    Malformed,

    /// <summary>
    /// Stop after <see cref="FakeFault.AfterChunks"/> stream events (JSON: half the body) and send nothing more until the
    /// client disconnects or the server stops; a disconnect is seen by <c>WaitForClientDisconnectAsync</c>.
    /// </summary>
    Stall,
}

/// <summary>
/// A fault injected into provider responses. Applies to every provider request, or only the next
/// <see cref="Count"/> ones, optionally only on <see cref="Path"/> (e.g. <c>/v1/chat/completions</c>).
/// </summary>
public sealed record FakeFault
{
    public FaultKind Kind { get; init; } = FaultKind.Status;

    public int StatusCode { get; init; } = 500;

    /// <summary>Sent as <c>retry-after</c> (seconds); honoured by the OpenAI and Anthropic SDKs.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Sent as <c>retry-after-ms</c>; honoured by the Anthropic SDK, ignored by the OpenAI SDK.</summary>
    public int? RetryAfterMs { get; init; }

    /// <summary>Stream events written before a <see cref="FaultKind.CutConnection"/> or <see cref="FaultKind.Malformed"/> fault strikes.</summary>
    public int AfterChunks { get; init; } = 1;

    /// <summary>How many matching requests the fault applies to; null for all of them.</summary>
    public int? Count { get; init; }

    /// <summary>The only request path the fault applies to; null for every provider path.</summary>
    public string? Path { get; init; }

    public static FakeFault Status(int statusCode) => new() { Kind = FaultKind.Status, StatusCode = statusCode };

    public static FakeFault RateLimited(int retryAfterSeconds = 1) =>
        new() { Kind = FaultKind.Status, StatusCode = 429, RetryAfterSeconds = retryAfterSeconds };

    public static FakeFault Hang() => new() { Kind = FaultKind.Hang };

    public static FakeFault CutConnection(int afterChunks = 1) => new() { Kind = FaultKind.CutConnection, AfterChunks = afterChunks };

    public static FakeFault Malformed(int afterChunks = 1) => new() { Kind = FaultKind.Malformed, AfterChunks = afterChunks };

    public static FakeFault Stall(int afterChunks = 1) => new() { Kind = FaultKind.Stall, AfterChunks = afterChunks };

    public FakeFault ForNext(int requests) => this with { Count = requests };

    public FakeFault OnlyOn(string path) => this with { Path = path };

    internal void Validate()
    {
        if (!Enum.IsDefined(Kind))
        {
            throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Fault.Kind is not a known fault kind.");
        }

        if (Kind == FaultKind.Status && StatusCode is < 400 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(StatusCode), StatusCode, "Fault.StatusCode must be between 400 and 599.");
        }

        if (RetryAfterSeconds < 0 || RetryAfterMs < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryAfterSeconds), "Fault.RetryAfterSeconds and Fault.RetryAfterMs must not be negative.");
        }

        if (AfterChunks < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(AfterChunks), AfterChunks, "Fault.AfterChunks must not be negative.");
        }

        if (Count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Count), Count, "Fault.Count must be at least 1, or null for every request.");
        }

        if (Path is not null && !Path.StartsWith('/'))
        {
            throw new ArgumentException("Fault.Path must start with '/', e.g. /v1/chat/completions.", nameof(Path));
        }
    }
}

/// <summary>A fault together with how many more requests it may strike.</summary>
internal sealed class ArmedFault(FakeFault fault)
{
    private int _remaining = fault.Count ?? int.MaxValue;

    public FakeFault Fault { get; } = fault;

    public int? Remaining => Fault.Count is null ? null : Math.Max(0, Volatile.Read(ref _remaining));

    public FakeFault? TryStrike(PathString path)
    {
        if (Fault.Path is { } only && !path.Equals(only, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (Fault.Count is null)
        {
            return Fault;
        }

        // The read first keeps an exhausted fault from counting down forever under load.
        return Volatile.Read(ref _remaining) > 0 && Interlocked.Decrement(ref _remaining) >= 0 ? Fault : null;
    }
}
