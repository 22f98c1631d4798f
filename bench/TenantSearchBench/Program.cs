using System.Diagnostics;
using Groundwork.Infrastructure;
using Groundwork.Retrieval;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

// Tenant-scoped vector search through the service's own ChunkIndex (one USearch index per tenant, rebuilt from a real
// SQLite database): one big tenant beside many small ones; top-k latency inside the index and recall@k within a tenant
// against exact search over that tenant's vectors. Prints a Markdown report (docs/benchmarks.md).
// Usage: dotnet run -c Release --project bench/TenantSearchBench -- [big, default 50000] [small tenants, default 99]
//        [small size, default 500] [queries, default 2000]
// Data: low-rank vectors (32 latent dimensions plus noise, like the VectorIndexBench's lowrank:32), queries are
// noisy copies of a tenant's own vectors, so each query has near neighbours in its tenant and elsewhere.

const int Dimensions = 384;
const int Latent = 32;
const int TopK = 10;
var big = args.Length > 0 ? int.Parse(args[0]) : 50_000;
var smallTenants = args.Length > 1 ? int.Parse(args[1]) : 99;
var smallSize = args.Length > 2 ? int.Parse(args[2]) : 500;
var queryCount = args.Length > 3 ? int.Parse(args[3]) : 2_000;
var folder = Directory.CreateTempSubdirectory("tenant-search-bench");
var random = new Random(42);
var vectorsOf = new Dictionary<long, (long[] Ids, float[][] Vectors)>();
var basis = Enumerable.Range(0, Latent).Select(_ => Normalized(Gaussians(Dimensions))).ToArray();

try
{
    var storage = Options.Create(new StorageOptions { Path = folder.FullName });
    var dbOptions = new DbContextOptionsBuilder<GroundworkDbContext>().UseSqlite(InfrastructureRegistration.ConnectionString(storage.Value)).Options;
    await using (var db = new GroundworkDbContext(dbOptions))
    {
        await db.Database.MigrateAsync();
    }

    var tenants = new List<(long Id, int Size)> { (PublicIdGenerator.New(), big) };
    tenants.AddRange(Enumerable.Range(0, smallTenants).Select(_ => (PublicIdGenerator.New(), smallSize)));
    var fill = Stopwatch.StartNew();
    await using (var connection = new SqliteConnection(InfrastructureRegistration.ConnectionString(storage.Value)))
    {
        await connection.OpenAsync();
        // Chunks without documents or tenants rows: only the chunks table is read here.
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA foreign_keys = OFF";
            await pragma.ExecuteNonQueryAsync();
        }

        await using var transaction = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO chunks (Id, TenantId, KeywordRow, DocumentId, Ordinal, StartOffset, EndOffset, Text, HeadingPath, Embedding) " +
                             "VALUES ($id, $tenant, $row, $document, $ordinal, 0, 1, 'x', '', $embedding)";
        var row = insert.Parameters.Add("$row", SqliteType.Integer);
        var rows = 0L;
        var id = insert.Parameters.Add("$id", SqliteType.Integer);
        var tenantParameter = insert.Parameters.Add("$tenant", SqliteType.Integer);
        var document = insert.Parameters.Add("$document", SqliteType.Integer);
        var ordinal = insert.Parameters.Add("$ordinal", SqliteType.Integer);
        var embedding = insert.Parameters.Add("$embedding", SqliteType.Blob);
        foreach (var (tenantId, size) in tenants)
        {
            var ids = new long[size];
            var vectors = new float[size][];
            for (var i = 0; i < size; i++)
            {
                ids[i] = PublicIdGenerator.New();
                vectors[i] = LowRank();
                id.Value = ids[i];
                tenantParameter.Value = tenantId;
                row.Value = ++rows;
                document.Value = tenantId;
                ordinal.Value = i;
                embedding.Value = EmbeddingCodec.ToBytes(vectors[i]);
                await insert.ExecuteNonQueryAsync();
            }

            vectorsOf[tenantId] = (ids, vectors);
        }

        await transaction.CommitAsync();
    }

    var total = tenants.Sum(t => t.Size);
    Console.WriteLine($"Cores: {Environment.ProcessorCount}, .NET {Environment.Version}; {total:N0} chunks: one tenant of {big:N0} beside " +
                      $"{smallTenants} of {smallSize:N0}; {Dimensions}-d low-rank ({Latent}) data; {queryCount} queries per group; top-{TopK}.");
    Console.WriteLine($"Database filled in {fill.Elapsed.TotalSeconds:F1} s.");
    Console.WriteLine();

    using var index = new ChunkIndex(storage, Options.Create(new VectorIndexOptions()), NullLogger<ChunkIndex>.Instance);
    var load = Stopwatch.StartNew();
    await index.LoadAllAsync(CancellationToken.None);
    Console.WriteLine($"Per-tenant indexes rebuilt from SQLite in {load.Elapsed.TotalSeconds:F1} s ({index.TotalCount:N0} vectors).");
    index.SaveIfChanged();
    using (var reloaded = new ChunkIndex(storage, Options.Create(new VectorIndexOptions()), NullLogger<ChunkIndex>.Instance))
    {
        load.Restart();
        await reloaded.LoadAllAsync(CancellationToken.None);
        Console.WriteLine($"Saved per-tenant indexes loaded in {load.Elapsed.TotalSeconds:F1} s.");
    }

    Console.WriteLine();
    Console.WriteLine("| tenant | chunks | p50 ms | p99 ms | max ms | CPU p50 ms | CPU p99 ms | recall@10 | foreign results |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    Measure(index, "big", [tenants[0]]);
    Measure(index, $"small (all {smallTenants}, queries spread)", tenants[1..]);
}
finally
{
    SqliteConnection.ClearAllPools();
    folder.Delete(recursive: true);
}

