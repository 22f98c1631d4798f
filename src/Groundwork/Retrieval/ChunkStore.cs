using System.Text;
using Groundwork.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Groundwork.Retrieval;

/// <summary>
/// Reads chunks by id straight from SQLite. This runs on every <c>/generate</c>, where building an EF Core context
/// and translating a query cost more than the lookup itself; everything else goes through EF Core.
/// </summary>
public sealed class ChunkStore(IOptions<StorageOptions> storage)
{
    private readonly string _connectionString = InfrastructureRegistration.ConnectionString(storage.Value);
    private readonly string?[] _sqlByCount = new string?[64];

    public async Task<Dictionary<long, RetrievedChunk>> GetAsync(IReadOnlyList<VectorMatch> matches, CancellationToken cancellationToken)
    {
        var found = new Dictionary<long, RetrievedChunk>(matches.Count);
        await using var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = Sql(matches.Count);
        for (var i = 0; i < matches.Count; i++)
        {
            command.Parameters.AddWithValue(ParameterName(i), matches[i].ChunkId);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var chunkId = reader.GetInt64(0);
            found[chunkId] = new RetrievedChunk(chunkId, reader.GetInt64(1), reader.GetString(2), reader.GetString(3), Score: 0);
        }

        return found;
    }

    private string Sql(int count)
    {
        if (count < _sqlByCount.Length && _sqlByCount[count] is { } cached)
        {
            return cached;
        }

        var sql = new StringBuilder("SELECT c.Id, c.DocumentId, d.Title, c.Text FROM chunks c JOIN documents d ON d.Id = c.DocumentId WHERE c.Id IN (");
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
