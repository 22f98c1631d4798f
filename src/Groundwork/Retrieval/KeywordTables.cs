using System.Collections.Concurrent;
using System.Globalization;
using Groundwork.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Groundwork.Retrieval;

/// <summary>
/// The FTS5 tables of chunk text, one per tenant (<c>chunk_words_{tenant}</c>): FTS5's bm25() takes its statistics
/// (how many rows hold a word, the average row length) from its whole table, so a table per tenant is what makes one
/// tenant's documents unable to change another's keyword scores. They are external-content tables over <c>chunks</c>,
/// keyed by <see cref="ChunkEntity.KeywordRow"/> (numbered here, in intake order) and written by
/// <see cref="SqliteRetrievalStore"/> in the same transaction as the chunk rows (no trigger could name the tenant's
/// table); a tenant's table is made, and filled from its chunks, the first time it is needed.
/// </summary>
public sealed class KeywordTables
{
    /// <summary>The tables of the first per-tenant layout, keyed by the random chunk ids; replaced at start-up.</summary>
    private const string LegacyTables = "SELECT name AS Value FROM sqlite_master WHERE type = 'table' AND name GLOB 'chunks_fts_[0-9]*' " +
                                        "AND name NOT GLOB '*_*_*_*'";

    // Only tables seen to exist are remembered: a table made in a transaction that then rolled back must be looked for again.
    private readonly ConcurrentDictionary<long, bool> _existing = new();
    private readonly SemaphoreSlim _rowsLoading = new(1, 1);
    private long _lastRow = -1;

    /// <summary>The table's name: made of the tenant id's digits only, so it is safe to put into SQL text.</summary>
    public static string Name(long tenantId) => "chunk_words_" + tenantId.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Gives the chunks the next keyword rows. Rows are taken from a counter that starts after the highest stored one
    /// (one process writes a data folder), so a rolled-back transaction leaves a gap, never a duplicate.
    /// </summary>
    public async Task NumberAsync(GroundworkDbContext db, IReadOnlyList<ChunkEntity> chunks, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _lastRow) < 0)
        {
            await _rowsLoading.WaitAsync(cancellationToken);
            try
            {
                if (_lastRow < 0)
                {
                    var highest = await db.Chunks.MaxAsync(c => (long?)c.KeywordRow, cancellationToken) ?? 0;
                    Volatile.Write(ref _lastRow, highest);
                }
            }
            finally
            {
                _rowsLoading.Release();
            }
        }

        var last = Interlocked.Add(ref _lastRow, chunks.Count);
        for (var i = 0; i < chunks.Count; i++)
        {
            chunks[i].KeywordRow = last - chunks.Count + 1 + i;
        }
    }

    /// <summary>Whether the tenant's table exists; a tenant without one has no chunks yet.</summary>
    public async Task<bool> ExistsAsync(SqliteConnection connection, long tenantId, CancellationToken cancellationToken)
    {
        if (_existing.ContainsKey(tenantId))
        {
            return true;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", Name(tenantId));
        var exists = (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
        if (exists)
        {
            _existing[tenantId] = true;
        }

        return exists;
    }

    /// <summary>Makes the tenant's table, filled from its chunks, if it is missing; inside the caller's transaction.</summary>
    public async Task EnsureAsync(GroundworkDbContext db, long tenantId, CancellationToken cancellationToken)
    {
        if (_existing.ContainsKey(tenantId))
        {
            return;
        }

        var name = Name(tenantId);
        var found = await db.Database.SqlQueryRaw<long>("SELECT count(*) AS Value FROM sqlite_master WHERE type = 'table' AND name = {0}", name)
            .SingleAsync(cancellationToken);
        if (found == 0)
        {
            // The name is digits after a fixed prefix (Name); the tenant id is a parameter.
            var sql = $"CREATE VIRTUAL TABLE {name} USING fts5(Text, content='chunks', content_rowid='KeywordRow', " +
                      "tokenize='porter unicode61 remove_diacritics 2');" +
                      $"INSERT INTO {name}(rowid, Text) SELECT KeywordRow, Text FROM chunks WHERE TenantId = {{0}} ORDER BY KeywordRow;";
            await db.Database.ExecuteSqlRawAsync(sql, [tenantId], cancellationToken);
        }
    }

    /// <summary>
    /// Makes the table of every tenant that has chunks but none (a database from before tables were per tenant or
    /// keyed by keyword row), after dropping the tables of the earlier layout.
    /// </summary>
    public async Task EnsureAllAsync(IServiceScopeFactory scopes, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GroundworkDbContext>();
        foreach (var legacy in await db.Database.SqlQueryRaw<string>(LegacyTables).ToListAsync(cancellationToken))
        {
            // The name matched a pattern of a fixed prefix and digits.
            var drop = "DROP TABLE " + legacy;
            await db.Database.ExecuteSqlRawAsync(drop, cancellationToken);
        }

        var tenants = await db.Chunks.Select(c => c.TenantId).Distinct().ToListAsync(cancellationToken);
        foreach (var tenantId in tenants)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await EnsureAsync(db, tenantId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    public static async Task AddAsync(GroundworkDbContext db, long tenantId, IEnumerable<ChunkEntity> chunks, CancellationToken cancellationToken)
    {
        var sql = $"INSERT INTO {Name(tenantId)}(rowid, Text) VALUES ({{0}}, {{1}})";
        foreach (var chunk in chunks)
        {
            await db.Database.ExecuteSqlRawAsync(sql, [chunk.KeywordRow, chunk.Text], cancellationToken);
        }
    }

    /// <summary>Takes chunks out of the tenant's table; an external-content table needs each one's text for that.</summary>
    public static async Task RemoveAsync(GroundworkDbContext db, long tenantId, IEnumerable<(long KeywordRow, string Text)> chunks,
        CancellationToken cancellationToken)
    {
        var name = Name(tenantId);
        var sql = $"INSERT INTO {name}({name}, rowid, Text) VALUES ('delete', {{0}}, {{1}})";
        foreach (var (row, text) in chunks)
        {
            await db.Database.ExecuteSqlRawAsync(sql, [row, text], cancellationToken);
        }
    }
}

/// <summary>Before the service takes requests, gives every tenant with chunks its keyword table (upgraded databases).</summary>
public sealed class KeywordTablesBackfill(IServiceScopeFactory scopes, KeywordTables tables) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => tables.EnsureAllAsync(scopes, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
