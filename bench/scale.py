"""Helpers for bench/scale.sh (standard library only; run with Debian's /usr/bin/python3). Reuses bench/extra.py.

Subcommands:
  queries --url U --count N --out DIR   write DIR/queries.txt (deterministic topic queries) and DIR/queries.f32,
                                        their vectors from the service's POST /embeddings (what a search embeds)
  export --db FILE --out DIR            write DIR/ids.i64 and DIR/vectors.f32: every chunk's id and stored embedding,
                                        in id order, for bench/VectorIndexBench (BENCH_DATA=file:DIR)
  search --url U --queries FILE --top-k K --out FILE
                                        POST /search (vector mode) once per query from one client; ids and latencies
  recall --found FILE --truth FILE --vectors DIR
                                        recall@k of the service's answers against VectorIndexBench's exact top-k
  index-line LOG                        JSON of the service's "Vector index ready" log line
  note WORK KEY (--json J | --file F | --wrk F [--load-before L] | --memory PID | --load)
                                        store a value at KEY (dotted) in WORK/state.json
  assemble --work DIR --results FILE [--smoke] [--docs FILE]
                                        build the results JSON from WORK, print a summary and (unless --smoke)
                                        rewrite the marked section of the docs file
"""
import argparse
import array
import base64
import bisect
import http.client
import json
import math
import os
import random
import re
import sqlite3
import sys
import time
import urllib.parse

# Groundwork's API key (the bench scripts set GROUNDWORK_KEY and start the service with it); health probes need none.
AUTH = {"Authorization": "Bearer " + os.environ["GROUNDWORK_KEY"]} if os.environ.get("GROUNDWORK_KEY") else {}

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from extra import Paragraphs, load, proc_memory  # noqa: E402

START_MARK = "<!-- bench:scale:start -->"
END_MARK = "<!-- bench:scale:end -->"
DIMENSIONS = 384
TIE_TOLERANCE = 1e-6


def load_average():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def connection(url):
    parsed = urllib.parse.urlsplit(url)
    if parsed.hostname != "127.0.0.1":
        raise SystemExit(f"{url}: this harness only talks to 127.0.0.1")
    return http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=600)


def post(conn, path, payload):
    conn.request("POST", path, body=json.dumps(payload).encode(), headers={"Content-Type": "application/json", **AUTH})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"POST {path} answered {response.status}: {body[:300]!r}")
    return json.loads(body)


def query_texts(count, seed=7):
    """Queries of 6-16 words drawn from one topic of the ingested paragraphs (the same topics: Paragraphs' seed)."""
    fragments = Paragraphs().fragments
    rng = random.Random(seed)
    texts, seen = [], set()
    while len(texts) < count:
        words = " ".join(rng.sample(rng.choice(fragments), 2)).split()
        rng.shuffle(words)
        text = " ".join(words[:rng.randint(6, 16)])
        if text not in seen:
            seen.add(text)
            texts.append(text)
    return texts


def queries(args):
    os.makedirs(args.out, exist_ok=True)
    texts = query_texts(args.count)
    with open(os.path.join(args.out, "queries.txt"), "w") as f:
        f.write("\n".join(texts) + "\n")
    conn = connection(args.url)
    vectors = array.array("f")
    for start in range(0, len(texts), 100):
        batch = texts[start:start + 100]
        body = post(conn, "/embeddings", {"input": batch, "encoding_format": "base64"})
        for item in sorted(body["data"], key=lambda d: d["index"]):
            vector = array.array("f", base64.b64decode(item["embedding"]))
            if len(vector) != DIMENSIONS:
                raise SystemExit(f"/embeddings answered {len(vector)} dimensions; expected {DIMENSIONS}")
            vectors.extend(vector)
    with open(os.path.join(args.out, "queries.f32"), "wb") as f:
        vectors.tofile(f)
    print(json.dumps({"queries": len(texts)}))


def export(args):
    os.makedirs(args.out, exist_ok=True)
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    count = 0
    with open(os.path.join(args.out, "ids.i64"), "wb") as ids, open(os.path.join(args.out, "vectors.f32"), "wb") as vectors:
        for chunk_id, embedding in db.execute("SELECT Id, Embedding FROM chunks ORDER BY Id"):
            if len(embedding) != DIMENSIONS * 4:
                raise SystemExit(f"chunk {chunk_id} has a {len(embedding)}-byte embedding; expected {DIMENSIONS * 4}")
            ids.write(chunk_id.to_bytes(8, "little", signed=True))
            vectors.write(embedding)
            count += 1
    print(json.dumps({"chunks": count}))


