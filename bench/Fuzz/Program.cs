using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Groundwork.Fuzzing;

// The long fuzz run: every systematic case, then random ones up to --requests, then the raw-socket framing cases, against a
// service already running on loopback; writes a Markdown summary (statuses, failures by class with reproducers, latency, RSS).
var options = Arguments.Parse(args);
var url = new Uri(options.Get("url") ?? throw new ArgumentException("--url http://127.0.0.1:PORT is required"));
if (!IPAddress.TryParse(url.Host, out var address) || !IPAddress.IsLoopback(address))
{
    Console.Error.WriteLine($"fuzz: only a loopback IP address is accepted, not {url.Host}");
    return 2;
}
var requests = int.Parse(options.Get("requests") ?? "100000", CultureInfo.InvariantCulture);
var seed = int.Parse(options.Get("seed") ?? "1", CultureInfo.InvariantCulture);
var concurrency = int.Parse(options.Get("concurrency") ?? "2", CultureInfo.InvariantCulture);
var slowAfter = double.Parse(options.Get("slow-after") ?? "5", CultureInfo.InvariantCulture);
var servicePid = options.Get("service-pid") is { } pid ? int.Parse(pid, CultureInfo.InvariantCulture) : (int?)null;
var output = options.Get("out") ?? $"fuzz-{DateTime.Now:yyyy-MM-dd-HHmmss}.md";

// The key comes from the environment (bench/fuzz.sh sets it), never the command line, where other users could read it.
var key = Environment.GetEnvironmentVariable("GROUNDWORK_KEY") is { Length: > 0 } value ? value : null;
using var client = new HttpClient { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };
if (key is not null)
{
    client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
}
var api = ApiDescription.Parse(await client.GetStringAsync("/openapi/v1.json"));
var ids = new List<long>();
foreach (var (title, text) in new[]
{
    ("Travel policy", "Employees book travel through the portal. Expenses over budget need a manager's approval."),
    ("Laptop security", "Laptops are encrypted. Passwords are at least fourteen characters and never shared."),
    ("Holidays", "The office closes for public holidays; the holiday calendar is in the report."),
})
{
    var created = await client.PostAsJsonAsync("/documents?wait=true", new { title, text, tags = new[] { "hr" }, metadata = new { year = 2024 } });
    var body = await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
    ids.Add(body.GetProperty("id").GetInt64());
}

var generator = new CaseGenerator(api, new FuzzOptions { Seed = seed, KnownIds = ids, Authorization = key is null ? null : $"Bearer {key}" });
var raw = generator.RawSocket().ToList();
var cases = generator.Systematic().Concat(generator.Randomized()).Take(Math.Max(requests - raw.Count, 0)).Concat(raw);
// --failures PATH: every failing case, one tab-separated line each (class, kind, status, operation, note, request).
using var failures = options.Get("failures") is { } failuresPath ? new StreamWriter(failuresPath) : null;
var failuresLock = new Lock();
var runner = new FuzzRunner(client, new ResponseOracle { SlowAfter = TimeSpan.FromSeconds(slowAfter) })
{
    RawEndpoint = new IPEndPoint(address, url.Port),
    Concurrency = concurrency,
    Observer = failures is null ? null : (fuzzCase, response, findings) =>
    {
        var request = fuzzCase.RawRequest is { } bytes ? BodyExcerpt.Of(bytes, 300) : $"{fuzzCase.Method} {fuzzCase.Target} {BodyExcerpt.Of(fuzzCase.Body ?? [], 300)}";
        lock (failuresLock)
        {
            foreach (var finding in findings)
            {
                failures.WriteLine(string.Join('\t', fuzzCase.Class, finding.Kind, response.Status, fuzzCase.Operation, fuzzCase.Note.ReplaceLineEndings(" "), request));
            }
        }
    },
};

var rssBefore = Rss(servicePid);
long rssPeak = rssBefore ?? 0;
using var sampling = new CancellationTokenSource();
var sampler = Task.Run(async () =>
{
    while (!sampling.IsCancellationRequested)
    {
        rssPeak = Math.Max(rssPeak, Rss(servicePid) ?? 0);
        await Task.Delay(1_000, sampling.Token).ContinueWith(_ => { });
    }
});
var clock = Stopwatch.StartNew();
var report = await runner.RunAsync(cases, CancellationToken.None, progress =>
{
    if (progress.Requests % 10_000 == 0)
    {
        Console.Error.WriteLine($"[fuzz {DateTime.Now:HH:mm:ss}] {progress.Requests} requests, {progress.FailedCases} failing");
    }
});
var elapsed = clock.Elapsed;
await sampling.CancelAsync();
await sampler;
var rssAfter = Rss(servicePid);
var alive = servicePid is null || Rss(servicePid) is not null;

var markdown = new StringBuilder();
markdown.Append(CultureInfo.InvariantCulture, $"# Fuzz run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC\n\n");
markdown.Append(CultureInfo.InvariantCulture, $"Groundwork {options.Get("commit") ?? "(commit not given)"} on {url}, seed {seed}, {concurrency} concurrent requests, ")
    .Append(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores; slow means over {slowAfter} s. Produced by `bench/fuzz.sh`.\n\n");
markdown.Append("| | |\n|---|---|\n")
    .Append(CultureInfo.InvariantCulture, $"| Requests | {report.Requests:N0} ({report.Skipped} skipped) in {elapsed.TotalSeconds:0} s, {report.Requests / elapsed.TotalSeconds:0} per second |\n")
    .Append(CultureInfo.InvariantCulture, $"| Failing requests | {report.FailedCases:N0} |\n")
    .Append(CultureInfo.InvariantCulture, $"| Latency p50 / p99 / max | {report.Percentile(50):0.0} / {report.Percentile(99):0.0} / {report.Percentile(100):0} ms |\n")
    .Append(CultureInfo.InvariantCulture, $"| Service RSS before / peak / after | {Mb(rssBefore)} / {Mb(rssPeak)} / {Mb(rssAfter)} |\n")
    .Append(CultureInfo.InvariantCulture, $"| Service still running | {(alive ? "yes" : "**no**")} |\n\n");
markdown.Append(report.Markdown());
markdown.Append("\n## Failures by class, with the smallest reproducers\n\n```text").Append(report.FailureList(reproducers: 2)).Append("```\n");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
await File.WriteAllTextAsync(output, markdown.ToString());
Console.WriteLine(report.Summary());
Console.WriteLine($"latency p50 {report.Percentile(50):0.0} ms, p99 {report.Percentile(99):0.0} ms, max {report.Percentile(100):0} ms; RSS {Mb(rssBefore)} -> {Mb(rssAfter)} (peak {Mb(rssPeak)})");
Console.WriteLine($"summary written to {output}");
return alive ? 0 : 3;

static long? Rss(int? pid)
{
    if (pid is null)
    {
        return null;
    }
    try
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
    catch (IOException)
    {
        return null;
    }
}

static string Mb(long? bytes) => bytes is null ? "?" : $"{bytes.Value / (1024.0 * 1024):0} MB";

internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = [];

    public static Arguments Parse(string[] args)
    {
        var parsed = new Arguments();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"expected --name value, got {args[i]}");
            }
            parsed._values[args[i][2..]] = args[++i];
        }
        return parsed;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);
}
