using System.Globalization;

namespace Groundwork.Hosting;

/// <summary>
/// The <c>RateLimit-Policy</c> and <c>RateLimit</c> fields of the IETF draft (draft-ietf-httpapi-ratelimit-headers):
/// each limit a response is subject to is one list member, <c>"name";q=quota;w=window</c> in the policy and
/// <c>"name";r=remaining;t=seconds-until-it-resets</c> in the current state. Request-rate and token-budget limits both
/// write here, so a response lists every limit it counted against.
/// </summary>
public static class RateLimitHeaders
{
    public const string Policy = "RateLimit-Policy";
    public const string State = "RateLimit";

    public static void Append(HttpResponse response, string name, long quota, TimeSpan window, long remaining, TimeSpan resetsIn, string? unit = null)
    {
        var quotaUnit = unit is null ? "" : $";qu=\"{unit}\"";
        response.Headers.Append(Policy, string.Create(CultureInfo.InvariantCulture, $"\"{name}\";q={quota};w={Seconds(window)}{quotaUnit}"));
        response.Headers.Append(State, string.Create(CultureInfo.InvariantCulture, $"\"{name}\";r={Math.Max(0, remaining)};t={Seconds(resetsIn)}"));
    }

    /// <summary>Whole seconds, rounded up, at least 0: a client that waits this long is not early.</summary>
    public static long Seconds(TimeSpan span) => span <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(span.TotalSeconds);
}