def percentile(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p))]


def search(args):
    texts = [line.rstrip("\n") for line in open(args.queries) if line.strip()]
    conn = connection(args.url)
    # min_relevance 0: recall is measured against exact top k, whatever the relevance of the fake vectors.
    payload = lambda text: {"query": text, "top_k": args.top_k, "mode": "vector", "min_relevance": 0}  # noqa: E731
    for text in texts[:50]:
        post(conn, "/search", payload(text))
    found, latencies = [], []
    load_before = load_average()
    for text in texts:
        began = time.perf_counter()
        body = post(conn, "/search", payload(text))
        latencies.append((time.perf_counter() - began) * 1000)
        found.append([hit["chunk_id"] for hit in body["results"]])
    ordered = sorted(latencies)
    json.dump({"top_k": args.top_k, "queries": len(texts), "found": found, "load_average_before": load_before,
               "load_average_after": load_average(),
               "latency_ms": {"p50": percentile(ordered, 0.5), "p90": percentile(ordered, 0.9),
                              "p99": percentile(ordered, 0.99), "max": ordered[-1]}},
              open(args.out, "w"))


class StoredVectors:
    """The exported chunk vectors, read one at a time by chunk id."""

    def __init__(self, directory):
        self.ids = array.array("q")
        with open(os.path.join(directory, "ids.i64"), "rb") as f:
            self.ids.frombytes(f.read())
        self.file = open(os.path.join(directory, "vectors.f32"), "rb")

    def vector(self, chunk_id):
        row = bisect.bisect_left(self.ids, chunk_id)
        if row == len(self.ids) or self.ids[row] != chunk_id:
            raise SystemExit(f"chunk {chunk_id} was returned by the service but is not in the export")
        self.file.seek(row * DIMENSIONS * 4)
        return array.array("f", self.file.read(DIMENSIONS * 4))


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def recall(args):
    found = json.load(open(args.found))
    truth = json.load(open(args.truth))
    stored = StoredVectors(args.vectors)
    query_vectors = array.array("f")
    with open(os.path.join(args.vectors, "queries.f32"), "rb") as f:
        query_vectors.frombytes(f.read())
    k = found["top_k"]
    hits = hits_ties = short = 0
    for q, ids in enumerate(found["found"]):
        expected = truth["ids"][q][:k]
        kth = truth["scores"][q][k - 1]
        short += k - len(ids)
        query = query_vectors[q * DIMENSIONS:(q + 1) * DIMENSIONS]
        for chunk_id in ids:
            if chunk_id in expected:
                hits += 1
                hits_ties += 1
            elif cosine(query, stored.vector(chunk_id)) >= kth - TIE_TOLERANCE:
                hits_ties += 1
    total = len(found["found"]) * k
    print(json.dumps({"top_k": k, "queries": len(found["found"]), "recall_at_k": hits / total,
                      "recall_at_k_ties": hits_ties / total, "missing_results": short}))


def index_line(path):
    text = open(path).read().replace("\n      ", " ")
    ready = re.search(r"Vector index ready: (\d+) chunks, (loaded from|rebuilt from) .*? in ([\d.,]+) ms", text)
    return {"chunks": int(ready.group(1)) if ready else None,
            "how": ("loaded" if ready.group(2) == "loaded from" else "rebuilt") if ready else "unknown",
            "index_ms": float(ready.group(3).replace(",", "")) if ready else None,
            "stale_warning": "Saved vector index is stale" in text or "could not be read" in text}


def wrk_result(path):
    line = next(l for l in open(path) if l.startswith("WRK_JSON "))
    return json.loads(line[len("WRK_JSON "):])


def note(args):
    path = os.path.join(args.work, "state.json")
    state = load(path) or {}
    if args.json is not None:
        value = json.loads(args.json)
    elif args.file:
        value = load(args.file)
    elif args.wrk:
        value = {**wrk_result(args.wrk), "load_average_before": args.load_before, "load_average_after": load_average()}
    elif args.memory:
        value = {**proc_memory(args.memory), "load_average": load_average()}
    else:
        value = load_average()
    if args.load_before and isinstance(value, dict) and "load_average_before" not in value:
        value["load_average_before"] = args.load_before
    node = state
    keys = args.key.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    with open(path + ".tmp", "w") as f:
        json.dump(state, f, indent=1)
    os.replace(path + ".tmp", path)


