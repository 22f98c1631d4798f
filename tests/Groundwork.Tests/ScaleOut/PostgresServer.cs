using Npgsql;

namespace Groundwork.Tests.ScaleOut;

/// <summary>
/// A throwaway PostgreSQL 15 cluster for the test run: <c>initdb</c> into a temporary folder, started on a free loopback
/// port with its socket in that folder, trust authentication for the <c>groundwork</c> superuser, stopped and deleted
/// when the test process ends. Started on first use, shared by every test class (each makes its own database).
/// PostgreSQL and pgvector come from <c>deploy/install-deps.sh</c>.
/// </summary>
public sealed class PostgresServer
{
    private const string Binaries = "/usr/lib/postgresql/15/bin";
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);

    private readonly string _folder;

    private PostgresServer(string folder, int port)
    {
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>A connection string to <paramref name="database"/> on this server.</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "groundwork", Database = database }.ConnectionString;

    /// <summary>Creates an empty database with a unique name and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"test_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("groundwork-postgres-").FullName;
        if (LocalServer.IsRoot)
        {
            await LocalServer.RunAsync("chown", ["postgres", folder]);
        }

        var data = Path.Combine(folder, "data");
        var port = LoopbackPort.Free();
        await LocalServer.RunAsync($"{Binaries}/initdb", ["-D", data, "-A", "trust", "-U", "groundwork", "-E", "UTF8", "--no-sync"], asPostgresUser: true);
        await LocalServer.RunAsync($"{Binaries}/pg_ctl",
        [
            "-D", data, "-l", Path.Combine(folder, "server.log"), "-w", "start",
            "-o", $"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
        ], asPostgresUser: true);
        var server = new PostgresServer(folder, port);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    private void Stop()
    {
        try
        {
            LocalServer.RunAsync($"{Binaries}/pg_ctl", ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"], asPostgresUser: true)
                .GetAwaiter().GetResult();
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // The process is ending; a cluster left behind is in a temporary folder.
        }
    }
}
