using System.Text.Json;
using System.Text.RegularExpressions;

namespace Groundwork.Fuzzing;

/// <summary>What the service answered to one case.</summary>
public sealed record FuzzResponse(int Status, string? ContentType, string Body, TimeSpan Elapsed, string? TransportError = null)
{
    /// <summary>The answer closed the connection (Connection: close), as Kestrel's own rejections of malformed requests do.</summary>
    public bool ConnectionClose { get; init; }
}

/// <summary>One broken rule: <see cref="Kind"/> is server-error, no-problem-details, leak, slow or transport.</summary>
public sealed record Finding(string Kind, string Detail);

/// <summary>
/// The rules every answer must keep, whatever was sent: no 5xx (nothing upstream is involved when fuzzing the local model), every
/// 4xx a problem-details body with its status and a title, no .NET type names, stack frames or server paths in any body, and no
/// request slower than <see cref="SlowAfter"/>. One 5xx is allowed: 503 for a model that is configured but whose provider's
/// setting is not, when the body names that setting (gpt-4 without OPENAI_API_KEY), which is the documented answer.
/// </summary>
public sealed partial class ResponseOracle
{
    public TimeSpan SlowAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether the documented 503 for an unconfigured provider passes; off when every model is expected to run.</summary>
    public bool AllowUnconfiguredModel503 { get; init; } = true;

    [GeneratedRegex(@"System\.[A-Z]|Microsoft\.[A-Z]|Exception\b|Exception:|\bat Groundwork|\bGroundwork\.[A-Z][A-Za-z]+\.|/work/|/home/|/tmp/|[A-Z]:\\|\.cs:line \d|\bline \d+ in |StackTrace")]
    private static partial Regex Leak();

    [GeneratedRegex(@"\bset [A-Z][A-Z0-9_]*(_API_KEY|_BASE_URL)\b")]
    private static partial Regex NamesASetting();

    public IReadOnlyList<Finding> Check(FuzzCase fuzzCase, FuzzResponse response)
    {
        var findings = new List<Finding>();
        if (response.TransportError is not null)
        {
            findings.Add(new Finding("transport", response.TransportError));
            return findings;
        }
        if (response.Status >= 500 && !(response.Status == 503 && AllowUnconfiguredModel503 && NamesASetting().IsMatch(response.Body)))
        {
            findings.Add(new Finding("server-error", $"{response.Status} {ProblemTitle(response.Body)}"));
        }
        // Kestrel answers what it cannot parse (broken framing, a request line over 8 KB, %00 in the path) itself, before the
        // application runs: an empty body and Connection: close. Only the application's answers must be problem details.
        var kestrelRejection = response.Body.Length == 0 && response.ConnectionClose && response.Status is 400 or 408 or 413 or 414 or 431;
        // The OpenAI-compatible API answers errors in OpenAI's shape instead.
        var openAi = fuzzCase.Target.Contains("/v1/", StringComparison.Ordinal);
        if (response.Status >= 400 && !kestrelRejection && !(openAi ? IsOpenAiError(response) : IsProblemDetails(response)))
        {
            findings.Add(new Finding("no-problem-details", $"{response.Status} {response.ContentType ?? "(no content type)"} {Excerpt(response.Body, 80)}"));
        }
        var leak = Leak().Match(response.Body);
        if (leak.Success)
        {
            var start = Math.Max(0, leak.Index - 60);
            findings.Add(new Finding("leak", $"{response.Status}: …{response.Body.Substring(start, Math.Min(response.Body.Length - start, 160))}…"));
        }
        if (fuzzCase.Secret is { Length: > 0 } secret && response.Body.Contains(secret, StringComparison.Ordinal))
        {
            findings.Add(new Finding("leak", $"{response.Status}: the answer repeats the request's key"));
        }
        // An upload with ?wait=true is held by design until its documents are ingested (at most Ingestion:MaxWaitSeconds);
        // only its rejections must be quick.
        var heldByRequest = response.Status < 300 && fuzzCase.Target.Contains("wait=true", StringComparison.OrdinalIgnoreCase);
        if (response.Elapsed > SlowAfter && !heldByRequest)
        {
            findings.Add(new Finding("slow", $"{response.Status} after {response.Elapsed.TotalSeconds:0.0} s"));
        }
        return findings;
    }

    private static bool IsProblemDetails(FuzzResponse response)
    {
        if (response.ContentType is null || !response.ContentType.StartsWith("application/problem+json", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("status", out var status) && status.TryGetInt32(out var code) && code == response.Status
                && root.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String && title.GetString()!.Length > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsOpenAiError(FuzzResponse response)
    {
        if (response.ContentType is null || !response.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String && message.GetString()!.Length > 0
                && error.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string ProblemTitle(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("title", out var title) ? title.ToString() : Excerpt(body, 80);
        }
        catch (JsonException)
        {
            return Excerpt(body, 80);
        }
    }

    internal static string Excerpt(string text, int length) => text.Length <= length ? text : text[..length] + "…";
}
