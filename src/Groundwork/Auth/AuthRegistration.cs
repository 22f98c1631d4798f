using Groundwork.Hosting;

namespace Groundwork.Auth;

public static class AuthRegistration
{
    /// <summary>API-key authentication, the role policies (every endpoint needs a key unless it allows anonymous access)
    /// and the first operator's bootstrap.</summary>
    public static IHostApplicationBuilder AddAuth(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        builder.Services.AddSingleton<ApiKeyResolver>();
        builder.Services.AddHostedService<AuthBootstrap>();
        builder.Services.AddHostedService<KeyUsageWriter>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization(Policies.Add);
        return builder;
    }

    /// <summary>Authentication then authorization; after routing, CORS and the audit log.</summary>
    public static IApplicationBuilder UseAuth(this IApplicationBuilder app) =>
        // The rate limiter between the two: a request with a bad key is counted against its address before
        // authorization answers 401 (the limits themselves are the RateLimits feature's).
        app.UseAuthentication().UseRateLimiter().UseAuthorization();
}
