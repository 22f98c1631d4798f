using System.Diagnostics;
using System.Text.Json;
using Groundwork.Infrastructure;
using Groundwork.Retrieval;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

// Measures the two halves of a filtered vector search (docs/vector-index-notes.md, "Filtered search"):
// collecting the matching chunk ids with SQL, then the index: USearch's filtered graph search and exact scoring of
// the matching chunks, at several selectivities, against an unfiltered search of the same index.
// Usage: dotnet bench/FilteredSearchBench/bin/Release/net10.0/FilteredSearchBench.dll [chunks, default 100000] [queries, default 200]
// Environment: BENCH_DATA=uniform|lowrank:M (default lowrank:16), BENCH_QUANT=Float16 (default, the service's setting).

const int Dimensions = 384;
const int ChunksPerDocument = 10;
const int TopK = 10;
const int Seed = 42;
var size = args.Length > 0 ? int.Parse(args[0]) : 100_000;
var queryCount = args.Length > 1 ? int.Parse(args[1]) : 200;
var dataKind = Environment.GetEnvironmentVariable("BENCH_DATA") ?? "lowrank:16";
var quantization = Enum.Parse<VectorQuantization>(Environment.GetEnvironmentVariable("BENCH_QUANT") ?? "Float16");
double[] selectivities = [0.001, 0.01, 0.05, 0.2, 0.5];

Console.WriteLine($"Cores: {Environment.ProcessorCount}, .NET {Environment.Version}, {size:N0} chunks of {Dimensions}-d {dataKind}, " +
                  $"{quantization}, {ChunksPerDocument} chunks per document, top-{TopK}, {queryCount} queries, seed {Seed}");
Console.WriteLine();

var data = Vectors(size, Seed);
var queries = Vectors(queryCount, Seed + 1);
var ids = Enumerable.Range(0, size).Select(i => (long)i + 1).ToArray();

var build = Stopwatch.StartNew();
using var index = UsearchVectorIndex.Create(Dimensions, new VectorIndexOptions { Quantization = quantization });
for (var start = 0; start < size; start += 1000)
{
    var count = Math.Min(1000, size - start);
    index.Upsert(new ArraySegment<long>(ids, start, count), data[start..(start + count)]);
}

Console.WriteLine($"Index built in {build.Elapsed.TotalSeconds:F0} s.");
var exact = new ExactVectorIndex(Dimensions);
exact.Upsert(ids, data);

var folder = Directory.CreateTempSubdirectory("filtered-search-bench");
var storage = Options.Create(new StorageOptions { Path = folder.FullName });
await CreateDatabaseAsync(storage.Value, size);
// The rows are written without a tenant, so they all belong to tenant 0 (the column's default).
const long BenchTenant = 0;
var store = new ChunkStore(storage);

