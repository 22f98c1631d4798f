using Microsoft.Extensions.Caching.Hybrid;

namespace Groundwork.Hosting;

/// <summary>
/// The link between what changes documents (Documents) and the caches built from them (the answer cache): an entry is
/// tagged with <see cref="Tag"/> of each document it was built from, and deleting or replacing a document drops every
/// entry so tagged (<see cref="ChangedAsync"/>). Tags carry the tenant, so one tenant's changes never touch another's entries.
/// </summary>
/// <remarks>
/// An entry written after the document changed but built from what was read before would survive its tag's removal.
/// <see cref="VersionOf"/> closes that gap: read it before reading the documents, and after writing the entry drop it
/// again if the tenant's version has moved (<see cref="ChangedSince"/>). The version moves before the tags are removed,
/// so a writer either sees the new version or wrote before the removal, which then drops its entry.
/// </remarks>
public sealed class DocumentChanges(HybridCache cache)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, StrongBox> _versions = new();

    public static string Tag(long tenantId, long documentId) => $"gw:doc:{tenantId}:{documentId}";

    /// <summary>How many times the tenant's documents have changed since the process started.</summary>
    public long VersionOf(long tenantId) => Volatile.Read(ref _versions.GetOrAdd(tenantId, static _ => new StrongBox()).Value);

    public bool ChangedSince(long tenantId, long version) => VersionOf(tenantId) != version;

    /// <summary>Call after the change is committed: drops every cache entry built from these documents of the tenant.</summary>
    public async Task ChangedAsync(long tenantId, IReadOnlyCollection<long> documentIds)
    {
        if (documentIds.Count == 0)
        {
            return;
        }

        Interlocked.Increment(ref _versions.GetOrAdd(tenantId, static _ => new StrongBox()).Value);
        // Not cancellable: the documents have changed, so their entries must go even if the request that changed them has.
        await cache.RemoveByTagAsync([.. documentIds.Select(id => Tag(tenantId, id))], CancellationToken.None);
    }

    private sealed class StrongBox
    {
        public long Value;
    }
}