# --- assembly ---------------------------------------------------------------------------------------------------

def span(values):
    values = [v for v in values if v is not None]
    return [min(values), max(values)] if values else None


def first_load(text):
    return float(text.split()[0]) if text else None


def wrk_summary(runs):
    """Every repeat of one wrk row, and the range of each figure over them."""
    rows = []
    for w in runs:
        seconds = w["duration_us"] / 1e6
        rows.append({"requests_per_second": (w["requests"] - w["errors"]["status"]) / seconds, "requests": w["requests"],
                     "errors": sum(w["errors"].values()), "p50_ms": w["latency_us"]["p50"] / 1000,
                     "p90_ms": w["latency_us"]["p90"] / 1000, "p99_ms": w["latency_us"]["p99"] / 1000,
                     "max_ms": w["latency_us"]["max"] / 1000, "load_average_before": w["load_average_before"],
                     "load_average_after": w["load_average_after"]})
    return {"runs": rows, "errors": sum(r["errors"] for r in rows),
            **{key: span([r[key] for r in rows]) for key in ("requests_per_second", "p50_ms", "p90_ms", "p99_ms")},
            "load_average_1min": span([first_load(r[k]) for r in rows for k in ("load_average_before", "load_average_after")])}


def bench_summary(report):
    """The figures of one VectorIndexBench JSON report with one size and one index; ranges over BENCH_REPEAT runs."""
    if not report:
        return None
    size = report["sizes"][0]
    index = size["indexes"][0]
    top10 = {}
    for threads in sorted({s["threads"] for s in index["searches"] if s["top_k"] == 10}):
        runs = [s for s in index["searches"] if s["top_k"] == 10 and s["threads"] == threads]
        top10[str(threads)] = {
            "runs": [{k: r.get(k) for k in ("queries_per_second", "p50_us", "p90_us", "p99_us", "max_us", "load_average")}
                     for r in runs],
            "recall_at_k": span([r["recall_at_k"] for r in runs]), "recall_at_k_ties": span([r["recall_at_k_ties"] for r in runs]),
            **{key: span([r[key] for r in runs]) for key in ("queries_per_second", "p50_us", "p99_us")},
            "load_average_1min": span([first_load(r.get("load_average")) for r in runs]),
        }
    return {"vectors": size["vectors"], "data": report["data"], "queries": report["queries"], "source": index["source"],
            "quantization": index["quantization"], "connectivity": index["connectivity"],
            "expansion_add": index["expansion_add"], "expansion_search": index["expansion_search"],
            "build_seconds": index["build_seconds"], "build_vectors_per_second": index["build_vectors_per_second"],
            "native_memory_bytes": index["native_memory_bytes"], "rss_delta_bytes": index["rss_delta_bytes"],
            "file_bytes": index["file_bytes"], "save_ms": index["save_ms"], "load_ms": index["load_ms"],
            "top10": top10, "ef_search_sweep": index.get("ef_sweep") or [],
            "load_average_before": report.get("load_average_before")}


def exponent(x1, y1, x2, y2):
    if not y1 or not y2:
        return None
    return math.log(y2 / y1) / math.log(x2 / x1)


def power_fit(x1, y1, x2, y2, x):
    p = exponent(x1, y1, x2, y2)
    return None if p is None else y2 * (x / x2) ** p


def extrapolate(x1, y1, x2, y2, x):
    if y1 is None or y2 is None:
        return None
    return y2 + (y2 - y1) * (x - x2) / (x2 - x1)


