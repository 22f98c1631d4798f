using System.ComponentModel;
using System.Security.Cryptography;
using System.Threading.Channels;
using Groundwork.Hosting;
using Groundwork.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Hybrid;

namespace Groundwork.Auth;

/// <summary>A key as the authentication handler needs it; cached, so only the expiry is checked per request.</summary>
/// <remarks>Immutable, so HybridCache hands out the cached instance instead of deserializing a copy on every hit.</remarks>
[ImmutableObject(true)]
public sealed record ResolvedKey(Caller Caller, DateTime? ExpiresAt);

/// <summary>
/// Finds the caller behind an API key, with its role and its budgets. Lookups go through HybridCache by the key's hash, so
/// authentication costs a hash and a cache hit on the hot path; revoking a key, or disabling or changing its user or
/// tenant (role, budget), evicts it
/// (<see cref="EvictAsync"/>), so such a key fails on its next request. Unknown keys are never cached.
/// </summary>
public sealed class ApiKeyResolver(IServiceScopeFactory scopes, HybridCache cache, TimeProvider clock)
{
    private static readonly HybridCacheEntryOptions Entry = new() { Expiration = TimeSpan.FromMinutes(5), LocalCacheExpiration = TimeSpan.FromMinutes(5) };
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private readonly Channel<(long KeyId, DateTime At)> _used = Channel.CreateBounded<(long, DateTime)>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, DateTime> _lastNoted = new();

    internal ChannelReader<(long KeyId, DateTime At)> UsedKeys => _used.Reader;

    public async Task<ResolvedKey?> ResolveAsync(string key, CancellationToken cancellationToken)
    {
        var hash = ApiKeyFormat.Hash(key);
        var cacheKey = CacheKey(hash);
        var resolved = await cache.GetOrCreateAsync(cacheKey, (Hash: hash, Prefix: ApiKeyFormat.Prefix(key), Scopes: scopes),
            static async (state, token) => await LoadAsync(state.Scopes, state.Prefix, state.Hash, token), Entry, cancellationToken: cancellationToken);
        if (resolved is null)
        {
            await cache.RemoveAsync(cacheKey, cancellationToken);
            return null;
        }

        NoteUsed(resolved.Caller.KeyId);
        return resolved;
    }

    /// <summary>Forgets the cached lookups of these keys (by their stored hashes).</summary>
    public async Task EvictAsync(IEnumerable<byte[]> hashes, CancellationToken cancellationToken)
    {
        foreach (var hash in hashes)
        {
            await cache.RemoveAsync(CacheKey(hash), cancellationToken);
        }
    }

    /// <summary>Forgets the cached lookups of every key of the user. Call it after the change is saved.</summary>
    public async Task EvictUserAsync(GroundworkDbContext db, long userId, CancellationToken cancellationToken) =>
        await EvictAsync(await db.ApiKeys.Where(k => k.UserId == userId).Select(k => k.Hash).ToListAsync(cancellationToken), cancellationToken);

    /// <summary>Forgets the cached lookups of every key of the tenant's users. Call it after the change is saved.</summary>
    public async Task EvictTenantAsync(GroundworkDbContext db, long tenantId, CancellationToken cancellationToken) =>
        await EvictAsync(await db.ApiKeys.Where(k => k.User!.TenantId == tenantId).Select(k => k.Hash).ToListAsync(cancellationToken), cancellationToken);

    private static string CacheKey(byte[] hash) => "gw:key:" + Convert.ToHexStringLower(hash);

    private static async Task<ResolvedKey?> LoadAsync(IServiceScopeFactory scopes, string prefix, byte[] hash, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        var candidates = await (
            from key in db.ApiKeys.AsNoTracking()
            join user in db.Users on key.UserId equals user.Id
            join tenant in db.Tenants on user.TenantId equals tenant.Id
            where key.Prefix == prefix && key.RevokedAt == null && !user.Disabled && !tenant.Disabled
            select new
            {
                key.Id, key.Hash, key.ReadOnly, key.ExpiresAt, UserId = user.Id, user.TenantId, user.Role, user.IsOperator,
                TenantTokens = tenant.BudgetTokens, TenantPeriod = tenant.BudgetPeriod, UserTokens = user.BudgetTokens, UserPeriod = user.BudgetPeriod,
            })
            .ToListAsync(cancellationToken);
        var match = candidates.FirstOrDefault(candidate => CryptographicOperations.FixedTimeEquals(candidate.Hash, hash));
        return match is null
            ? null
            : new ResolvedKey(new Caller(match.TenantId, match.UserId, match.Id, match.Role, match.ReadOnly, match.IsOperator,
                Budget.Of(match.TenantTokens, match.TenantPeriod), Budget.Of(match.UserTokens, match.UserPeriod)), match.ExpiresAt);
    }

    /// <summary>Queues a last-used time for the key, at most once a minute per key; written off the request path.</summary>
    private void NoteUsed(long keyId)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (_lastNoted.TryGetValue(keyId, out var noted) && now - noted < LastUsedResolution)
        {
            return;
        }

        _lastNoted[keyId] = now;
        _used.Writer.TryWrite((keyId, now));
    }
}

/// <summary>Writes the keys' last-used times that <see cref="ApiKeyResolver"/> queues.</summary>
public sealed class KeyUsageWriter(ApiKeyResolver resolver, IServiceScopeFactory scopes, ILogger<KeyUsageWriter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (keyId, at) in resolver.UsedKeys.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
                    await db.ApiKeys.Where(k => k.Id == keyId).ExecuteUpdateAsync(set => set.SetProperty(k => k.LastUsedAt, at), stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "Could not record when API key {KeyId} was last used", keyId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
