using System.Globalization;
using System.Text;

namespace Groundwork.Fuzzing;

/// <summary>A failure seen on a case, kept as a reproducer: the request and what came back.</summary>
public sealed record Reproducer(FuzzCase Case, FuzzResponse Response, Finding Finding)
{
    public int Size => Case.RawRequest?.Length ?? Case.Body?.Length ?? 0;

    public string Describe()
    {
        var request = Case.RawRequest is not null
            ? $"raw socket: {BodyExcerpt.Of(Case.RawRequest, 220)}"
            : $"{Case.Method} {ResponseOracle.Excerpt(Case.Target, 120)}"
              + (Case.Body is null ? "" : $"  [{Case.ContentType ?? "no Content-Type"}]  {BodyExcerpt.Of(Case.Body, 160)}");
        return $"{request}\n      ({Case.Note}) -> {Finding.Detail}";
    }
}

/// <summary>Counts, latencies and failures of a run, grouped by mutation class; safe to record into from several threads.</summary>
public sealed class FuzzReport
{
    private const int ReproducersPerGroup = 3;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, int> _statuses = [];
    private readonly Dictionary<string, int> _casesByClass = [];
    private readonly Dictionary<string, int> _casesByOperation = [];
    private readonly Dictionary<(string Class, string Kind, string Operation, int Status), Group> _failures = [];
    private readonly List<double> _latencies = [];
    private readonly List<Reproducer> _baselineRejections = [];

    private sealed class Group
    {
        public int Count;
        public readonly List<Reproducer> Smallest = [];
    }

    public int Requests { get; private set; }

    public int Skipped { get; private set; }

    public int FailedCases { get; private set; }

    public IReadOnlyDictionary<int, int> Statuses { get { lock (_lock) { return new Dictionary<int, int>(_statuses); } } }

    public IReadOnlyDictionary<string, int> CasesByClass { get { lock (_lock) { return new Dictionary<string, int>(_casesByClass); } } }

    public IReadOnlyDictionary<string, int> CasesByOperation { get { lock (_lock) { return new Dictionary<string, int>(_casesByOperation); } } }

    public void Skip()
    {
        lock (_lock)
        {
            Skipped++;
        }
    }

    public int Record(FuzzCase fuzzCase, FuzzResponse response, IReadOnlyList<Finding> findings)
    {
        lock (_lock)
        {
            Requests++;
            _statuses[response.Status] = _statuses.GetValueOrDefault(response.Status) + 1;
            _casesByClass[fuzzCase.Class] = _casesByClass.GetValueOrDefault(fuzzCase.Class) + 1;
            _casesByOperation[fuzzCase.Operation] = _casesByOperation.GetValueOrDefault(fuzzCase.Operation) + 1;
            _latencies.Add(response.Elapsed.TotalMilliseconds);
            if (findings.Count > 0)
            {
                FailedCases++;
            }
            foreach (var finding in findings)
            {
                var key = (fuzzCase.Class, finding.Kind, fuzzCase.Operation, response.Status);
                if (!_failures.TryGetValue(key, out var group))
                {
                    _failures[key] = group = new Group();
                }
                group.Count++;
                var reproducer = new Reproducer(fuzzCase, response, finding);
                if (group.Smallest.Count < ReproducersPerGroup || reproducer.Size < group.Smallest[^1].Size)
                {
                    group.Smallest.Add(reproducer);
                    group.Smallest.Sort((a, b) => a.Size.CompareTo(b.Size));
                    if (group.Smallest.Count > ReproducersPerGroup)
                    {
                        group.Smallest.RemoveAt(group.Smallest.Count - 1);
                    }
                }
            }
            if (fuzzCase.ExpectSuccess && findings.Count == 0 && response.Status is >= 400 and not 404 and not 503 && _baselineRejections.Count < 20)
            {
                _baselineRejections.Add(new Reproducer(fuzzCase, response, new Finding("rejected", $"{response.Status} {ResponseOracle.Excerpt(response.Body, 200)}")));
            }
            return Requests;
        }
    }