void Measure(ChunkIndex index, string name, List<(long Id, int Size)> group)
{
    var exact = group.ToDictionary(t => t.Id, t =>
    {
        var index = new ExactVectorIndex(Dimensions);
        index.Upsert(vectorsOf[t.Id].Ids, [.. vectorsOf[t.Id].Vectors.Select(v => (ReadOnlyMemory<float>)v)]);
        return index;
    });
    var own = group.ToDictionary(t => t.Id, t => vectorsOf[t.Id].Ids.ToHashSet());
    var queries = Enumerable.Range(0, queryCount).Select(_ =>
    {
        var tenant = group[random.Next(group.Count)];
        var near = vectorsOf[tenant.Id].Vectors[random.Next(tenant.Size)];
        return (Tenant: tenant.Id, Query: Noisy(near));
    }).ToArray();

    // Warm-up, then the measured pass.
    foreach (var (tenant, query) in queries.Take(200))
    {
        _ = Search(index, tenant, query);
    }

    var times = new double[queries.Length];
    var cpu = new double[queries.Length];
    double hits = 0;
    var foreign = 0;
    for (var q = 0; q < queries.Length; q++)
    {
        var (tenant, query) = queries[q];
        var started = Stopwatch.GetTimestamp();
        var cpuStarted = ThreadCpu.Microseconds();
        var found = Search(index, tenant, query);
        // The thread's CPU time leaves out time spent preempted: on a loaded machine wall-clock p99 is mostly waiting.
        cpu[q] = (ThreadCpu.Microseconds() - cpuStarted) / 1000;
        times[q] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var truth = exact[tenant].Search(query, TopK).Select(m => m.ChunkId).ToHashSet();
        hits += found.Count(m => truth.Contains(m.ChunkId)) / (double)truth.Count;
        foreign += found.Count(m => !own[tenant].Contains(m.ChunkId));
    }

    Array.Sort(times);
    Array.Sort(cpu);
    var size = group.Count == 1 ? group[0].Size.ToString("N0") : $"{group[0].Size:N0} each";
    Console.WriteLine($"| {name} | {size} | {times[times.Length / 2]:F3} | {times[(int)(times.Length * 0.99)]:F3} | {times[^1]:F3} | " +
                      $"{cpu[cpu.Length / 2]:F3} | {cpu[(int)(cpu.Length * 0.99)]:F3} | {hits / queries.Length:F4} | {foreign} |");
    foreach (var e in exact.Values)
    {
        e.Dispose();
    }
}


// A loaded tenant's search completes without waiting, so this times the index (and ChunkIndex's lookup of the tenant's).
static IReadOnlyList<VectorMatch> Search(ChunkIndex index, long tenant, float[] query) =>
    index.SearchAsync(tenant, query, TopK, CancellationToken.None).GetAwaiter().GetResult();

float[] LowRank()
{
    var vector = new float[Dimensions];
    for (var m = 0; m < Latent; m++)
    {
        var weight = (float)Gaussian();
        for (var d = 0; d < Dimensions; d++)
        {
            vector[d] += weight * basis[m][d];
        }
    }

    var noise = 0.1f * MathF.Sqrt(vector.Sum(x => x * x)) / MathF.Sqrt(Dimensions);
    for (var d = 0; d < Dimensions; d++)
    {
        vector[d] += noise * (float)Gaussian();
    }

    return Normalized(vector);
}

float[] Noisy(float[] near)
{
    var vector = (float[])near.Clone();
    for (var d = 0; d < Dimensions; d++)
    {
        vector[d] += 0.05f * (float)Gaussian();
    }

    return Normalized(vector);
}

float[] Gaussians(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)Gaussian())];

double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

static float[] Normalized(float[] vector)
{
    var norm = MathF.Sqrt(vector.Sum(x => x * x));
    for (var d = 0; d < vector.Length; d++)
    {
        vector[d] /= norm;
    }

    return vector;
}

internal static partial class ThreadCpu
{
    private const int ClockThreadCpuTime = 3;

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    public static double Microseconds()
    {
        clock_gettime(ClockThreadCpuTime, out var time);
        return time.Seconds * 1e6 + time.Nanoseconds / 1e3;
    }

    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static partial int clock_gettime(int clock, out TimeSpec time);
}
