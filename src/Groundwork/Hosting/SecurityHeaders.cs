using System.ComponentModel.DataAnnotations;

namespace Groundwork.Hosting;

/// <summary>Origins whose browser pages may call the API (CORS). None by default: browsers then allow no cross-origin calls.</summary>
public sealed class CorsSettings : IValidatableObject
{
    public const string Section = "Cors";

    /// <summary>Exact origins, such as <c>https://console.example.com</c>.</summary>
    public string[] Origins { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Origins.Length; i++)
        {
            if (!Uri.TryCreate(Origins[i], UriKind.Absolute, out var origin) || origin.Scheme is not ("http" or "https")
                || origin.PathAndQuery != "/" || Origins[i].EndsWith('/') || !string.IsNullOrEmpty(origin.Fragment) || !string.IsNullOrEmpty(origin.UserInfo))
            {
                yield return new ValidationResult(
                    $"Cors:Origins:{i} ('{Origins[i]}') must be an origin: scheme, host and optional port, such as https://console.example.com.",
                    [nameof(Origins)]);
            }
        }
    }
}

public static class SecurityHeaders
{
    /// <summary>
    /// Headers on every answer, errors included (set when the response starts, after the exception handler has cleared
    /// it): no content sniffing, no referrer, and no framing by other sites. No script-source policy: the /docs page loads
    /// its reference UI from a CDN.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    });
}
