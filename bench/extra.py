"""Helpers for bench/extra.sh (standard library only; run with Debian's /usr/bin/python3).

Subcommands:
  free-port                          print a free TCP port on 127.0.0.1
  wait-ready URL TIMEOUT_S           poll URL/health/ready until healthy; print the seconds it took
  wait-http URL TIMEOUT_S            poll URL until it answers with any HTTP status
  cpu PID                            print the process's user+system CPU seconds, the whole machine's busy seconds and
                                     a JSON object of the CPU seconds of the process's background JIT threads
  ingest --url U --pid P --targets 10000,100000 [--per-doc 1000] [--concurrency 2] [--budget-s 300] [--already N]
                                     POST /documents?wait=true of one-chunk paragraphs, recording RSS at each target
                                     (targets count all chunks, the N an earlier run of the same generator posted
                                     included); JSON to stdout
  data-size DIR                      JSON of the files in DIR and their sizes
  phase WORK NAME begin|end          note the load average and the machine's busy CPU time around a part, in WORK/phases.json
  assemble --work DIR --results FILE [--smoke] [--docs FILE]
                                     build the "extra" object from DIR/*.json, merge it into FILE, print a summary,
                                     and (unless --smoke) rewrite the marked section of the docs file
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import random
import socket
import sys
import time
import urllib.error
import urllib.request

# Groundwork's API key (the bench scripts set GROUNDWORK_KEY and start the service with it); health probes need none.
AUTH = {"Authorization": "Bearer " + os.environ["GROUNDWORK_KEY"]} if os.environ.get("GROUNDWORK_KEY") else {}

START_MARK = "<!-- bench:extra:start -->"
END_MARK = "<!-- bench:extra:end -->"
HEADING = "## Extra measurements (bench/extra.sh)"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url, timeout=10):
    with urllib.request.urlopen(urllib.request.Request(url, headers=AUTH), timeout=timeout) as response:
        return response.status, json.loads(response.read() or b"null")


def wait_ready(base, timeout_s):
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        try:
            status, body = get_json(base + "/health/ready", timeout=5)
            if status == 200 and body.get("status") == "Healthy":
                return time.monotonic() - began
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            pass
        time.sleep(0.05)
    raise SystemExit(f"{base} was not ready within {timeout_s} s")


def wait_http(url, timeout_s):
    began = time.monotonic()
    while time.monotonic() - began < timeout_s:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return time.monotonic() - began
        except urllib.error.HTTPError:
            return time.monotonic() - began  # any HTTP answer (the fake upstream wants a key) means it is up
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.05)
    raise SystemExit(f"{url} did not answer within {timeout_s} s")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of /proc/PID/stat; fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def jit_cpu_seconds(pid):
    """CPU seconds so far of each live thread of the runtime's background JIT (tier-up to optimised code), by thread
    id: the runtime ends that thread when idle and starts another, so compare two readings thread by thread."""
    seconds = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                text = f.read()
        except FileNotFoundError:
            continue
        if text[text.index("(") + 1:text.rindex(")")].startswith(".NET Tiered Com"):
            fields = text.rsplit(")", 1)[1].split()
            seconds[tid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def jit_cpu_between(before, after):
    """JIT CPU seconds between two readings of jit_cpu_seconds; a thread that ended in between is missed, so this
    is a lower bound."""
    return sum(value - before.get(tid, 0) for tid, value in after.items())


def machine_cpu():
    """Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat."""
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - fields[3] - fields[4]) / ticks, sum(fields) / ticks


def proc_memory(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                values[key] = int(rest.split()[0]) * 1024
    return values


def indexed_chunks(base):
    _, body = get_json(base + "/health/ready")
    description = body["checks"]["vector_index"]["description"] or ""
    return int(description.split()[0]) if description.endswith("chunks indexed") else -1


class Paragraphs:
    """Deterministic paragraphs of about 100 words (450-780 characters), one sentence each, grouped by topic.

    With the openai provider the chunker estimates a token per four characters, so each paragraph is 113-195
    "tokens": under the 200 of a chunk, and two never fit together, so every paragraph becomes exactly one chunk.
    Topics share most of their words, so the fake upstream's feature-hashed vectors cluster as real text would.
    """

    def __init__(self, seed=42, topics=200):
        self.random = random.Random(seed)
        syllables = ["ka", "lo", "mi", "ren", "tor", "va", "sel", "um", "dra", "pe", "qui", "nos", "fa", "gri", "zo", "bel"]

        def word():
            return "".join(self.random.choice(syllables) for _ in range(self.random.randint(2, 3)))

        common = [word() for _ in range(300)]
        self.fragments = []
        for _ in range(topics):
            vocabulary = [word() for _ in range(60)]
            self.fragments.append([
                " ".join(self.random.choice(vocabulary) if self.random.random() < 0.7 else self.random.choice(common)
                         for _ in range(10))
                for _ in range(40)])
        self.serial = 0
        self.shortest = self.longest = None

    def next(self):
        self.serial += 1
        topic = self.fragments[self.random.randrange(len(self.fragments))]
        words = f"ref{self.serial} " + " ".join(self.random.choice(topic) for _ in range(10))
        while len(words) < 450:
            words += " " + self.random.choice(topic)
        if len(words) > 779:
            words = words[:780].rsplit(" ", 1)[0]
        paragraph = words.capitalize() + "."
        self.shortest = min(self.shortest or len(paragraph), len(paragraph))
        self.longest = max(self.longest or 0, len(paragraph))
        return paragraph


def post_document(base, title, text):
    body = json.dumps({"title": title, "text": text, "metadata": {"bench": "extra"}}).encode()
    # wait=true: answer 201 once the document is indexed, also where ingestion is asynchronous (202 without it).
    request = urllib.request.Request(base + "/documents?wait=true", data=body, headers={"Content-Type": "application/json", **AUTH})
    with urllib.request.urlopen(request, timeout=600) as response:
        if response.status != 201:
            raise SystemExit(f"POST /documents answered {response.status}")
        return json.loads(response.read())["chunk_count"]


def ingest(args):
    base = args.url.rstrip("/")
    targets = [int(t) for t in args.targets.split(",")]
    paragraphs = Paragraphs()
    # Continue the same deterministic sequence, so no paragraph is posted twice.
    for _ in range(args.already):
        paragraphs.next()
    report = {"per_document_paragraphs": args.per_doc, "concurrency": args.concurrency,
              "budget_s": args.budget_s, "already": args.already, "baseline": proc_memory(args.pid), "points": []}
    chunks = args.already
    documents = -(-args.already // args.per_doc)
    began = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        for position, target in enumerate(targets):
            pending = {}  # future -> paragraphs in that document
            over_budget = False
            while True:
                while not over_budget and len(pending) < args.concurrency and chunks + sum(pending.values()) < target:
                    count = min(args.per_doc, target - chunks - sum(pending.values()))
                    text = "\n\n".join(paragraphs.next() for _ in range(count))
                    documents += 1
                    pending[pool.submit(post_document, base, f"Bench document {documents}", text)] = count
                if not pending:
                    break
                done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    count = pending.pop(future)
                    got = future.result()
                    if got != count:
                        raise SystemExit(f"a document of {count} paragraphs became {got} chunks; expected one per paragraph")
                    chunks += got
                over_budget = time.monotonic() - began > args.budget_s
            elapsed = time.monotonic() - began
            indexed = indexed_chunks(base)
            time.sleep(2)  # let the allocator settle after the last request
            point = {"target": target, "chunks": chunks, "indexed": indexed, "documents": documents,
                     "elapsed_s": elapsed, "chunks_per_second": (chunks - args.already) / elapsed, **proc_memory(args.pid)}
            report["points"].append(point)
            print(f"  {chunks} chunks ({indexed} indexed) after {elapsed:.0f} s: VmRSS {point['VmRSS'] / 2**20:.0f} MiB",
                  file=sys.stderr)
            if over_budget and (chunks < target or position < len(targets) - 1):
                report["stopped_early_at"] = chunks
                break
    report["paragraph_chars"] = [paragraphs.shortest, paragraphs.longest]
    json.dump(report, sys.stdout, indent=2)


def data_size(directory):
    files = {}
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            files[os.path.relpath(path, directory)] = os.path.getsize(path)
    return {"files": files, "total_bytes": sum(files.values())}


def phase(work, name, edge):
    path = os.path.join(work, "phases.json")
    phases = load(path) or {}
    busy, _ = machine_cpu()
    entry = phases.setdefault(name, {})
    if edge == "begin":
        entry.update({"load_average_before": open("/proc/loadavg").read().split()[0], "busy": busy, "at": time.monotonic()})
    else:
        seconds = time.monotonic() - entry.pop("at")
        entry["seconds"] = seconds
        entry["machine_cpu_cores_busy"] = (busy - entry.pop("busy")) / seconds
    with open(path, "w") as f:
        json.dump(phases, f)


def load(path):
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    with open(path) as f:
        return json.load(f)


def percent(x):
    return f"{100 * x:.1f} %"


def mib(n):
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n:,} B"


EMBEDDING_TARGET = 0.90
# Other processes (wrk included) busier than this during a window make the service/raw ratio unreliable: the service's
# many threads and the raw loop's two do not get the same share of a contended machine.
QUIET_OTHER_CORES = 0.25


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def assemble_embedding(work):
    """Service windows 1..R under wrk, raw windows 1..R+1 around them (embedding-raw-i.json): pooled rates, the ratio
    service / best raw batched rate, and per round the service against the mean of the raw windows on either side."""
    services, raws = [], []
    while (service := load(os.path.join(work, f"embedding-service-{len(services) + 1}.json"))) is not None:
        services.append(service)
    while (raw := load(os.path.join(work, f"embedding-raw-{len(raws) + 1}.json"))) is not None:
        raws.append(raw)
    if not services or len(raws) < len(services) + 1:
        return None

    windows = []
    for service in services:
        wrk = service["wrk"]
        seconds = wrk["duration_us"] / 1e6
        ok = wrk["requests"] - wrk["errors"]["status"]
        windows.append({"seconds": seconds, "requests": wrk["requests"], "ok": ok, "errors": wrk["errors"],
                        "sentences_per_second": ok / seconds,
                        "latency_ms": {k: v / 1000 for k, v in wrk["latency_us"].items()},
                        "service_cpu_cores_used": service["service_cpu_seconds"] / seconds,
                        # wrk's own CPU is in here: it runs on the same cores.
                        "other_cpu_cores_busy": (service["machine_cpu_seconds"] - service["service_cpu_seconds"]) / seconds,
                        "jit_cpu_seconds": service["jit_cpu_seconds"],
                        "load_average_before": service["load_average_before"]})
    seconds = sum(w["seconds"] for w in windows)
    service_rate = sum(w["ok"] for w in windows) / seconds
    errors = {k: sum(w["errors"][k] for w in windows) for k in services[0]["wrk"]["errors"]}

    def pooled(results, cores_key="cpu_cores_used"):
        total = sum(r["seconds"] for r in results)
        return {"windows": len(results), "seconds": total,
                "sentences": sum(r["sentences"] for r in results),
                "sentences_per_second": sum(r["sentences"] for r in results) / total,
                "cpu_cores_used": sum(r[cores_key] * r["seconds"] for r in results) / total,
                "machine_cpu_cores_busy": sum(r["machine_cpu_cores_busy"] * r["seconds"] for r in results) / total}

    by_batch, sorted_runs = {}, []
    for raw in raws:
        for r in raw["results"]:
            if r.get("sorted_by_length"):
                sorted_runs.append(r)
            else:
                by_batch.setdefault(r["batch_size"], []).append(r)
    raw_rates = {}
    for size, results in sorted(by_batch.items()):
        rates = pooled(results)
        raw_rates[size] = {"batch_size": size, **rates,
                           "sentences_per_cpu_second": rates["sentences_per_second"] / rates["cpu_cores_used"],
                           "batch_ms_p50": median([r["batch_ms_p50"] for r in results]),
                           "batch_ms_p99": max(r["batch_ms_p99"] for r in results)}
    batched = [r for size, r in raw_rates.items() if size > 1]
    best = max(batched, key=lambda r: r["sentences_per_second"])

    def raw_window_rate(raw, size):
        return next((r["sentences_per_second"] for r in raw["results"]
                     if r["batch_size"] == size and not r.get("sorted_by_length")), None)

    rounds = []
    for i, window in enumerate(windows):
        around = {}
        for size in raw_rates:
            if size > 1:
                rates = [raw_window_rate(raws[i], size), raw_window_rate(raws[i + 1], size)]
                if None not in rates:
                    around[size] = sum(rates) / 2
        size, rate = max(around.items(), key=lambda item: item[1])
        raw_others = [r["machine_cpu_cores_busy"] - r["cpu_cores_used"] for raw in raws[i:i + 2] for r in raw["results"]
                      if r["batch_size"] in around]
        rounds.append({"service_sentences_per_second": window["sentences_per_second"],
                       "raw_best_sentences_per_second": rate, "raw_best_batch_size": size,
                       "ratio": window["sentences_per_second"] / rate,
                       "other_cpu_cores_busy_service": window["other_cpu_cores_busy"],
                       "other_cpu_cores_busy_raw": max(raw_others)})

    coalesced = [raw["coalesced"] for raw in raws if raw.get("coalesced")]
    ratio = service_rate / best["sentences_per_second"]
    service_cores = sum(w["service_cpu_cores_used"] * w["seconds"] for w in windows) / seconds
    return {
        "sentences_file": services[0]["sentences_file"],
        "model": raws[0]["model"], "intra_op_threads": raws[0]["intra_op_threads"],
        "distinct_sentences": raws[0]["distinct_sentences"], "mean_word_pieces": raws[0]["mean_word_pieces"],
        "service": {
            "endpoint": "POST /embeddings, one sentence per request",
            "connections": services[0]["connections"], "wrk_threads": services[0]["wrk_threads"],
            "windows": len(windows), "duration_s": seconds, "requests": sum(w["requests"] for w in windows),
            "errors": errors, "errors_total": sum(errors.values()),
            "sentences_per_second": service_rate,
            "latency_ms": {"p50_median_of_windows": median([w["latency_ms"]["p50"] for w in windows]),
                           "p99_worst_window": max(w["latency_ms"]["p99"] for w in windows)},
            "service_cpu_cores_used": service_cores,
            "sentences_per_cpu_second": service_rate / service_cores,
            "other_cpu_cores_busy": sum(w["other_cpu_cores_busy"] * w["seconds"] for w in windows) / seconds,
            "jit_cpu_seconds": sum(w["jit_cpu_seconds"] for w in windows),
            "by_window": windows,
        },
        "raw": list(raw_rates.values()),
        "raw_sorted_by_length": [{**r, "ratio_service_to_it": service_rate / r["sentences_per_second"]} for r in sorted_runs],
        "coalesced_without_http": {"callers": coalesced[0]["callers"], **pooled(coalesced),
                                   "ratio_to_best_raw": pooled(coalesced)["sentences_per_second"] / best["sentences_per_second"]}
        if coalesced else None,
        "warmup_s": services[0]["warmup_seconds"],
        "ratio": ratio,
        "target": EMBEDDING_TARGET,
        "meets_target": ratio >= EMBEDDING_TARGET,
        "other_cpu_cores_busy_max": max(max(r["other_cpu_cores_busy_service"], r["other_cpu_cores_busy_raw"]) for r in rounds),
        "quiet_machine": all(max(r["other_cpu_cores_busy_service"], r["other_cpu_cores_busy_raw"]) < QUIET_OTHER_CORES
                             for r in rounds),
        "ratio_baseline": f"the best raw batched rate (batch {best['batch_size']}, pooled over {best['windows']} windows)",
        "ratio_service_to_raw": {
            **{f"batch_{r['batch_size']}": service_rate / r["sentences_per_second"] for r in raw_rates.values()},
            "best_batched": ratio,
            "best_batch_size": best["batch_size"],
        },
        # Less sensitive to other processes than the ratio of rates: what each side gets out of the CPU it was given.
        "cpu_efficiency_ratio": (service_rate / service_cores) / (best["sentences_per_second"] / best["cpu_cores_used"]),
        "rounds": rounds,
        "round_ratio": {"min": min(r["ratio"] for r in rounds), "median": median([r["ratio"] for r in rounds]),
                        "max": max(r["ratio"] for r in rounds)},
    }


def assemble(args):
    work = args.work
    meta = load(os.path.join(work, "meta.json")) or {}
    phases = load(os.path.join(work, "phases.json")) or {}
    extra = {"smoke": args.smoke, **meta}

    embedding = assemble_embedding(work)
    if embedding:
        extra["embedding"] = {**embedding, "machine": phases.get("embedding")}

    vector = load(os.path.join(work, "vector.json"))
    if vector:
        sizes = []
        for size in vector["sizes"]:
            index = size["indexes"][0]
            searches = {(s["top_k"], s["threads"]): s for s in index["searches"]}
            entry = {"vectors": size["vectors"], "quantization": index["quantization"],
                     "connectivity": index["connectivity"], "expansion_add": index["expansion_add"],
                     "expansion_search": index["expansion_search"],
                     "build_seconds": index["build_seconds"], "build_vectors_per_second": index["build_vectors_per_second"],
                     "file_bytes": index["file_bytes"], "rss_delta_bytes": index["rss_delta_bytes"]}
            for threads in (1, 2):
                if (5, threads) in searches:
                    s = searches[(5, threads)]
                    entry[f"top5_{threads}_thread"] = {"queries_per_second": s["queries_per_second"],
                                                        "p50_us": s["p50_us"], "p99_us": s["p99_us"]}
            if (5, 1) in searches:
                entry["recall_at_5"] = searches[(5, 1)]["recall_at_k"]
            if (10, 1) in searches:
                entry["recall_at_10"] = searches[(10, 1)]["recall_at_k"]
            sizes.append(entry)
        extra["vector_search"] = {"data": vector["data"], "queries": vector["queries"], "dimensions": vector["dimensions"],
                                  "exact_reference": "ExactVectorIndex (brute force)", "sizes": sizes,
                                  "machine": phases.get("vector")}

    memory = load(os.path.join(work, "memory.json"))
    if memory:
        ingest_report = memory["ingest"]
        baseline = ingest_report["baseline"]["VmRSS"]
        points = []
        previous_chunks, previous_rss = 0, baseline
        for p in ingest_report["points"]:
            marginal = (p["VmRSS"] - previous_rss) / (p["chunks"] - previous_chunks) if p["chunks"] > previous_chunks else None
            previous_chunks, previous_rss = p["chunks"], p["VmRSS"]
            points.append({"rss_marginal_per_chunk_bytes": marginal, "chunks": p["chunks"], "indexed": p["indexed"], "elapsed_s": p["elapsed_s"],
                           "chunks_per_second": p["chunks_per_second"], "rss_bytes": p["VmRSS"],
                           "peak_rss_bytes": p["VmHWM"], "rss_anon_bytes": p.get("RssAnon"),
                           "rss_per_chunk_bytes": (p["VmRSS"] - baseline) / p["chunks"]})
        last = ingest_report["points"][-1]
        extra["memory"] = {
            "embeddings": "openai provider against Groundwork.FakeUpstream: 384-d feature-hashed vectors",
            "paragraph_chars": ingest_report["paragraph_chars"], "per_document_paragraphs": ingest_report["per_document_paragraphs"],
            "concurrency": ingest_report["concurrency"],
            "rss_ready_empty_bytes": baseline, "points": points,
            "stopped_early_at": ingest_report.get("stopped_early_at"),
            "graceful_stop_s": memory["stop_seconds"],
            "data_folder": memory["data_size"],
            "data_bytes_per_chunk": memory["data_size"]["total_bytes"] / last["chunks"],
            "restart": memory.get("restart"),
            "machine": phases.get("memory"),
        }

    results = load(args.results) or {}
    if not isinstance(results, dict):
        raise SystemExit(f"{args.results} does not hold a JSON object")
    results["extra"] = extra
    temporary = args.results + ".tmp"
    with open(temporary, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    os.replace(temporary, args.results)

    print(summary(extra))
    if not args.smoke and args.docs:
        rewrite_docs(args.docs, markdown(extra))


def summary(extra):
    lines = ["extra measurements" + (" (smoke: tiny sizes, not comparable)" if extra["smoke"] else "") + ":"]
    if "embedding" in extra:
        e = extra["embedding"]
        s = e["service"]
        raws = ", ".join(f"batch {r['batch_size']} {r['sentences_per_second']:,.0f}/s" for r in e["raw"])
        rr = e["round_ratio"]
        lines.append(f"  embeddings: service {s['sentences_per_second']:,.0f} sentences/s at {s['connections']} connections "
                     f"(p50 {s['latency_ms']['p50_median_of_windows']:.1f} ms, p99 {s['latency_ms']['p99_worst_window']:.1f} ms, "
                     f"errors {s['errors_total']}); raw ONNX {raws}")
        lines.append(f"  embeddings: ratio {e['ratio']:.3f} of {e['ratio_baseline']} "
                     f"(rounds {rr['min']:.3f}-{rr['max']:.3f}, median {rr['median']:.3f}); "
                     f"target {e['target']:.2f}: {'met' if e['meets_target'] else 'NOT met'}; "
                     f"sentences per CPU-second {e['cpu_efficiency_ratio']:.3f} of raw; "
                     f"other processes used up to {e['other_cpu_cores_busy_max']:.2f} cores"
                     + ("" if e["quiet_machine"] else " (machine busy: the ratio is not reliable, run again when quiet)"))
    if "vector_search" in extra:
        for v in extra["vector_search"]["sizes"]:
            one, two = v.get("top5_1_thread", {}), v.get("top5_2_thread", {})
            lines.append(f"  vector search {v['vectors']:,}: top-5 {one.get('queries_per_second', 0):,.0f} q/s 1 thread "
                         f"(p50 {one.get('p50_us', 0):.0f} µs, p99 {one.get('p99_us', 0):.0f} µs), "
                         f"{two.get('queries_per_second', 0):,.0f} q/s 2 threads; recall@10 {v.get('recall_at_10', float('nan')):.4f}")
    if "memory" in extra:
        m = extra["memory"]
        points = ", ".join(f"{p['chunks']:,} chunks {mib(p['rss_bytes'])}" for p in m["points"])
        lines.append(f"  memory: RSS empty {mib(m['rss_ready_empty_bytes'])}, {points}; "
                     f"data folder {mib(m['data_folder']['total_bytes'])}")
    return "\n".join(lines)


def markdown(extra):
    out = [f"Generated by `bench/extra.sh` on {extra.get('date', '?')} (commit {extra.get('commit', '?')}); "
           f"{extra.get('cores', '?')} cores, {extra.get('dotnet', '?')}, load average {extra.get('load_average_before', '?')} "
           "before the run. The machine is shared: treat single figures as ±30 %.", ""]
    if "embedding" in extra:
        e = extra["embedding"]
        s = e["service"]
        rounds = e["rounds"]
        out += ["### Local embeddings: through the service vs raw ONNX Runtime", "",
                f"Sentences: `{e['sentences_file']}` ({e['distinct_sentences']} distinct, "
                f"{e['mean_word_pieces']:.1f} word pieces on average), {e['model']}, "
                f"{e['intra_op_threads']} intra-op threads in both. {len(rounds)} round{'s' if len(rounds) != 1 else ''}: raw, service, raw, ..., raw, so both "
                "sides see the same machine load; rates are pooled over the windows.", "",
                "| path | sentences/s | latency p50 | p99 | CPU cores used |", "|---|---|---|---|---|",
                f"| service: `POST /embeddings`, 1 sentence per request, {s['connections']} connections (wrk), "
                f"{s['windows']} × {s['duration_s'] / s['windows']:.0f} s | {s['sentences_per_second']:,.0f} | "
                f"{s['latency_ms']['p50_median_of_windows']:.1f} ms | {s['latency_ms']['p99_worst_window']:.1f} ms | "
                f"{s['service_cpu_cores_used']:.2f} (other processes, wrk included, {s['other_cpu_cores_busy']:.2f}) |"]
        for r in e["raw"]:
            out.append(f"| raw: `MiniLmModel.Embed`, batches of {r['batch_size']} from one thread (tokenizing included), "
                       f"{r['windows']} × {r['seconds'] / r['windows']:.0f} s | {r['sentences_per_second']:,.0f} | "
                       f"{r['batch_ms_p50']:.1f} ms per batch | {r['batch_ms_p99']:.1f} ms | {r['cpu_cores_used']:.2f} "
                       f"(whole machine {r['machine_cpu_cores_busy']:.2f}) |")
        for r in e.get("raw_sorted_by_length") or []:
            out.append(f"| raw, for reference: batches of {r['batch_size']} of the sentences sorted by length (next to no "
                       f"padding), 1 × {r['seconds']:.0f} s | {r['sentences_per_second']:,.0f} | {r['batch_ms_p50']:.1f} ms per batch | "
                       f"{r['batch_ms_p99']:.1f} ms | {r['cpu_cores_used']:.2f} (whole machine {r['machine_cpu_cores_busy']:.2f}) |")
        c = e.get("coalesced_without_http")
        if c:
            out.append(f"| generator without HTTP: {c['callers']} concurrent single-sentence callers, "
                       f"{c['windows']} × {c['seconds'] / c['windows']:.0f} s | {c['sentences_per_second']:,.0f} | | | "
                       f"{c['cpu_cores_used']:.2f} (whole machine {c['machine_cpu_cores_busy']:.2f}) |")
        rr = e["round_ratio"]
        out += ["", f"**Service / raw: {e['ratio']:.3f}** of {e['ratio_baseline']}; target {e['target']:.2f} "
                f"{'met' if e['meets_target'] else '**not met**'}. Per round, against the raw windows on either side: "
                + ", ".join(f"{r['ratio']:.3f}" for r in rounds) + f" (median {rr['median']:.3f}). Other processes used "
                + ", ".join(f"{max(r['other_cpu_cores_busy_service'], r['other_cpu_cores_busy_raw']):.2f}" for r in rounds)
                + f" cores at most in each round ({'quiet enough' if e['quiet_machine'] else f'over {QUIET_OTHER_CORES}: the ratio is not reliable'}). Sentences per CPU-second of "
                f"the process, less sensitive to other load: service {s['sentences_per_cpu_second']:,.0f}, raw batch "
                f"{e['ratio_service_to_raw']['best_batch_size']} {next(r for r in e['raw'] if r['batch_size'] == e['ratio_service_to_raw']['best_batch_size'])['sentences_per_cpu_second']:,.0f} "
                f"({e['cpu_efficiency_ratio']:.3f}).",
                f"The service's background JIT used at least {s['jit_cpu_seconds']:.2f} CPU-s during the measured windows "
                f"(after a {e['warmup_s']:.0f} s warm-up; tier-up takes about 2 CPU-s in the first seconds under load).",
                "All ratios: " + ", ".join(f"{percent(v)} of batch {k.split('_')[1]}" for k, v in e["ratio_service_to_raw"].items()
                                           if k.startswith("batch_")) + (f"; the generator without HTTP reached {percent(c['ratio_to_best_raw'])}" if c else "") + ".",
                "The baseline batches take the sentences in file order and pad each batch to its longest sentence, as "
                "batching texts as they arrive does; the service sorts the texts it has queued by length and splits them into "
                "runs of similar length (src/Groundwork/Embeddings/EmbeddingBatcher.cs, PaddingPlanner.cs), so part of what it "
                "gains is padding the baseline does not avoid"
                + "".join(f"; against batches of the sentences sorted by length it reaches {percent(r['ratio_service_to_it'])}"
                          for r in e.get("raw_sorted_by_length") or []) + ".",
                "wrk errors: " + (", ".join(f"{k} {v}" for k, v in s["errors"].items() if v) or "none") + ". "
                "wrk (1 thread) ran on the same cores as the service.",
                machine_note(e.get("machine")), ""]
        out = [line for i, line in enumerate(out) if line or not (i and not out[i - 1])]
    if "vector_search" in extra:
        v = extra["vector_search"]
        out += ["### Vector search (bench/VectorIndexBench)", "",
                f"Data `{v['data']}` (sentence-like: low-rank structure plus noise, {v['dimensions']}-d, see "
                f"docs/vector-index-notes.md), {v['queries']:,} queries, USearch HNSW with the service defaults; "
                "recall against exact brute-force search.", "",
                "| vectors | build | top-5, 1 thread: q/s | p50 / p99 µs | top-5, 2 threads: q/s | p50 / p99 µs | recall@5 | recall@10 |",
                "|---|---|---|---|---|---|---|---|"]
        for x in v["sizes"]:
            one, two = x.get("top5_1_thread", {}), x.get("top5_2_thread", {})
            out.append(f"| {x['vectors']:,} | {x['build_seconds']:.1f} s ({x['build_vectors_per_second']:,.0f}/s) | "
                       f"{one.get('queries_per_second', 0):,.0f} | {one.get('p50_us', 0):.0f} / {one.get('p99_us', 0):.0f} | "
                       f"{two.get('queries_per_second', 0):,.0f} | {two.get('p50_us', 0):.0f} / {two.get('p99_us', 0):.0f} | "
                       f"{x.get('recall_at_5', float('nan')):.4f} | {x.get('recall_at_10', float('nan')):.4f} |")
        out += ["", ("Build is single-threaded upserts of 1,000 vectors; 2 threads means two threads each running every query. "
                     + machine_note(v.get("machine"))).rstrip(), ""]
    if "memory" in extra:
        m = extra["memory"]
        out += ["### Memory and disk with many chunks", "",
                f"Service with `Embeddings:Provider=openai` against `Groundwork.FakeUpstream` (384-d feature-hashed vectors), "
                f"so embedding is cheap and the ONNX model is not loaded (roughly 300 MiB more: see the start-up figures above); documents of {m['per_document_paragraphs']:,} paragraphs "
                f"(one sentence of {m['paragraph_chars'][0]}-{m['paragraph_chars'][1]} characters each, so one chunk each) posted to `/documents`, {m['concurrency']} at a time.", "",
                "| chunks indexed | VmRSS | peak (VmHWM) | RSS over the empty service, per chunk | growth per chunk since the previous row | ingest time (cumulative) |",
                "|---|---|---|---|---|---|",
                f"| 0 (ready, empty) | {mib(m['rss_ready_empty_bytes'])} | | | | |"]
        for p in m["points"]:
            out.append(f"| {p['indexed']:,} | {mib(p['rss_bytes'])} | {mib(p['peak_rss_bytes'])} | "
                       f"{p['rss_per_chunk_bytes']:,.0f} B | {p['rss_marginal_per_chunk_bytes']:,.0f} B | "
                       f"{p['elapsed_s']:.0f} s ({p['chunks_per_second']:,.0f} chunks/s) |")
        if m.get("stopped_early_at"):
            out.append(f"\nIngestion stopped at {m['stopped_early_at']:,} chunks: the time budget ran out.")
        files = m["data_folder"]["files"]
        out += ["", f"Data folder after a graceful stop ({m['graceful_stop_s']:.1f} s, which saves the index): "
                f"{mib(m['data_folder']['total_bytes'])} = {m['data_bytes_per_chunk']:,.0f} B per chunk ("
                + ", ".join(f"`{name}` {mib(size)}" for name, size in sorted(files.items())) + ")."]
        if m.get("restart"):
            r = m["restart"]
            how = {"loaded": "loaded from its file", "rebuilt": "rebuilt from SQLite"}.get(r.get("index"), "how is unknown")
            out.append(f"Restarted on that folder: ready in {r['ready_s']:.1f} s (index {how}"
                       + (f" in {r['index_ms']:,.0f} ms" if r.get("index_ms") is not None else "")
                       + f"), VmRSS {mib(r['rss_bytes'])}: what a fresh process holds for the same data. The figures above are "
                       "higher by what ingesting left allocated in the process (.NET heaps, buffers).")
        note = machine_note(m.get("machine"))
        if note:
            out.append(note)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def machine_note(machine):
    if not machine:
        return ""
    return (f"Machine during this part: load average {machine['load_average_before']} before, "
            f"{machine['machine_cpu_cores_busy']:.2f} cores busy on average over {machine['seconds']:.0f} s (all processes).")


def rewrite_docs(path, body):
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    section = f"{START_MARK}\n{body}{END_MARK}"
    if START_MARK in text and END_MARK in text:
        before, rest = text.split(START_MARK, 1)
        after = rest.split(END_MARK, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + f"\n\n{HEADING}\n\n{section}\n"
    with open(path, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("free-port")
    p = sub.add_parser("wait-ready"); p.add_argument("url"); p.add_argument("timeout", type=float)
    p = sub.add_parser("wait-http"); p.add_argument("url"); p.add_argument("timeout", type=float)
    p = sub.add_parser("cpu"); p.add_argument("pid", type=int)
    p = sub.add_parser("memory"); p.add_argument("pid", type=int)
    p = sub.add_parser("ingest")
    p.add_argument("--url", required=True); p.add_argument("--pid", type=int, required=True)
    p.add_argument("--targets", required=True); p.add_argument("--per-doc", type=int, default=1000)
    p.add_argument("--concurrency", type=int, default=2); p.add_argument("--budget-s", type=float, default=300)
    p.add_argument("--already", type=int, default=0)
    p = sub.add_parser("data-size"); p.add_argument("directory")
    p = sub.add_parser("phase"); p.add_argument("work"); p.add_argument("name"); p.add_argument("edge", choices=["begin", "end"])
    p = sub.add_parser("assemble")
    p.add_argument("--work", required=True); p.add_argument("--results", required=True)
    p.add_argument("--smoke", action="store_true"); p.add_argument("--docs")
    args = parser.parse_args()

    if args.command == "free-port":
        print(free_port())
    elif args.command == "wait-ready":
        print(f"{wait_ready(args.url.rstrip('/'), args.timeout):.3f}")
    elif args.command == "wait-http":
        print(f"{wait_http(args.url, args.timeout):.3f}")
    elif args.command == "cpu":
        busy, _ = machine_cpu()
        print(f"{cpu_seconds(args.pid)} {busy} {json.dumps(jit_cpu_seconds(args.pid), separators=(',', ':'))}")
    elif args.command == "memory":
        print(json.dumps(proc_memory(args.pid)))
    elif args.command == "ingest":
        ingest(args)
    elif args.command == "phase":
        phase(args.work, args.name, args.edge)
    elif args.command == "data-size":
        print(json.dumps(data_size(args.directory)))
    elif args.command == "assemble":
        assemble(args)


if __name__ == "__main__":
    main()
