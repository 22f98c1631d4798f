using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.RateLimiting;
using Groundwork.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Groundwork.RateLimits;

public static class RateLimitsRegistration
{
    public const string PerKeyPolicy = "per-key";

    /// <summary>ASP.NET Core's rate limiter with the per-key policy; pair with <see cref="RequirePerKeyRateLimit"/> on each API group.</summary>
    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.Section);
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy<string, PerKeyRateLimitPolicy>(PerKeyPolicy);
        });
        return builder;
    }

    /// <summary>A token bucket per API key on every endpoint of the group, and one per client address for requests without a valid key.</summary>
    public static TBuilder RequirePerKeyRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(PerKeyPolicy);
}

/// <summary>
/// Partitions by the caller's API key (its tenant's settings), or by client address when the request has no valid
/// caller — the rate limiter runs between authentication and authorization, so bad keys are counted before the 401.
/// Every response of a key's partition says its bucket's state in the RateLimit headers.
/// </summary>
public sealed class PerKeyRateLimitPolicy(IOptions<RateLimitOptions> options) : IRateLimiterPolicy<string>
{
    private const string RequestsLimit = "requests";

    // The limiter middleware keeps each partition's limiter and drops it when idle (then asks for a new one); the latest
    // for each key is kept here too, to read how full it is for the headers.
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new();

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => WriteRejectedAsync;

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var settings = options.Value;
        if (Caller.From(httpContext.User) is not { } caller)
        {
            var address = httpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            return RateLimitPartition.Get("address:" + address,
                key => NewBucket(key, settings.UnauthenticatedPermitsPerSecond, settings.UnauthenticatedBurst, report: false).Limiter);
        }

        var (permitsPerSecond, burst) = settings.ForTenant(caller.TenantId);
        var partition = "key:" + caller.KeyId.ToString(CultureInfo.InvariantCulture);
        httpContext.Response.OnStarting(static state =>
        {
            var (policy, key, response) = ((PerKeyRateLimitPolicy, string, HttpResponse))state;
            policy.WriteHeaders(key, response);
            return Task.CompletedTask;
        }, (this, partition, httpContext.Response));
        return RateLimitPartition.Get(partition, key => NewBucket(key, permitsPerSecond, burst, report: true).Limiter);
    }

    private Bucket NewBucket(string key, double permitsPerSecond, int burst, bool report)
    {
        // Whole permits per refill: a fractional rate refills one permit every 1/rate seconds.
        var (tokensPerPeriod, period) = permitsPerSecond >= 1
            ? ((int)Math.Round(permitsPerSecond), TimeSpan.FromSeconds(1))
            : (1, TimeSpan.FromSeconds(1 / permitsPerSecond));
        var bucket = new Bucket(
            new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst, TokensPerPeriod = tokensPerPeriod, ReplenishmentPeriod = period, QueueLimit = 0, AutoReplenishment = true,
            }),
            burst, tokensPerPeriod / period.TotalSeconds);
        if (report)
        {
            _buckets[key] = bucket;
        }

        return bucket;
    }

    private void WriteHeaders(string key, HttpResponse response)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            return;
        }

        long available;
        try
        {
            available = bucket.Limiter.GetStatistics()?.CurrentAvailablePermits ?? 0;
        }
        catch (ObjectDisposedException)
        {
            // Dropped as idle between this request's lease and its answer: nothing current to report.
            return;
        }

        RateLimitHeaders.Append(response, RequestsLimit, bucket.Burst, TimeSpan.FromSeconds(bucket.Burst / bucket.PermitsPerSecond), available,
            TimeSpan.FromSeconds((bucket.Burst - available) / bucket.PermitsPerSecond));
    }

    private static async ValueTask WriteRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        http.Response.Headers.RetryAfter = Math.Max(1, RateLimitHeaders.Seconds(retryAfter)).ToString(CultureInfo.InvariantCulture);
        var keyed = Caller.From(http.User) is not null;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = keyed
                    ? "This API key has used up its request rate (RateLimits:PermitsPerSecond and RateLimits:Burst); retry after the Retry-After seconds."
                    : "Too many requests without a valid API key from this address; retry after the Retry-After seconds.",
            },
        });
    }

    private sealed record Bucket(TokenBucketRateLimiter Limiter, int Burst, double PermitsPerSecond);
}
