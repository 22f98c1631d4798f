using Npgsql;
using StackExchange.Redis;

namespace Groundwork.Tests.ScaleOut;

/// <summary>
/// The servers scale-out mode is built on, as <c>deploy/install-deps.sh</c> installs them and the fixtures start them:
/// pgvector's filtered HNSW search that still fills top k (iterative index scans, pgvector 0.8), and Redis reservations
/// that two clients cannot overspend.
/// </summary>
public sealed class ScaleOutServersTests
{
    private const int Dimensions = 384;

    [Fact]
    public async Task PgvectorFillsTopKOfARareTenantThroughTheHnswIndex()
    {
        var server = await PostgresServer.GetAsync();
        await using var connection = new NpgsqlConnection(await server.CreateDatabaseAsync());
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await ExecuteAsync(connection, "CREATE EXTENSION vector");
        await ExecuteAsync(connection, $"CREATE TABLE chunks (id bigint PRIMARY KEY, tenant bigint NOT NULL, embedding halfvec({Dimensions}) NOT NULL)");
        await ExecuteAsync(connection, "CREATE INDEX ON chunks USING hnsw (embedding halfvec_cosine_ops)");

        // 2,000 chunks, 1 in 40 of them tenant 7's: an index scan that stopped at ef_search (40) candidates would
        // find about one of its chunks, not ten.
        var random = new Random(16);
        var rows = Enumerable.Range(1, 2_000).Select(id => $"({id}, {(id % 40 == 0 ? 7 : 1)}, '{RandomVector(random)}')");
        foreach (var batch in rows.Chunk(250))
        {
            await ExecuteAsync(connection, $"INSERT INTO chunks (id, tenant, embedding) VALUES {string.Join(',', batch)}");
        }

        await ExecuteAsync(connection, "SET hnsw.ef_search = 40");
        await ExecuteAsync(connection, "SET hnsw.iterative_scan = relaxed_order");
        await ExecuteAsync(connection, "SET enable_seqscan = off");
        var query = $"SELECT id, tenant FROM chunks WHERE tenant = 7 ORDER BY embedding <=> '{RandomVector(random)}' LIMIT 10";

        await using (var explain = new NpgsqlCommand("EXPLAIN " + query, connection))
        {
            var plan = string.Join('\n', await ReadAllAsync(explain, reader => reader.GetString(0)));
            Assert.Contains("Index Scan using chunks_embedding_idx", plan);
        }

        await using var search = new NpgsqlCommand(query, connection);
        var found = await ReadAllAsync(search, reader => (Id: reader.GetInt64(0), Tenant: reader.GetInt64(1)));
        Assert.Equal(10, found.Count);
        Assert.All(found, row => Assert.Equal(7, row.Tenant));
    }

    [Fact]
    public async Task TwoRedisClientsReservingAtOnceNeverSpendMoreThanTheBudget()
    {
        var server = await RedisServer.GetAsync();
        // Two multiplexers stand for two service instances; the check and the reservation are one script.
        await using var first = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        await using var second = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        var key = (RedisKey)$"test:{Guid.NewGuid():N}:budget";
        const string Reserve = """
            local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
            if spent + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return 0 end
            redis.call('INCRBY', KEYS[1], ARGV[1])
            return 1
            """;

        var attempts = Enumerable.Range(0, 100).Select(i => (i % 2 == 0 ? first : second).GetDatabase()
            .ScriptEvaluateAsync(Reserve, [key], [1, 10]));
        var results = await Task.WhenAll(attempts);

        Assert.Equal(10, results.Count(result => (int)result == 1));
        Assert.Equal(10, (int)await first.GetDatabase().StringGetAsync(key));
    }

    private static string RandomVector(Random random) =>
        "[" + string.Join(',', Enumerable.Range(0, Dimensions).Select(_ => (random.NextDouble() * 2 - 1).ToString("F3", System.Globalization.CultureInfo.InvariantCulture))) + "]";

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<List<T>> ReadAllAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> read)
    {
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
