using System.Collections.Concurrent;
using System.Text;
using Groundwork.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>
/// Reads a tenant's chunks by id straight from SQLite. This runs on every <c>/generate</c>, where building an EF Core
/// context and translating a query cost more than the lookup itself; everything else goes through EF Core.
/// Recently read chunks are kept in a bounded cache per tenant (so one tenant's reads never evict another's, nor
/// change how fast another's are): a chunk never changes (a new version of a document gets new chunk ids), so an
/// entry only has to go when its chunk is deleted (<see cref="Evict"/>). A chunk of another tenant is never found.
/// </summary>
public sealed class ChunkStore(IOptions<StorageOptions> storage)
{
    /// <summary>Bound on each tenant's cache, by the size of what it holds rather than a count: titles and texts vary in length.</summary>
    internal const long CacheMaxBytes = 8 * 1024 * 1024;

    private readonly string _connectionString = InfrastructureRegistration.ConnectionString(storage.Value);
    private readonly string?[] _sqlByCount = new string?[64];
    private readonly ConcurrentDictionary<long, TenantCache> _caches = new();

    public async Task<Dictionary<long, RetrievedChunk>> GetAsync(long tenantId, IReadOnlyList<VectorMatch> matches, CancellationToken cancellationToken)
    {
        var cache = _caches.GetOrAdd(tenantId, _ => new TenantCache());
        var found = new Dictionary<long, RetrievedChunk>(matches.Count);
        List<long>? missing = null;
        foreach (var match in matches)
        {
            if (cache.Chunks.TryGetValue(match.ChunkId, out var cached))
            {
                found[match.ChunkId] = cached;
            }
            else
            {
                (missing ??= []).Add(match.ChunkId);
            }
        }

        if (missing is null)
        {
            return found;
        }

        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = Sql(missing.Count);
        command.Parameters.AddWithValue("$tenant", tenantId);
        for (var i = 0; i < missing.Count; i++)
        {
            command.Parameters.AddWithValue(ParameterName(i), missing[i]);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var chunk = new RetrievedChunk(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt32(4), reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetInt32(6),
                reader.IsDBNull(7) ? null : reader.GetInt32(7), Score: 0, HeadingPath: reader.GetString(8));
            found[chunk.ChunkId] = chunk;
            cache.Remember(chunk);
        }

        return found;
    }

    /// <summary>The ids of the tenant's chunks whose document meets <paramref name="filter"/>.</summary>
    public async Task<HashSet<long>> ChunkIdsMatchingAsync(long tenantId, SqlDocumentFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // The condition runs once per document, not once per chunk as a join could (JSON is parsed in each evaluation).
        command.CommandText = "SELECT c.Id FROM chunks c WHERE c.TenantId = $tenant AND c.DocumentId IN " +
                              $"(SELECT d.Id FROM documents d WHERE d.TenantId = $tenant AND ({filter.Condition}))";
        command.Parameters.AddWithValue("$tenant", tenantId);
        filter.AddParametersTo(command);
        var chunkIds = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            chunkIds.Add(reader.GetInt64(0));
        }

        return chunkIds;
    }

    /// <summary>Forgets a tenant's deleted chunks, so they can never be served from the cache.</summary>
    public void Evict(long tenantId, IEnumerable<long> chunkIds)
    {
        if (_caches.TryGetValue(tenantId, out var cache))
        {
            cache.Evict(chunkIds);
        }
    }

    internal long CachedBytes(long tenantId) => _caches.TryGetValue(tenantId, out var cache) ? cache.Bytes : 0;

    private sealed class TenantCache
    {
        private long _bytes;

        public ConcurrentDictionary<long, RetrievedChunk> Chunks { get; } = new();

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Remember(RetrievedChunk chunk)
        {
            var size = SizeOf(chunk);
            if (Interlocked.Add(ref _bytes, size) > CacheMaxBytes)
            {
                // Crude but bounded: start over rather than track recency on every hit.
                Chunks.Clear();
                Interlocked.Exchange(ref _bytes, size);
            }

            if (!Chunks.TryAdd(chunk.ChunkId, chunk))
            {
                Interlocked.Add(ref _bytes, -size);
            }
        }

        public void Evict(IEnumerable<long> chunkIds)
        {
            foreach (var chunkId in chunkIds)
            {
                if (Chunks.TryRemove(chunkId, out var removed))
                {
                    Interlocked.Add(ref _bytes, -SizeOf(removed));
                }
            }
        }

        private static long SizeOf(RetrievedChunk chunk) => 2L * (chunk.Title.Length + chunk.Text.Length + chunk.HeadingPath.Length) + 128;
    }

    private string Sql(int count)
    {
        if (count < _sqlByCount.Length && _sqlByCount[count] is { } cached)
        {
            return cached;
        }

        var sql = new StringBuilder("SELECT c.Id, c.DocumentId, d.Title, c.Text, c.StartOffset, c.EndOffset, c.PageStart, c.PageEnd, c.HeadingPath FROM chunks c JOIN documents d ON d.Id = c.DocumentId WHERE c.TenantId = $tenant AND c.Id IN (");
        for (var i = 0; i < count; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(ParameterName(i));
        }

        var text = sql.Append(')').ToString();
        if (count < _sqlByCount.Length)
        {
            _sqlByCount[count] = text;
        }

        return text;
    }

    private static string ParameterName(int index) => index switch
    {
        0 => "$p0", 1 => "$p1", 2 => "$p2", 3 => "$p3", 4 => "$p4",
        _ => "$p" + index.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
