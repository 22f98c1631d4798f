using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Groundwork.Auth;

/// <summary>
/// <c>Authorization: Bearer gw_…</c>. Answers that refuse a request never say whether a key or user exists: a missing,
/// malformed, unknown, expired or revoked key, and a disabled user or tenant, all get the same 401.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeyResolver keys, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    private const string RefusedDetail = "Send a valid API key: 'Authorization: Bearer gw_…'. The key was missing, malformed, unknown, expired or revoked.";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var headers = Request.Headers.Authorization;
        if (headers.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        if (headers.Count > 1 || !ApiKeyFormat.TryReadBearer(headers[0], out var key))
        {
            return AuthenticateResult.Fail("malformed");
        }

        var resolved = await keys.ResolveAsync(key, Context.RequestAborted);
        if (resolved is null || resolved.ExpiresAt <= TimeProvider.GetUtcNow().UtcDateTime)
        {
            return AuthenticateResult.Fail("unknown");
        }

        return AuthenticateResult.Success(new AuthenticationTicket(resolved.Caller.ToPrincipal(SchemeName), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers[HeaderNames.WWWAuthenticate] = Request.Headers.Authorization.Count == 0 ? "Bearer" : "Bearer error=\"invalid_token\"";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = StatusCodes.Status401Unauthorized, Title = "Unauthorized", Detail = RefusedDetail },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Forbidden",
                Detail = "This API key's role does not allow this request (readers search and generate; editors also add and delete " +
                         "documents; admins also manage their tenant's users and keys; read-only keys change nothing).",
            },
        });
    }
}
