using System.Collections.Concurrent;
using System.Text;
using Groundwork.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>
/// Reads chunks by id straight from SQLite. This runs on every <c>/generate</c>, where building an EF Core context
/// and translating a query cost more than the lookup itself; everything else goes through EF Core.
/// Recently read chunks are kept in a bounded cache: a chunk never changes (a new version of a document gets new
/// chunk ids, never reused), so an entry only has to go when its chunk is deleted (<see cref="Evict"/>).
/// </summary>
public sealed class ChunkStore(IOptions<StorageOptions> storage)
{
    /// <summary>Bound on the cache, by the size of what it holds rather than a count: titles and texts vary in length.</summary>
    internal const long CacheMaxBytes = 32 * 1024 * 1024;

    private readonly string _connectionString = InfrastructureRegistration.ConnectionString(storage.Value);
    private readonly string?[] _sqlByCount = new string?[64];
    private readonly ConcurrentDictionary<long, RetrievedChunk> _cache = new();
    private long _cachedBytes;

    public async Task<Dictionary<long, RetrievedChunk>> GetAsync(IReadOnlyList<VectorMatch> matches, CancellationToken cancellationToken)
    {
        var found = new Dictionary<long, RetrievedChunk>(matches.Count);
        List<long>? missing = null;
        foreach (var match in matches)
        {
            if (_cache.TryGetValue(match.ChunkId, out var cached))
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
            Remember(chunk);
        }

        return found;
    }

    /// <summary>The ids of the chunks whose document meets <paramref name="filter"/>.</summary>
    public async Task<HashSet<long>> ChunkIdsMatchingAsync(SqlDocumentFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // The condition runs once per document, not once per chunk as a join could (JSON is parsed in each evaluation).
        command.CommandText = $"SELECT c.Id FROM chunks c WHERE c.DocumentId IN (SELECT d.Id FROM documents d WHERE {filter.Condition})";
        filter.AddParametersTo(command);
        var chunkIds = new HashSet<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            chunkIds.Add(reader.GetInt64(0));
        }

        return chunkIds;
    }

    /// <summary>Forgets deleted chunks, so they can never be served from the cache.</summary>
    public void Evict(IEnumerable<long> chunkIds)
    {
        foreach (var chunkId in chunkIds)
        {
            if (_cache.TryRemove(chunkId, out var removed))
            {
                Interlocked.Add(ref _cachedBytes, -SizeOf(removed));
            }
        }
    }

    internal long CachedBytes => Interlocked.Read(ref _cachedBytes);

    private static long SizeOf(RetrievedChunk chunk) => 2L * (chunk.Title.Length + chunk.Text.Length + chunk.HeadingPath.Length) + 128;

    private void Remember(RetrievedChunk chunk)
    {
        var size = SizeOf(chunk);
        if (Interlocked.Add(ref _cachedBytes, size) > CacheMaxBytes)
        {
            // Crude but bounded: start over rather than track recency on every hit.
            _cache.Clear();
            Interlocked.Exchange(ref _cachedBytes, size);
        }

        if (!_cache.TryAdd(chunk.ChunkId, chunk))
        {
            Interlocked.Add(ref _cachedBytes, -size);
        }
    }

    private string Sql(int count)
    {
        if (count < _sqlByCount.Length && _sqlByCount[count] is { } cached)
        {
            return cached;
        }

        var sql = new StringBuilder("SELECT c.Id, c.DocumentId, d.Title, c.Text, c.StartOffset, c.EndOffset, c.PageStart, c.PageEnd, c.HeadingPath FROM chunks c JOIN documents d ON d.Id = c.DocumentId WHERE c.Id IN (");
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