    /// <summary>Failing cases per class and kind: (class, kind) → count.</summary>
    public IReadOnlyDictionary<(string Class, string Kind), int> FailuresByClass()
    {
        lock (_lock)
        {
            return _failures.GroupBy(f => (f.Key.Class, f.Key.Kind)).ToDictionary(g => g.Key, g => g.Sum(f => f.Value.Count));
        }
    }

    public double Percentile(double percentile)
    {
        lock (_lock)
        {
            if (_latencies.Count == 0)
            {
                return 0;
            }
            var sorted = _latencies.Order().ToList();
            return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
        }
    }

    /// <summary>The failures grouped by class, then kind, operation and status, each with its smallest reproducers.</summary>
    public string FailureList(int reproducers = ReproducersPerGroup)
    {
        var text = new StringBuilder();
        lock (_lock)
        {
            foreach (var byClass in _failures.GroupBy(f => f.Key.Class).OrderByDescending(g => g.Sum(f => f.Value.Count)))
            {
                text.Append(CultureInfo.InvariantCulture, $"\n## {byClass.Key}: {byClass.Sum(f => f.Value.Count)} failures in {_casesByClass.GetValueOrDefault(byClass.Key)} cases\n");
                foreach (var (key, group) in byClass.OrderBy(f => f.Key.Kind).ThenBy(f => f.Key.Operation).ThenBy(f => f.Key.Status).Select(f => (f.Key, f.Value)))
                {
                    text.Append(CultureInfo.InvariantCulture, $"- {key.Kind}, {key.Operation}, status {StatusName(key.Status)}: {group.Count}\n");
                    foreach (var reproducer in group.Smallest.Take(reproducers))
                    {
                        text.Append("    ").Append(reproducer.Describe()).Append('\n');
                    }
                }
            }
            if (_baselineRejections.Count > 0)
            {
                text.Append("\n## valid requests that were rejected (not failures; check the generator or the schema)\n");
                foreach (var rejection in _baselineRejections)
                {
                    text.Append("    ").Append(rejection.Describe()).Append('\n');
                }
            }
        }
        return text.ToString();
    }

    public string Summary()
    {
        lock (_lock)
        {
            var statuses = string.Join(", ", _statuses.OrderBy(s => s.Key).Select(s => $"{StatusName(s.Key)}: {s.Value}"));
            var failures = string.Join(", ", _failures.GroupBy(f => f.Key.Class).OrderByDescending(g => g.Sum(f => f.Value.Count))
                .Select(g => $"{g.Key} {g.Sum(f => f.Value.Count)}"));
            return $"{Requests} requests ({Skipped} skipped), {FailedCases} failing; statuses {statuses}; failures by class: {(failures.Length == 0 ? "none" : failures)}";
        }
    }

    /// <summary>Markdown tables of statuses, cases per class and failures per class and kind, for bench results.</summary>
    public string Markdown()
    {
        var text = new StringBuilder();
        lock (_lock)
        {
            text.Append("| Status | Answers |\n|---|---:|\n");
            foreach (var (status, count) in _statuses.OrderBy(s => s.Key))
            {
                text.Append(CultureInfo.InvariantCulture, $"| {StatusName(status)} | {count} |\n");
            }
            text.Append("\n| Class | Cases | Failures (by kind) |\n|---|---:|---|\n");
            foreach (var (fuzzClass, count) in _casesByClass.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                var kinds = _failures.Where(f => f.Key.Class == fuzzClass).GroupBy(f => f.Key.Kind).Select(g => $"{g.Key} {g.Sum(f => f.Value.Count)}");
                text.Append(CultureInfo.InvariantCulture, $"| {fuzzClass} | {count} | {string.Join(", ", kinds)} |\n");
            }
        }
        return text.ToString();
    }

    private static string StatusName(int status) => status switch
    {
        0 => "no answer (transport error)",
        -1 => "closed without an answer",
        _ => status.ToString(CultureInfo.InvariantCulture),
    };
}

public static class BodyExcerpt
{
    /// <summary>Printable ASCII as is, CR/LF/tab escaped, other bytes as \xNN; cut at <paramref name="length"/> with the total size.</summary>
    public static string Of(byte[] bytes, int length)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.Take(length))
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => $"\\x{b:X2}",
            });
        }
        return bytes.Length > length ? $"{text}… ({bytes.Length:N0} bytes)" : text.ToString();
    }
}
