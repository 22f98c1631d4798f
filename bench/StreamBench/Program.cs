using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Groundwork.Bench;

// Time to first token of streamed answers, N concurrent streams in a closed loop. Each stream is timed from sending its
// request to its first text (Groundwork: the first `delta` event with text; the upstream alone: the first chat chunk whose
// choices[0].delta.content is not empty) and to the end of the stream. Run by bench/stream.sh.
//
//   StreamBench --target groundwork --url http://127.0.0.1:5080 --key gw_… [options]
//   StreamBench --target upstream --url http://127.0.0.1:5081 [options]
//   StreamBench --self-test
//
// Options: --streams N (64), --duration S (10), --warmup S (2), --model NAME (gpt-4), --questions FILE
// (bench/sentences.txt: one question a line), --context-chars N (4000: context in the upstream-alone prompt),
// --timeout S (30, per stream), --output FILE (the JSON result). --key defaults to $GROUNDWORK_KEY (groundwork) or
// "bench" (upstream). Exit code 0 when at least one stream completed, 1 on bad arguments, 3 when none did.

if (args is ["--self-test"])
{
    return await SelfTest.RunAsync();
}

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 == args.Length)
    {
        return Usage($"'{args[i]}' is not an option with a value");
    }

    options[args[i][2..]] = args[++i];
}

string? Option(string name) => options.Remove(name, out var value) ? value : null;
int Number(string name, int fallback) =>
    Option(name) is { } text ? int.TryParse(text, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : throw new ArgumentException($"--{name} must be a whole number") : fallback;

string target;
Uri url;
int streams, durationSeconds, warmupSeconds, timeoutSeconds, contextChars;
string model, questionsFile, key;
string? output;
try
{
    target = Option("target") ?? throw new ArgumentException("--target is required (groundwork or upstream)");
    if (target is not ("groundwork" or "upstream"))
    {
        throw new ArgumentException($"unknown --target {target} (groundwork or upstream)");
    }

    url = new Uri((Option("url") ?? throw new ArgumentException("--url is required")).TrimEnd('/') + "/");
    streams = Math.Max(1, Number("streams", 64));
    durationSeconds = Number("duration", 10);
    warmupSeconds = Number("warmup", 2);
    timeoutSeconds = Math.Max(1, Number("timeout", 30));
    contextChars = Number("context-chars", 4000);
    model = Option("model") ?? "gpt-4";
    questionsFile = Option("questions") ?? Path.Combine("bench", "sentences.txt");
    output = Option("output");
    key = Option("key") ?? (target == "groundwork" ? Environment.GetEnvironmentVariable("GROUNDWORK_KEY") : "bench")
        ?? throw new ArgumentException("--key (or GROUNDWORK_KEY) is required for --target groundwork");
    if (options.Count > 0)
    {
        throw new ArgumentException($"unknown option --{options.Keys.First()}");
    }
}
catch (Exception e) when (e is ArgumentException or UriFormatException)
{
    return Usage(e.Message);
}

if (!File.Exists(questionsFile))
{
    return Usage($"no questions file at {Path.GetFullPath(questionsFile)} (--questions)");
}

var questions = File.ReadAllLines(questionsFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
if (questions.Length == 0)
{
    return Usage($"{questionsFile} has no questions");
}

var context = string.Join(' ', Enumerable.Repeat(questions, contextChars / Math.Max(1, questions.Sum(q => q.Length + 1)) + 1).SelectMany(q => q));
context = context[..Math.Min(contextChars, context.Length)];
StreamTarget streamTarget = target == "groundwork" ? new GroundworkTarget(url, key, model) : new UpstreamTarget(url, key, model, context);

using var http = StreamLoad.CreateClient(streams);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
var load = new StreamLoad(http, streamTarget, questions, TimeSpan.FromSeconds(timeoutSeconds));

Console.Error.WriteLine($"stream-bench: {streamTarget.Name} at {url}, {streams} streams, warm-up {warmupSeconds} s, measuring {durationSeconds} s");
if (warmupSeconds > 0)
{
    var warm = await load.RunAsync(streams, TimeSpan.FromSeconds(warmupSeconds), stop.Token);
    Console.Error.WriteLine($"stream-bench: warm-up: {warm.Count(o => o.Error is null)} streams, {warm.Count(o => o.Error is not null)} errors");
}

var startedAt = DateTimeOffset.UtcNow;
var started = Stopwatch.GetTimestamp();
var outcomes = await load.RunAsync(streams, TimeSpan.FromSeconds(durationSeconds), stop.Token);
var result = StreamLoad.Summarise(streamTarget, url, streams, TimeSpan.FromSeconds(durationSeconds), TimeSpan.FromSeconds(warmupSeconds),
    startedAt, Stopwatch.GetElapsedTime(started), outcomes);

Console.WriteLine($"{result.Target}: {result.Completed} streams in {result.ElapsedSeconds:0.##} s ({result.StreamsPerSecond:0.#}/s), {result.Errors} errors"
    + (result.Errors > 0 ? $" ({string.Join(", ", result.ErrorKinds.Select(e => $"{e.Key}: {e.Value}"))})" : ""));
Console.WriteLine("             p50      p90      p99      max   (ms)");
Console.WriteLine(Row("headers", result.HeadersMs));
Console.WriteLine(Row("first text", result.FirstTextMs));
Console.WriteLine(Row("end", result.EndMs));
if (output is not null)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    await File.WriteAllTextAsync(output, JsonSerializer.Serialize(result, BenchResultJson.Default.BenchResult));
}

return result.Completed > 0 ? 0 : 3;

static string Row(string name, Percentiles p) =>
    string.Create(CultureInfo.InvariantCulture, $"{name,-10} {p.P50,8:0.00} {p.P90,8:0.00} {p.P99,8:0.00} {p.Max,8:0.00}");

static int Usage(string problem)
{
    Console.Error.WriteLine($"stream-bench: {problem}");
    Console.Error.WriteLine("usage: StreamBench --target groundwork|upstream --url URL [--key KEY] [--streams 64] [--duration 10] [--warmup 2]");
    Console.Error.WriteLine("                   [--model gpt-4] [--questions bench/sentences.txt] [--context-chars 4000] [--timeout 30] [--output FILE]");
    Console.Error.WriteLine("       StreamBench --self-test");
    return 1;
}
