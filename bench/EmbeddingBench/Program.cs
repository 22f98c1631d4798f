using System.Diagnostics;
using System.Text.Json;
using Groundwork.Embeddings;

// Throughput of the service's embedding model called directly, without HTTP: the same ONNX session
// (MiniLmModel, same intra-op threads) and tokenizer the service uses, fed batches of the given sizes from one thread.
// Tokenization and pooling are included, as in the service; the texts are cycled from the sentences file.
// Batches take the sentences in file order, so each is padded to its longest sentence, as batches of texts taken as
// they arrive are. --sorted-batches N adds batches of N from the sentences sorted by length: next to no padding, the
// most batching could get out of the model on these sentences. --callers N adds a run through
// LocalMiniLmEmbeddingGenerator with N concurrent single-sentence callers (the service's micro-batching without
// HTTP), to tell the batcher's cost from the web server's.
// Usage: EmbeddingBench --sentences bench/sentences.txt [--seconds 15] [--warmup-seconds 2] [--batches 1,32,64]
//        [--sorted-batches 32] [--callers 64]
// Prints one JSON object to stdout.
var sentencesFile = Option("--sentences") ?? throw new ArgumentException("--sentences <file> is required.");
var seconds = double.Parse(Option("--seconds") ?? "15", System.Globalization.CultureInfo.InvariantCulture);
var warmupSeconds = double.Parse(Option("--warmup-seconds") ?? "2", System.Globalization.CultureInfo.InvariantCulture);
var batchSizes = (Option("--batches") ?? "1,32,64").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
var sortedBatchSizes = (Option("--sorted-batches") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
var callers = int.Parse(Option("--callers") ?? "0", System.Globalization.CultureInfo.InvariantCulture);

var sentences = File.ReadAllLines(sentencesFile).Where(line => line.Length > 0).ToArray();
var intraOpThreads = new LocalMiniLmEmbeddingGenerator().IntraOpThreads;
var loading = Stopwatch.StartNew();
var tokenizer = MiniLmTokenizer.Shared;
var model = MiniLmModel.Get(intraOpThreads);
loading.Stop();

var bySize = sentences.OrderBy(s => tokenizer.Encode(s).Length).ToArray();
var results = batchSizes.Select(size => (size, sorted: false)).Concat(sortedBatchSizes.Select(size => (size, sorted: true)))
    .Select(run =>
    {
        var texts = run.sorted ? bySize : sentences;
        Run(texts, run.size, TimeSpan.FromSeconds(warmupSeconds));
        return Run(texts, run.size, TimeSpan.FromSeconds(seconds));
    }).ToArray();

object? coalesced = null;
if (callers > 0)
{
    using var generator = new LocalMiniLmEmbeddingGenerator(intraOpThreads);
    await RunCallers(generator, callers, TimeSpan.FromSeconds(warmupSeconds));
    coalesced = await RunCallers(generator, callers, TimeSpan.FromSeconds(seconds));
}

var report = new
{
    model = LocalMiniLmEmbeddingGenerator.ModelId,
    intra_op_threads = intraOpThreads,
    cores = Environment.ProcessorCount,
    dotnet = Environment.Version.ToString(),
    load_seconds = loading.Elapsed.TotalSeconds,
    distinct_sentences = sentences.Length,
    mean_word_pieces = sentences.Average(s => tokenizer.Encode(s).Length),
    results,
    coalesced,
};
Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));

object Run(string[] texts, int batchSize, TimeSpan duration)
{
    var batch = new int[batchSize][];
    var vectors = new float[batchSize][];
    var latencies = new List<double>();
    var next = 0;
    var embedded = 0L;
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var machineBefore = MachineBusySeconds();
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed < duration)
    {
        var began = Stopwatch.GetTimestamp();
        for (var i = 0; i < batchSize; i++)
        {
            batch[i] = tokenizer.Encode(texts[next]);
            next = (next + 1) % texts.Length;
        }

        model.Embed(batch, vectors, CancellationToken.None);
        latencies.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        embedded += batchSize;
    }

    clock.Stop();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    var machine = MachineBusySeconds() - machineBefore;
    latencies.Sort();
    return new
    {
        batch_size = batchSize,
        sorted_by_length = texts == bySize,
        seconds = clock.Elapsed.TotalSeconds,
        sentences = embedded,
        sentences_per_second = embedded / clock.Elapsed.TotalSeconds,
        batch_ms_p50 = latencies[latencies.Count / 2],
        batch_ms_p99 = latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * 0.99))],
        cpu_cores_used = cpu.TotalSeconds / clock.Elapsed.TotalSeconds,
        machine_cpu_cores_busy = machine / clock.Elapsed.TotalSeconds,
    };
}

async Task<object> RunCallers(LocalMiniLmEmbeddingGenerator generator, int count, TimeSpan duration)
{
    var next = -1;
    var embedded = 0L;
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var machineBefore = MachineBusySeconds();
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, count).Select(_ => Task.Run(async () =>
    {
        while (clock.Elapsed < duration)
        {
            var sentence = sentences[(int)((uint)Interlocked.Increment(ref next) % sentences.Length)];
            await generator.GenerateAsync([sentence]);
            Interlocked.Increment(ref embedded);
        }
    })));
    clock.Stop();
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    var machine = MachineBusySeconds() - machineBefore;
    return new
    {
        callers = count,
        seconds = clock.Elapsed.TotalSeconds,
        sentences = embedded,
        sentences_per_second = embedded / clock.Elapsed.TotalSeconds,
        cpu_cores_used = cpu.TotalSeconds / clock.Elapsed.TotalSeconds,
        machine_cpu_cores_busy = machine / clock.Elapsed.TotalSeconds,
    };
}

// All cores' busy time from /proc/stat (user..steal minus idle and iowait), to see what else ran during a measurement.
static double MachineBusySeconds()
{
    if (!File.Exists("/proc/stat"))
    {
        return double.NaN;
    }

    var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..9].Select(long.Parse).ToArray();
    return (ticks.Sum() - ticks[3] - ticks[4]) / 100.0;
}

string? Option(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}