def assemble(args):
    work = args.work
    state = load(os.path.join(work, "state.json")) or {}
    meta = load(os.path.join(work, "meta.json")) or {}
    out = {"smoke": args.smoke, **meta, "runtime_s": state.get("runtime_s"), "service": None, "index_only": []}

    sizes = []
    for key in sorted(state.get("sizes", {}), key=int):
        s = state["sizes"][key]
        chunks = int(key)
        ingest = s.get("ingest", {})
        point = ingest["points"][-1] if ingest.get("points") else {}
        disk = s.get("disk_stopped", {}).get("files", {})
        running = s.get("disk_running", {}).get("files", {})
        loaded, rebuilt = s.get("loaded", {}), s.get("rebuilt", {})
        entry = {
            "chunks": chunks,
            "ingest": {"chunks": point.get("chunks"), "indexed": point.get("indexed"), "seconds": point.get("elapsed_s"),
                       "chunks_per_second": point.get("chunks_per_second"), "from_chunks": ingest.get("already"),
                       "rss_bytes": point.get("VmRSS"), "peak_rss_bytes": point.get("VmHWM"),
                       "stopped_early_at": ingest.get("stopped_early_at")},
            "disk": {"stopped": s.get("disk_stopped"), "running_after_ingest": s.get("disk_running"),
                     "database_bytes": disk.get("groundwork.db"), "index_bytes": disk.get("vectors.usearch"),
                     "wal_bytes_running": running.get("groundwork.db-wal"),
                     "total_bytes": s.get("disk_stopped", {}).get("total_bytes")},
            "graceful_stop_s": s.get("stop_s"),
            "start_loaded": {"ready_s": loaded.get("ready_s"), **(loaded.get("index") or {}),
                             "rss_ready_bytes": (loaded.get("memory_ready") or {}).get("VmRSS"),
                             "rss_after_searches_bytes": (loaded.get("memory_after_searches") or {}).get("VmRSS"),
                             "peak_rss_bytes": (loaded.get("memory_after_searches") or {}).get("VmHWM"),
                             "load_average_before": loaded.get("load_average_before")},
            "start_rebuilt": {"ready_s": rebuilt.get("ready_s"), **(rebuilt.get("index") or {}),
                              "rss_ready_bytes": (rebuilt.get("memory_ready") or {}).get("VmRSS"),
                              "peak_rss_bytes": (rebuilt.get("memory_ready") or {}).get("VmHWM"),
                              "load_average_before": rebuilt.get("load_average_before")} if rebuilt else None,
            "search": {name: wrk_summary([runs[r] for r in sorted(runs, key=int)]) for name, runs in (s.get("wrk") or {}).items()},
            "search_single_client_python": {k: v for k, v in (s.get("search_pass") or {}).items() if k != "found"},
            "recall": s.get("recall"),
            "index_only_service_file": bench_summary(s.get("index_bench")),
        }
        if entry["disk"]["total_bytes"]:
            entry["disk"]["bytes_per_chunk"] = entry["disk"]["total_bytes"] / chunks
        sizes.append(entry)

    if sizes or state.get("empty"):
        empty = state.get("empty", {})
        service = {"embeddings": "openai provider against Groundwork.FakeUpstream (384-d feature-hashed vectors, no added latency)",
                   "vector_index": "service defaults: Float16, M 16, ef_add 128, ef_search 64, 64 search slots",
                   "queries": state.get("queries"), "wrk_seconds": state.get("wrk_seconds"),
                   "per_document_paragraphs": state.get("per_doc"),
                   "rss_ready_empty_bytes": (empty.get("memory_ready") or {}).get("VmRSS"),
                   "ready_empty_s": empty.get("ready_s"), "sizes": sizes}
        service["per_chunk"] = per_chunk(service)
        service["budget_1m"] = budget(service, state)
        out["service"] = service

    for key in sorted(state.get("index_only", {}), key=int):
        summary = bench_summary(state["index_only"][key])
        if summary:
            out["index_only"].append(summary)
    if not out["index_only"] and args.index_from:
        # Comma-separated earlier results; for each size the last file that measured it wins.
        by_size = {}
        for path in args.index_from.split(","):
            earlier = load(path)
            for entry in earlier.get("index_only", []):
                by_size[entry["vectors"]] = {**entry, "from": {
                    "file": os.path.relpath(path, os.path.dirname(os.path.abspath(args.results))),
                    "date": earlier.get("date"), "commit": earlier.get("commit")}}
        out["index_only"] = [by_size[size] for size in sorted(by_size)]
    out["machine"] = load(os.path.join(work, "phases.json"))

    with open(args.results + ".tmp", "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    os.replace(args.results + ".tmp", args.results)
    body = markdown(out)
    print(body)
    if not args.smoke and args.docs:
        rewrite_docs(args.docs, body)


def per_chunk(service):
    """Marginal RSS and disk per chunk between the measured sizes (fresh process, index loaded from its file)."""
    rows = []
    previous_chunks, previous_rss = 0, service["rss_ready_empty_bytes"]
    previous_disk = None
    for s in service["sizes"]:
        rss = s["start_loaded"]["rss_ready_bytes"]
        disk = s["disk"]["total_bytes"]
        row = {"from_chunks": previous_chunks, "to_chunks": s["chunks"]}
        if rss is not None and previous_rss is not None:
            row["rss_bytes_per_chunk"] = (rss - previous_rss) / (s["chunks"] - previous_chunks)
            row["rss_mib_per_100k"] = row["rss_bytes_per_chunk"] * 100_000 / 2**20
        if disk is not None and previous_disk is not None:
            row["disk_bytes_per_chunk"] = (disk - previous_disk) / (s["chunks"] - previous_chunks)
        rows.append(row)
        previous_chunks, previous_rss, previous_disk = s["chunks"], rss, disk
    return rows


def budget(service, state):
    """1M chunks, extrapolated along the line through the two largest measured sizes."""
    sizes = service["sizes"]
    if len(sizes) < 2:
        return None
    a, b = sizes[-2], sizes[-1]
    target = 1_000_000
    if b["chunks"] >= target:
        return None

    def line(get):
        try:
            return extrapolate(a["chunks"], get(a), b["chunks"], get(b), target)
        except (KeyError, TypeError):
            return None

    return {
        "chunks": target, "method": f"linear through {a['chunks']:,} and {b['chunks']:,} chunks",
        "rss_loaded_bytes": line(lambda s: s["start_loaded"]["rss_ready_bytes"]),
        "rss_after_searches_bytes": line(lambda s: s["start_loaded"]["rss_after_searches_bytes"]),
        "rss_after_ingest_bytes": line(lambda s: s["ingest"]["rss_bytes"]),
        "disk_total_bytes": line(lambda s: s["disk"]["total_bytes"]),
        "database_bytes": line(lambda s: s["disk"]["database_bytes"]),
        "index_bytes": line(lambda s: s["disk"]["index_bytes"]),
        "ready_loaded_s": line(lambda s: s["start_loaded"]["ready_s"]),
        "index_load_ms": line(lambda s: s["start_loaded"]["index_ms"]),
        "ready_rebuilt_s": line(lambda s: s["start_rebuilt"]["ready_s"]),
        "index_rebuild_ms": line(lambda s: s["start_rebuilt"]["index_ms"]),
        # HNSW insertion slows as the graph grows, so a straight line underestimates a rebuild; y = c * n^p through
        # the same two points is given next to it.
        "index_rebuild_ms_power_fit": power_fit(a["chunks"], (a["start_rebuilt"] or {}).get("index_ms"),
                                                b["chunks"], (b["start_rebuilt"] or {}).get("index_ms"), target),
        "index_rebuild_exponent": exponent(a["chunks"], (a["start_rebuilt"] or {}).get("index_ms"),
                                           b["chunks"], (b["start_rebuilt"] or {}).get("index_ms")),
        "ingest_seconds_from_empty": target / b["ingest"]["chunks_per_second"] if b["ingest"]["chunks_per_second"] else None,
    }


def fmt(x, spec, suffix=""):
    return "–" if x is None else format(x, spec) + suffix


def fmib(x):
    return "–" if x is None else f"{x / 2**20:,.1f} MiB"


def frange(pair, spec, suffix=""):
    """A measured range "a – b" (one value when the runs agree to the shown precision)."""
    if not pair:
        return "–"
    low, high = (format(v, spec) for v in pair)
    return f"{low}{suffix}" if low == high else f"{low} – {high}{suffix}"


def fload(pair):
    return frange(pair, ".1f")


def seconds(x):
    return fmt(x, ",.1f", " s")


def markdown(out):
    lines = [f"Generated by `bench/scale.sh` on {out.get('date', '?')} (commit {out.get('commit', '?')}); "
             f"{out.get('cores', '?')} cores, {out.get('dotnet', '?')}; the run took {fmt(out.get('runtime_s'), '.0f', ' s')}. "
             "The machine is shared: figures are ranges over repeats, each with the 1-minute load average over those repeats "
             "(2 cores: above 2, other processes were waiting for CPU).", ""]
    service = out.get("service")
    if service and service["sizes"]:
        sizes = service["sizes"]
        lines += ["### Search through the service", "",
                  f"{service['embeddings']}; vector index with the {service['vector_index']}. "
                  f"{service['queries']} distinct queries (6-16 words from one topic of the ingested paragraphs) sent with wrk "
                  f"(1 thread; {service['wrk_seconds']} s per run) to a service restarted on the saved data. "
                  "`/search` is `{\"query\", \"top_k\": 10, \"mode\": \"vector\"}`: embedding call to the fake upstream, "
                  "HNSW search, chunk rows from SQLite, JSON. `/embeddings` is the embedding call alone, through the service.", "",
                  "| chunks | request | connections | runs | requests/s | p50 | p90 | p99 | load avg (1 min) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for s in sizes:
            for name, label in (("search_c1", "`/search` top-10 vector"), ("search_c8", "`/search` top-10 vector"),
                                ("embeddings_c1", "`/embeddings`, 1 query"), ("embeddings_c8", "`/embeddings`, 1 query")):
                w = s["search"].get(name)
                if w:
                    lines.append(f"| {s['chunks']:,} | {label} | {name.split('_c')[1]} | {len(w['runs'])} | "
                                 f"{frange(w['requests_per_second'], ',.0f')} | {frange(w['p50_ms'], '.2f', ' ms')} | "
                                 f"{frange(w['p90_ms'], '.2f', ' ms')} | {frange(w['p99_ms'], '.2f', ' ms')} | "
                                 f"{fload(w['load_average_1min'])} |" + (f" {w['errors']} errors" if w["errors"] else ""))

        lines += ["", "### Recall and the index alone, on the service's own index", "",
                  "Exact answer: brute force in float32 (`ExactVectorIndex`) over the embeddings stored in SQLite, computed by "
                  "`VectorIndexBench` (`BENCH_DATA=file:`), with the query vectors the service's `POST /embeddings` returns. "
                  "Through the service: the chunk ids `/search` answered, one pass of every query from one client. "
                  "Index only: `VectorIndexBench` loads the service's saved `vectors.usearch` with the service's options and "
                  "searches the same query vectors in-process (no HTTP, no embedding). "
                  f"\"Ties counted\" also accepts a chunk whose exact cosine equals the 10th best to within {TIE_TOLERANCE:g}.", "",
                  "| chunks | recall@10 through the service | ties counted | index only: recall@10 | 1 thread: p50 | p99 | q/s | 2 threads: p50 | p99 | load avg (1 min) |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for s in sizes:
            r = s["recall"] or {}
            i = s["index_only_service_file"] or {}
            one, two = (i.get("top10") or {}).get("1", {}), (i.get("top10") or {}).get("2", {})
            lines.append(f"| {s['chunks']:,} | {fmt(r.get('recall_at_k'), '.4f')} | {fmt(r.get('recall_at_k_ties'), '.4f')} | "
                         f"{frange(one.get('recall_at_k'), '.4f')} | {frange(one.get('p50_us'), ',.0f', ' µs')} | "
                         f"{frange(one.get('p99_us'), ',.0f', ' µs')} | {frange(one.get('queries_per_second'), ',.0f')} | "
                         f"{frange(two.get('p50_us'), ',.0f', ' µs')} | {frange(two.get('p99_us'), ',.0f', ' µs')} | "
                         f"{fload(span((one.get('load_average_1min') or []) + (two.get('load_average_1min') or [])))} |")

        sweeps = [(s["chunks"], s["index_only_service_file"]["ef_search_sweep"]) for s in sizes
                  if s["index_only_service_file"] and s["index_only_service_file"]["ef_search_sweep"]]
        if sweeps:
            efs = sorted({e["expansion_search"] for _, sweep in sweeps for e in sweep})
            lines += ["", "The same saved index reloaded with other `VectorIndex:ExpansionSearch` values (1 thread, one run each): "
                      "recall@10 (queries/s).", "",
                      "| chunks | " + " | ".join(f"ef_search {e}" + (" (default)" if e == 64 else "") for e in efs) + " |",
                      "|---|" + "---|" * len(efs)]
            for chunks, sweep in sweeps:
                by_ef = {e["expansion_search"]: e for e in sweep}
                lines.append(f"| {chunks:,} | " + " | ".join(
                    f"{by_ef[e]['recall_at_10']:.4f} ({by_ef[e]['queries_per_second']:,.0f}/s)" if e in by_ef else "–" for e in efs) + " |")

        lines += ["", "### Memory, disk and start-up", "",
                  "RSS: VmRSS of a service started on the data folder, 2 s after `/health/ready` (index loaded from its file), "
                  "and again after the search runs above; \"after ingest\" is the process that did the ingesting, which still "
                  "holds what ingestion allocated. Disk: the data folder after a graceful stop (the WAL is checkpointed then; "
                  "its size while running is shown apart). Ready: from process launch to a healthy `/health/ready`; the "
                  "index's own load or rebuild time, from the service's log, in brackets.", "",
                  "| chunks | RSS ready | after searches | after ingest (peak) | `groundwork.db` | `vectors.usearch` | WAL while running | disk per chunk | ready, index loaded | ready, index rebuilt | RSS after rebuild |",
                  "|---|---|---|---|---|---|---|---|---|---|---|",
                  f"| 0 | {fmib(service['rss_ready_empty_bytes'])} | | | | | | | {seconds(service.get('ready_empty_s'))} | | |"]
        for s in sizes:
            l, r, d, g = s["start_loaded"], s["start_rebuilt"] or {}, s["disk"], s["ingest"]
            lines.append(f"| {s['chunks']:,} | {fmib(l['rss_ready_bytes'])} | {fmib(l['rss_after_searches_bytes'])} | "
                         f"{fmib(g['rss_bytes'])} ({fmib(g['peak_rss_bytes'])}) | {fmib(d['database_bytes'])} | "
                         f"{fmib(d['index_bytes'])} | {fmib(d['wal_bytes_running'])} | {fmt(d.get('bytes_per_chunk'), ',.0f', ' B')} | "
                         f"{seconds(l['ready_s'])} ({fmt(l.get('index_ms'), ',.0f', ' ms')}; load avg {fmt(first_load(l.get('load_average_before')), '.1f')}) | "
                         f"{seconds(r.get('ready_s'))} ({fmt(r.get('index_ms'), ',.0f', ' ms')}; load avg {fmt(first_load(r.get('load_average_before')), '.1f')}) | "
                         f"{fmib(r.get('rss_ready_bytes'))} |")
        lines += ["", "Per chunk, between measured sizes (fresh process, index loaded):", ""]
        for p in service["per_chunk"]:
            lines.append(f"- {p['from_chunks']:,} → {p['to_chunks']:,}: RSS {fmt(p.get('rss_bytes_per_chunk'), ',.0f', ' B')} per chunk "
                         f"= {fmt(p.get('rss_mib_per_100k'), '.0f', ' MiB')} per 100k chunks"
                         + (f"; disk {p['disk_bytes_per_chunk']:,.0f} B per chunk" if p.get("disk_bytes_per_chunk") else ""))
        ingest_notes = [f"{s['ingest']['from_chunks'] or 0:,} → {s['ingest']['chunks'] or 0:,} in {seconds(s['ingest']['seconds'])} "
                        f"({fmt(s['ingest']['chunks_per_second'], ',.0f')} chunks/s)" for s in sizes]
        lines += [f"- Ingestion (`POST /documents?wait=true`, {service['per_document_paragraphs']:,} one-chunk paragraphs per "
                  "document, 2 documents at a time): " + "; ".join(ingest_notes) + "."]

        b = service.get("budget_1m")
        if b:
            lines += ["", f"### 1M chunks, extrapolated ({b['method']}; not measured through the service)", "",
                      "| what | 1M chunks |", "|---|---|",
                      f"| RSS, fresh process, index loaded | {fmib(b['rss_loaded_bytes'])} |",
                      f"| RSS after the search runs | {fmib(b['rss_after_searches_bytes'])} |",
                      f"| RSS of the process that ingested everything | {fmib(b['rss_after_ingest_bytes'])} |",
                      f"| disk: `groundwork.db` + `vectors.usearch` | {fmib(b['disk_total_bytes'])} "
                      f"({fmib(b['database_bytes'])} + {fmib(b['index_bytes'])}) |",
                      f"| ready, index loaded from its file | {seconds(b['ready_loaded_s'])} (load {fmt(b['index_load_ms'], ',.0f', ' ms')}) |",
                      f"| ready, index rebuilt from SQLite | {seconds(b['ready_rebuilt_s'])} (rebuild {fmt(b['index_rebuild_ms'], ',.0f', ' ms')}) |",
                      f"| index rebuild, fitted as c·n^p instead (p = {fmt(b['index_rebuild_exponent'], '.2f')}) | "
                      f"{seconds(b['index_rebuild_ms_power_fit'] / 1000 if b['index_rebuild_ms_power_fit'] else None)} |",
                      f"| ingestion from empty, at the last size's rate | {seconds(b['ingest_seconds_from_empty'])} |"]
    if out["index_only"]:
        lines += ["", "### Index only, sentence-like data (VectorIndexBench with the service's settings)", "",
                  "`BENCH_DATA=lowrank:16` (the harness's stand-in for MiniLM embeddings, see docs/vector-index-notes.md), "
                  "`BENCH_QUANT=Float16`, the other options at the `VectorIndexOptions` defaults (as the service runs them), "
                  f"{out['index_only'][0]['queries']:,} queries, top-10; recall against exact brute force. One process per size; "
                  "build is single-threaded upserts of 1,000; \"2 threads\" is two threads each running every query."
                  + (" Copied from earlier runs of the index part, named in the first column." if any("from" in i for i in out["index_only"]) else ""), "",
                  "| vectors | build | native memory | RSS growth | file | load | 1 thread: q/s | p50 | p99 | 2 threads: q/s | p50 | p99 | recall@10 | load avg (1 min) |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for i in out["index_only"]:
            one, two = i["top10"].get("1", {}), i["top10"].get("2", {})
            source = f" (`{os.path.basename(i['from']['file'])}`)" if "from" in i else ""
            lines.append(f"| {i['vectors']:,}{source} | {seconds(i['build_seconds'])} ({fmt(i['build_vectors_per_second'], ',.0f')}/s) | "
                         f"{fmib(i['native_memory_bytes'])} ({i['native_memory_bytes'] / i['vectors']:,.0f} B) | "
                         f"{fmib(i['rss_delta_bytes'])} ({i['rss_delta_bytes'] / i['vectors']:,.0f} B) | "
                         f"{fmib(i['file_bytes'])} | {fmt(i['load_ms'], ',.0f', ' ms')} | "
                         f"{frange(one.get('queries_per_second'), ',.0f')} | {frange(one.get('p50_us'), ',.0f', ' µs')} | "
                         f"{frange(one.get('p99_us'), ',.0f', ' µs')} | {frange(two.get('queries_per_second'), ',.0f')} | "
                         f"{frange(two.get('p50_us'), ',.0f', ' µs')} | {frange(two.get('p99_us'), ',.0f', ' µs')} | "
                         f"{frange(one.get('recall_at_k'), '.4f')} | "
                         f"{fload(span([first_load(i.get('load_average_before'))] + (one.get('load_average_1min') or []) + (two.get('load_average_1min') or [])))} |")
    machine = out.get("machine") or {}
    if machine:
        lines += ["", "Machine during each part: " + "; ".join(
            f"{name} {m.get('seconds', 0):.0f} s, load average {m.get('load_average_before', '?')} before, "
            f"{m.get('machine_cpu_cores_busy', 0):.2f} cores busy on average" for name, m in machine.items()) + "."]
    return "\n".join(lines).rstrip() + "\n"


def rewrite_docs(path, body):
    text = open(path).read()
    if START_MARK not in text or END_MARK not in text:
        raise SystemExit(f"{path} has no {START_MARK} ... {END_MARK} section to rewrite")
    before, rest = text.split(START_MARK, 1)
    after = rest.split(END_MARK, 1)[1]
    with open(path, "w") as f:
        f.write(before + f"{START_MARK}\n{body}{END_MARK}" + after)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("queries"); p.add_argument("--url", required=True); p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("export"); p.add_argument("--db", required=True); p.add_argument("--out", required=True)
    p = sub.add_parser("search"); p.add_argument("--url", required=True); p.add_argument("--queries", required=True)
    p.add_argument("--top-k", type=int, default=10); p.add_argument("--out", required=True)
    p = sub.add_parser("recall"); p.add_argument("--found", required=True); p.add_argument("--truth", required=True)
    p.add_argument("--vectors", required=True)
    p = sub.add_parser("index-line"); p.add_argument("log")
    p = sub.add_parser("note"); p.add_argument("work"); p.add_argument("key")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--json"); group.add_argument("--file"); group.add_argument("--wrk")
    group.add_argument("--memory", type=int); group.add_argument("--load", action="store_true")
    p.add_argument("--load-before")
    p = sub.add_parser("assemble"); p.add_argument("--work", required=True); p.add_argument("--results", required=True)
    p.add_argument("--smoke", action="store_true"); p.add_argument("--docs"); p.add_argument("--index-from")
    args = parser.parse_args()
    if args.command == "index-line":
        print(json.dumps(index_line(args.log)))
    else:
        {"queries": queries, "export": export, "search": search, "recall": recall, "note": note,
         "assemble": assemble}[args.command](args)


if __name__ == "__main__":
    main()
