using System.Diagnostics;
using System.Text.Json;
using Groundwork.Embeddings;

// Throughput of the service's embedding model called directly, without HTTP: the same ONNX session
// (MiniLmModel, same intra-op threads) and tokenizer the service uses, fed batches of the given sizes from one thread.
// Tokenization and pooling are included, as in the service; the texts are cycled from the sentences file.
// Usage: EmbeddingBench --sentences bench/sentences.txt [--seconds 15] [--warmup-seconds 2] [--batches 1,32,64]
// Prints one JSON object to stdout.
var sentencesFile = Option("--sentences") ?? throw new ArgumentException("--sentences <file> is required.");
var seconds = double.Parse(Option("--seconds") ?? "15", System.Globalization.CultureInfo.InvariantCulture);
var warmupSeconds = double.Parse(Option("--warmup-seconds") ?? "2", System.Globalization.CultureInfo.InvariantCulture);
var batchSizes = (Option("--batches") ?? "1,32,64").Split(',').Select(int.Parse).ToArray();

var sentences = File.ReadAllLines(sentencesFile).Where(line => line.Length > 0).ToArray();
var intraOpThreads = new LocalMiniLmEmbeddingGenerator().IntraOpThreads;
var loading = Stopwatch.StartNew();
var tokenizer = MiniLmTokenizer.Shared;
var model = MiniLmModel.Get(intraOpThreads);
loading.Stop();

var results = batchSizes.Select(size =>
{
    Run(size, TimeSpan.FromSeconds(warmupSeconds));
    return Run(size, TimeSpan.FromSeconds(seconds));
}).ToArray();

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
};
Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));

object Run(int batchSize, TimeSpan duration)
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
            batch[i] = tokenizer.Encode(sentences[next]);
            next = (next + 1) % sentences.Length;
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
        seconds = clock.Elapsed.TotalSeconds,
        sentences = embedded,
        sentences_per_second = embedded / clock.Elapsed.TotalSeconds,
        batch_ms_p50 = latencies[latencies.Count / 2],
        batch_ms_p99 = latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * 0.99))],
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