var unfiltered = Latencies(queries, q => index.Search(q.Span, TopK));
Console.WriteLine($"Unfiltered search: p50 {unfiltered.P50:F0} µs, p99 {unfiltered.P99:F0} µs, CPU p50 {unfiltered.CpuP50:F0} µs.");
Console.WriteLine();
Console.WriteLine("| filter matches | SQL: collect ids by metadata p50 / p99 ms (CPU p50) | by source, CPU p50 ms | graph filtered p50 / p99 µs (CPU p50) | graph recall@10 | graph short of 10 | exact p50 / p99 µs (CPU p50) |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var selectivity in selectivities)
{
    // Documents are bucketed 0-999 in their metadata; "bucket < n" matches n/1000 of them.
    var buckets = (int)Math.Round(selectivity * 1000);
    var filter = SqlDocumentFilter.From(SearchFilter.Parse(JsonDocument.Parse($$$"""{"metadata.bucket": {"lt": {{{buckets}}}}}""").RootElement));
    HashSet<long> matching = [];
    var sql = new List<double>();
    var sqlCpu = new List<double>();
    for (var i = 0; i < 20; i++)
    {
        var cpuStarted = ThreadCpu.Microseconds();
        var started = Stopwatch.GetTimestamp();
        // Synchronous underneath (Microsoft.Data.Sqlite has no async I/O), so the thread's CPU time is the query's.
        matching = store.ChunkIdsMatchingAsync(BenchTenant, filter, CancellationToken.None).GetAwaiter().GetResult();
        sql.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        sqlCpu.Add((ThreadCpu.Microseconds() - cpuStarted) / 1000);
    }

    var bySource = SqlDocumentFilter.From(SearchFilter.Parse(JsonDocument.Parse(
        JsonSerializer.Serialize(new Dictionary<string, object> { ["source"] = new { @in = Enumerable.Range(0, buckets).Select(b => $"source-{b}") } }))
        .RootElement));
    var sourceCpu = new List<double>();
    for (var i = 0; i < 20; i++)
    {
        var cpuStarted = ThreadCpu.Microseconds();
        var sameChunks = store.ChunkIdsMatchingAsync(BenchTenant, bySource, CancellationToken.None).GetAwaiter().GetResult();
        sourceCpu.Add((ThreadCpu.Microseconds() - cpuStarted) / 1000);
        if (!sameChunks.SetEquals(matching))
        {
            throw new InvalidOperationException("The source filter should match the same chunks as the metadata filter.");
        }
    }

    sourceCpu.Sort();
    var truth = new HashSet<long>[queries.Length];
    Parallel.For(0, queries.Length, q => truth[q] = exact.SearchFiltered(queries[q].Span, TopK, matching).Select(m => m.ChunkId).ToHashSet());
    var graph = Latencies(queries, q => index.SearchFiltered(q.Span, TopK, matching));
    var found = queries.Select(q => index.SearchFiltered(q.Span, TopK, matching)).ToArray();
    var recall = Enumerable.Range(0, queries.Length).Average(q => found[q].Count(m => truth[q].Contains(m.ChunkId)) / (double)TopK);
    var shortOfTopK = found.Count(f => f.Count < TopK);
    var exactQueries = matching.Count > 20_000 ? queries[..Math.Min(queries.Length, 30)] : queries;
    var exactRun = Latencies(exactQueries, q => index.SearchExactly(q.Span, TopK, matching));
    sql.Sort();
    sqlCpu.Sort();
    Console.WriteLine($"| {selectivity:P1} ({matching.Count:N0} chunks) | {sql[sql.Count / 2]:F1} / {sql[^1]:F1} ({sqlCpu[sqlCpu.Count / 2]:F1}) | {sourceCpu[sourceCpu.Count / 2]:F1} | " +
                      $"{graph.P50:F0} / {graph.P99:F0} ({graph.CpuP50:F0}) | {recall:F3} | {shortOfTopK} of {queries.Length} | " +
                      $"{exactRun.P50:F0} / {exactRun.P99:F0} ({exactRun.CpuP50:F0}) |");
}

SqliteConnection.ClearAllPools();
folder.Delete(recursive: true);

// Wall-clock p50 and p99 of each query in microseconds after a warm-up, and the median CPU time of the
// searching thread: other processes on the machine stretch wall-clock time but not the thread's own CPU time.
static (double P50, double P99, double CpuP50) Latencies(ReadOnlyMemory<float>[] queries, Action<ReadOnlyMemory<float>> search)
{
    // Warm-up: long enough for tiered compilation to settle on the optimised code.
    for (var i = 0; i < 50; i++)
    {
        search(queries[i % queries.Length]);
    }

    var times = new double[queries.Length];
    var cpu = new double[queries.Length];
    for (var i = 0; i < queries.Length; i++)
    {
        var cpuStarted = ThreadCpu.Microseconds();
        var started = Stopwatch.GetTimestamp();
        search(queries[i]);
        times[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        cpu[i] = ThreadCpu.Microseconds() - cpuStarted;
    }

    Array.Sort(times);
    Array.Sort(cpu);
    return (times[times.Length / 2], times[(int)(times.Length * 0.99)], cpu[cpu.Length / 2]);
}

// The real schema (EF Core migrations) with size chunks in size / 10 documents, each in a random bucket 0-999
// kept both in its metadata ({"bucket": n}) and in its source ("source-n", an indexed column).
// Embedding blobs are 4 bytes: collecting ids reads the documents table and the (DocumentId, Ordinal) index only.
static async Task CreateDatabaseAsync(StorageOptions storage, int size)
{
    Directory.CreateDirectory(storage.FullPath);
    var connectionString = InfrastructureRegistration.ConnectionString(storage);
    await using (var db = new GroundworkDbContext(new DbContextOptionsBuilder<GroundworkDbContext>().UseSqlite(connectionString).Options))
    {
        await db.Database.MigrateAsync();
    }

    await using var connection = new SqliteConnection(connectionString);
    await connection.OpenAsync();
    await using var transaction = connection.BeginTransaction();
    await using var document = connection.CreateCommand();
    document.CommandText = "INSERT INTO documents (Id, Sequence, Title, Text, MetadataJson, TagsJson, Source, ContentHash, Status, ChunksTotal, " +
                           "ChunksEmbedded, CreatedAt, UploadedAt, UpdatedAt) " +
                           "VALUES ($id, $id, 'Document', '', $metadata, '[]', $source, $id, 'Ready', 10, 10, $now, $now, $now)";
    var documentId = document.Parameters.Add("$id", SqliteType.Integer);
    var metadata = document.Parameters.Add("$metadata", SqliteType.Text);
    var source = document.Parameters.Add("$source", SqliteType.Text);
    document.Parameters.AddWithValue("$now", DateTime.UtcNow);
    await using var chunk = connection.CreateCommand();
    chunk.CommandText = "INSERT INTO chunks (Id, KeywordRow, DocumentId, Ordinal, StartOffset, EndOffset, Text, Embedding) " +
                        "VALUES ($id, $id, $document, $ordinal, 0, 0, 'text', zeroblob(4))";
    var chunkId = chunk.Parameters.Add("$id", SqliteType.Integer);
    var chunkDocument = chunk.Parameters.Add("$document", SqliteType.Integer);
    var ordinal = chunk.Parameters.Add("$ordinal", SqliteType.Integer);
    var random = new Random(Seed);
    for (var d = 0; d < size / ChunksPerDocument; d++)
    {
        documentId.Value = d + 1;
        var bucket = random.Next(1000);
        metadata.Value = $$"""{"bucket": {{bucket}}, "department": "dept-{{d % 7}}"}""";
        source.Value = $"source-{bucket}";
        await document.ExecuteNonQueryAsync();
        for (var c = 0; c < ChunksPerDocument; c++)
        {
            chunkId.Value = (long)d * ChunksPerDocument + c + 1;
            chunkDocument.Value = d + 1;
            ordinal.Value = c;
            await chunk.ExecuteNonQueryAsync();
        }
    }

    await transaction.CommitAsync();
}

ReadOnlyMemory<float>[] Vectors(int count, int seed)
{
    var random = new Random(seed);
    var latent = dataKind == "uniform" ? 0 : int.Parse(dataKind.Split(':')[1]);
    // The same basis for every call, so corpus and queries come from one distribution.
    var basisRandom = new Random(Seed + 2);
    var basis = Enumerable.Range(0, latent).Select(_ => Unit(Enumerable.Range(0, Dimensions).Select(_ => Gaussian(basisRandom)).ToArray())).ToArray();
    var vectors = new ReadOnlyMemory<float>[count];
    for (var i = 0; i < count; i++)
    {
        var vector = new float[Dimensions];
        if (latent == 0)
        {
            for (var d = 0; d < Dimensions; d++)
            {
                vector[d] = Gaussian(random);
            }
        }
        else
        {
            for (var m = 0; m < latent; m++)
            {
                var weight = Gaussian(random);
                for (var d = 0; d < Dimensions; d++)
                {
                    vector[d] += weight * basis[m][d];
                }
            }

            var noise = 0.1f * MathF.Sqrt(vector.Sum(x => x * x)) / MathF.Sqrt(Dimensions);
            for (var d = 0; d < Dimensions; d++)
            {
                vector[d] += noise * Gaussian(random);
            }
        }

        vectors[i] = Unit(vector);
    }

    return vectors;
}

static float[] Unit(float[] vector)
{
    var norm = MathF.Sqrt(vector.Sum(x => x * x));
    for (var d = 0; d < vector.Length; d++)
    {
        vector[d] /= norm;
    }

    return vector;
}

static float Gaussian(Random random) =>
    (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

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
