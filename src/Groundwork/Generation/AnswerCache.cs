using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Groundwork.Hosting;
using Groundwork.Models;
using Groundwork.Retrieval;
using Groundwork.Usage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace Groundwork.Generation;

/// <summary>Section <c>Generation:AnswerCache</c>: whole answers at temperature 0, opt-in.</summary>
public sealed class AnswerCacheOptions
{
    public const string Section = "Generation:AnswerCache";

    public bool Enabled { get; set; }

    /// <summary>How long an answer is kept; deleting or replacing a document it was given drops it sooner.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00", ErrorMessage = "Generation__AnswerCache__Expiration must be between 00:00:01 and 30.00:00:00.")]
    public TimeSpan Expiration { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>What the model answered, as cached: its text and who answered.</summary>
[ImmutableObject(true)]
public sealed record CachedAnswer(string Text, string? FinishReason, string? Provider, string? UpstreamModel)
{
    public static CachedAnswer From(ChatResponse response) =>
        AnsweredBy.Of(response) is { } by
            ? new(response.Text, response.FinishReason?.Value, by.Provider, by.UpstreamModel)
            : new(response.Text, response.FinishReason?.Value, null, null);

    /// <summary>The answer as a model response that used no tokens, stamped with who answered it originally.</summary>
    public ChatResponse ToResponse()
    {
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, Text))
        {
            FinishReason = FinishReason is null ? null : new ChatFinishReason(FinishReason),
            Usage = new UsageDetails { InputTokenCount = 0, OutputTokenCount = 0, TotalTokenCount = 0 },
        };
        return Provider is null ? response : new AnsweredBy(Provider, UpstreamModel ?? "").StampOn(response);
    }
}

/// <summary>
/// Where an answer would be cached: its key (the tenant, then the SHA-256 of the model, the retrieval mode, temperature,
/// max_tokens, the retrieved chunk ids in prompt order and the question), the documents it is built from (its tags) and
/// the tenant's document version read before retrieval (<see cref="DocumentChanges"/>).
/// </summary>
public sealed record AnswerCacheKey(string Value, long TenantId, IReadOnlyList<long> DocumentIds, long DocumentsVersion);

/// <summary>
/// Opt-in cache of whole answers for deterministic calls (temperature 0), never shared across tenants: the tenant is
/// in the key and in every tag. A hit costs nothing: no budget reservation, no model call, a usage record with status
/// <c>cached</c> and 0 tokens. Deleting or replacing a document an answer was given drops the answer.
/// Streaming is to use <see cref="KeyFor"/>, <see cref="TryGetAsync"/> and <see cref="SetAsync"/> around its stream.
/// </summary>
public sealed class AnswerCache(HybridCache cache, DocumentChanges documents, CacheMetrics metrics, MeteredChat metered, TokenBudgets budgets,
    IOptions<AnswerCacheOptions> options)
{
    private static readonly HybridCacheEntryOptions Lookup = new()
    {
        Flags = HybridCacheEntryFlags.DisableUnderlyingData | HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite,
    };

    private readonly HybridCacheEntryOptions _entry = new() { Expiration = options.Value.Expiration, LocalCacheExpiration = options.Value.Expiration };

    /// <summary>Read before retrieval, for <see cref="KeyFor"/>.</summary>
    public long DocumentsVersion(long tenantId) => documents.VersionOf(tenantId);

    /// <summary>The cache key of a call, or null when its answer is not to be cached (disabled, or temperature above 0).</summary>
    public AnswerCacheKey? KeyFor(long tenantId, GenerateRequest request, SearchMode mode, IReadOnlyList<RetrievedChunk> chunks, long documentsVersion)
    {
        if (!options.Value.Enabled || request.Temperature != 0)
        {
            return null;
        }

        var canonical = new StringBuilder(64 + request.Text.Length + chunks.Count * 12)
            .Append(request.Model).Append('\n').Append(mode).Append('\n')
            .Append(request.Temperature.ToString("R", CultureInfo.InvariantCulture)).Append('\n')
            .Append(request.MaxTokens.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .AppendJoin(',', chunks.Select(c => c.ChunkId)).Append('\n')
            .Append(request.Text);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString()));
        return new AnswerCacheKey($"gw:answer:{tenantId}:{Convert.ToHexStringLower(hash)}", tenantId,
            [.. chunks.Select(c => c.DocumentId).Distinct()], documentsVersion);
    }

    public async Task<CachedAnswer?> TryGetAsync(AnswerCacheKey key, CancellationToken cancellationToken)
    {
        var answer = await cache.GetOrCreateAsync<CachedAnswer?>(key.Value, static _ => ValueTask.FromResult<CachedAnswer?>(null), Lookup,
            cancellationToken: cancellationToken);
        if (answer is null)
        {
            metrics.Miss(CacheMetrics.Answer);
        }
        else
        {
            metrics.Hit(CacheMetrics.Answer);
        }

        return answer;
    }

    /// <summary>Keeps the answer, tagged with the documents it was built from; not if one of the tenant's documents changed meanwhile.</summary>
    public async Task SetAsync(AnswerCacheKey key, CachedAnswer answer, CancellationToken cancellationToken)
    {
        if (documents.ChangedSince(key.TenantId, key.DocumentsVersion))
        {
            return;
        }

        await cache.SetAsync(key.Value, answer, _entry, [.. key.DocumentIds.Select(id => DocumentChanges.Tag(key.TenantId, id))], cancellationToken);
        if (documents.ChangedSince(key.TenantId, key.DocumentsVersion))
        {
            await cache.RemoveAsync(key.Value, CancellationToken.None);
        }
    }

    /// <summary>
    /// The cached answer when there is one (recorded as a <c>cached</c> call of 0 tokens), else <paramref name="answer"/>'s,
    /// cached for next time. Hit is null when the call is not cacheable.
    /// </summary>
    public async Task<(MeteredResponse Response, bool? Hit)> GetOrAnswerAsync(
        AnswerCacheKey? key, Caller caller, string model, Func<CancellationToken, Task<MeteredResponse>> answer, CancellationToken cancellationToken)
    {
        if (key is null)
        {
            return (await answer(cancellationToken), null);
        }

        if (await TryGetAsync(key, cancellationToken) is { } cached)
        {
            await metered.RecordCachedAsync(caller, model);
            return (new MeteredResponse(cached.ToResponse(), await budgets.StatusAsync(caller, cancellationToken)), true);
        }

        var fresh = await answer(cancellationToken);
        await SetAsync(key, CachedAnswer.From(fresh.Response), cancellationToken);
        return (fresh, false);
    }
}
