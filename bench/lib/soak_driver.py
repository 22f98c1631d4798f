"""Traffic for bench/soak.sh: a modest corpus, then mixed traffic with periodic heavy bursts and idle periods.

Standard library only (run with Debian's /usr/bin/python3); every request goes to BASE_URL, which soak.sh sets to
127.0.0.1. Every loop is bounded by the schedule's end time and each request by a timeout.

  ingest BASE_URL --documents N [--concurrency 4] [--seed 7]
      POST /documents?wait=true of N generated manuals (about ten 200-token chunks each); prints a JSON summary.
  traffic BASE_URL --phases OUT.json --total-s S --warmup-s S --burst-every-s S --burst-s S --idle-s S
          [--connections 16] [--burst-connections 4] [--think-ms 0] [--big-upload-mib 0.5] [--seed 7]
      Runs the schedule below, writing every phase's begin and end (unix times), the requests per operation and
      status, and the errors to OUT.json (rewritten at every phase change, so a cut-short run still has them).

The schedule: mixed traffic from 0 to total-s, except that at every multiple of burst-every-s (while the burst and
its idle period fit before total-s) the mixed traffic stops, a heavy burst runs for about burst-s (new burst
requests start until then; the burst ends when the last one finished and its big documents are deleted), and the
service is left idle (no requests at all) for idle-s before mixed traffic resumes. When a burst overruns, the idle
period still lasts idle-s and the traffic ends later than total-s (by the overrun, at least 10 s after the idle).

Mixed traffic (each of `connections` workers, one keep-alive connection each, picks by weight): POST /generate
(model local), POST /search (vector, keyword, hybrid; half with a filter on metadata, tags or created_at),
POST /embeddings (one text, or a batch of 2 to 64), GET /documents pages, GET /documents/stats, document uploads
(JSON, and multipart files of text or Markdown) and deletes of documents the traffic uploaded (at most 24 kept).
Bursts: POST /embeddings at the request budget (32 texts of 256 tokens, or 256-1,024 short ones), and big uploads (multipart .txt and JSON, about big-upload-mib
each, ?wait=true), all deleted when the burst ends.
"""
import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

# Groundwork's API key (the bench scripts set GROUNDWORK_KEY and start the service with it); health probes need none.
AUTH = {"Authorization": "Bearer " + os.environ["GROUNDWORK_KEY"]} if os.environ.get("GROUNDWORK_KEY") else {}

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from load_documents import SYSTEMS, TEAMS, document, sentence  # noqa: E402  (its generator, so corpora match)

TIMEOUT_S = 300
QUESTIONS = [
    "How often must the bearings of the turbine be inspected?",
    "What should operators do when the chiller trips on a seal alarm?",
    "Why do the valves of the compressor wear out early?",
    "Which team handles vibration on the pump station?",
    "How long to wait before restarting the boiler after an alarm?",
    "What shortens the service life of the condenser coils?",
    "When are the filters of the air handler replaced?",
    "How is corrosion on the heat exchanger gaskets logged?",
    "What does the checklist say about the transformer breaker panel?",
    "Who is told when the readings drift from the baseline?",
    "fuel cell thermocouples calibrated monthly",
    "cooling tower intake screen flushed after any alarm",
]


class Client:
    """One keep-alive HTTP/1.1 connection; reconnects after any failure."""

    def __init__(self, base):
        parsed = urllib.parse.urlsplit(base)
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"soak_driver: refusing non-loopback address {base}")
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.connection = None

    def request(self, method, path, body=None, content_type="application/json"):
        headers = dict(AUTH, **({"Content-Type": content_type} if body is not None else {}))
        for attempt in (0, 1):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                return response.status, data
            except (ConnectionError, http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def json(self, method, path, payload):
        status, data = self.request(method, path, json.dumps(payload).encode())
        return status, data


def multipart(files, fields=None):
    boundary = f"soak{random.getrandbits(64):016x}"
    parts = []
    for name, value in (fields or {}).items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for filename, content_type, content in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
                     f'Content-Type: {content_type}\r\n\r\n'.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def big_text(rng, mib):
    lines, size, target = [], 0, int(mib * 1024 * 1024)
    system = rng.choice(SYSTEMS)
    while size < target:
        paragraph = " ".join(sentence(rng, system) for _ in range(3))
        lines.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(lines)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.errors = []
        self.latency_s = {}

    def record(self, operation, status, seconds):
        with self.lock:
            key = f"{operation} {status}"
            self.counts[key] = self.counts.get(key, 0) + 1
            total = self.latency_s.setdefault(operation, [0, 0.0, 0.0])
            total[0] += 1
            total[1] += seconds
            total[2] = max(total[2], seconds)

    def error(self, operation, message):
        with self.lock:
            key = f"{operation} error"
            self.counts[key] = self.counts.get(key, 0) + 1
            if len(self.errors) < 50:
                self.errors.append(f"{time.strftime('%H:%M:%S')} {operation}: {message}"[:300])


# --- ingestion -------------------------------------------------------------------------------------------------------

def ingest(args):
    rng = random.Random(args.seed)
    bodies = []
    for number in range(args.documents):
        body = document(rng, number, 10, 3)
        body["tags"] = rng.sample(["manual", "safety", "ops", "legacy", "vendor"], 2)
        body["source"] = f"corpus-{number % 7}.txt"
        body["created_at"] = f"20{18 + number % 8}-0{1 + number % 9}-15T00:00:00Z"
        bodies.append(body)
    began = time.monotonic()
    chunks, failures, lock, cursor = [0], [], threading.Lock(), [0]

    def work():
        client = Client(args.url)
        while True:
            with lock:
                if cursor[0] >= len(bodies):
                    return
                body = bodies[cursor[0]]
                cursor[0] += 1
            status, data = client.json("POST", "/documents?wait=true", body)
            with lock:
                if status in (200, 201):
                    chunks[0] += json.loads(data).get("chunk_count", 0)
                else:
                    failures.append(f"{status} {data[:200]!r}")

    threads = [threading.Thread(target=work) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"ingest: {len(failures)} uploads failed, first: {failures[0]}")
    print(json.dumps({"documents": args.documents, "chunks": chunks[0], "seconds": round(time.monotonic() - began, 1)}))


# --- traffic ---------------------------------------------------------------------------------------------------------

class Traffic:
    def __init__(self, args):
        self.args = args
        self.stats = Stats()
        self.phases = []
        self.began = time.time()
        self.end = self.began + args.total_s
        self.mode = "mixed"  # mixed, burst, idle
        self.mode_changed = threading.Condition()
        self.uploaded = []  # ids of documents the mixed traffic uploaded, oldest first
        self.big = []  # ids of the current burst's big documents
        self.lock = threading.Lock()
        self.burst_deadline = 0.0
        self.in_flight = 0

    # phases
    def phase(self, name, edge):
        self.phases.append({"phase": name, "edge": edge, "time": round(time.time(), 3)})
        self.save()

    def save(self):
        with self.stats.lock:
            out = {"began": self.began, "settings": vars(self.args), "phases": self.phases,
                   "counts": dict(sorted(self.stats.counts.items())),
                   "latency": {op: {"requests": n, "mean_ms": round(1000 * total / n, 1), "max_ms": round(1000 * worst)}
                               for op, (n, total, worst) in sorted(self.stats.latency_s.items())},
                   "errors": self.stats.errors}
        temporary = self.args.phases + ".tmp"
        with open(temporary, "w") as f:
            json.dump(out, f, indent=1)
        os.replace(temporary, self.args.phases)

    def call(self, client, operation, method, path, body=None, content_type="application/json"):
        began = time.monotonic()
        try:
            status, data = client.request(method, path, body, content_type)
        except Exception as exception:  # noqa: BLE001 - any failure is counted, never fatal
            self.stats.error(operation, repr(exception))
            return None, b""
        self.stats.record(operation, status, time.monotonic() - began)
        if status >= 400:
            self.stats.error(operation, f"HTTP {status}: {data[:200]!r}")
        return status, data

    # mixed traffic
    def mixed_request(self, client, rng):
        operation = rng.choices(
            ["generate", "search", "embed1", "embed_batch", "list", "stats", "upload_json", "upload_file", "delete"],
            weights=[18, 34, 12, 8, 8, 2, 6, 4, 8])[0]
        question = rng.choice(QUESTIONS)
        if operation == "generate":
            self.call(client, "generate", "POST", "/generate",
                      json.dumps({"text": question, "model": "local", "max_tokens": 256}).encode())
        elif operation == "search":
            mode = rng.choice(["vector", "keyword", "hybrid"])
            body = {"query": question, "top_k": rng.choice([5, 10, 20]), "mode": mode}
            if rng.random() < 0.5:
                body["filter"] = rng.choice([
                    {"metadata.team": rng.choice(TEAMS)},
                    {"metadata.system": {"in": rng.sample(SYSTEMS, 3)}},
                    {"tags": {"any": ["safety", "vendor"]}},
                    {"created_at": {"gte": "2021-01-01", "lt": "2025-01-01"}},
                    {"source": {"ne": "corpus-3.txt"}, "tags": "manual"},
                ])
            self.call(client, f"search_{mode}", "POST", "/search", json.dumps(body).encode())
        elif operation == "embed1":
            self.call(client, "embeddings_1", "POST", "/embeddings",
                      json.dumps({"input": sentence(rng, rng.choice(SYSTEMS))}).encode())
        elif operation == "embed_batch":
            texts = [sentence(rng, rng.choice(SYSTEMS)) for _ in range(rng.randint(2, 64))]
            body = {"input": texts, "model": "all-MiniLM-L6-v2"}
            if rng.random() < 0.3:
                body["encoding_format"] = "base64"
            self.call(client, "embeddings_batch", "POST", "/embeddings", json.dumps(body).encode())
        elif operation == "list":
            self.call(client, "list", "GET", f"/documents?offset={rng.randint(0, 200)}&limit={rng.choice([10, 20, 100])}")
        elif operation == "stats":
            self.call(client, "stats", "GET", "/documents/stats")
        elif operation in ("upload_json", "upload_file"):
            number = rng.randint(100_000, 999_999)
            body = document(rng, number, rng.randint(2, 12), 3)
            body["tags"] = ["uploaded"]
            if operation == "upload_json":
                status, data = self.call(client, operation, "POST", "/documents?wait=true", json.dumps(body).encode())
                ids = [json.loads(data)["id"]] if status in (200, 201) else []
            else:
                extension, content_type = rng.choice([(".txt", "text/plain"), (".md", "text/markdown")])
                files = [(f"manual-{number}-{i}{extension}", content_type,
                          document(rng, number + i, rng.randint(2, 8), 3)["text"].encode()) for i in range(rng.randint(1, 3))]
                payload, multipart_type = multipart(files, {"tags": "uploaded,file"} if len(files) == 1 else None)
                status, data = self.call(client, operation, "POST", "/documents?wait=true", payload, multipart_type)
                ids = [d["id"] for d in json.loads(data)["documents"]] if status in (200, 201) else []
            with self.lock:
                self.uploaded.extend(ids)
            self.trim_uploaded(client, keep=24)
        else:
            self.trim_uploaded(client, keep=max(0, len(self.uploaded) - 1))

    def trim_uploaded(self, client, keep):
        while True:
            with self.lock:
                if len(self.uploaded) <= keep:
                    return
                victim = self.uploaded.pop(0)
            self.call(client, "delete", "DELETE", f"/documents/{victim}")

    def mixed_worker(self, number):
        rng = random.Random(self.args.seed * 1000 + number)
        client = Client(self.args.url)
        think = self.args.think_ms / 1000
        while time.time() < self.end:
            with self.mode_changed:
                while self.mode != "mixed" and time.time() < self.end:
                    self.mode_changed.wait(timeout=1)
                if time.time() >= self.end:
                    return
                self.in_flight += 1
            try:
                self.mixed_request(client, rng)
            finally:
                with self.mode_changed:
                    self.in_flight -= 1
                    self.mode_changed.notify_all()
            if think:
                time.sleep(think * rng.uniform(0.5, 1.5))

    # bursts
    def burst_worker(self, number, big_uploads):
        rng = random.Random(self.args.seed * 7777 + number)
        client = Client(self.args.url)
        first = True
        while first or time.time() < self.burst_deadline:
            if number < big_uploads and first:
                # One big upload per upload worker: multipart .txt, or JSON on odd workers.
                text = big_text(rng, self.args.big_upload_mib)
                if number % 2 == 0:
                    payload, content_type = multipart([(f"big-{number}.txt", "text/plain", text.encode())])
                    status, data = self.call(client, "burst_upload_file", "POST", "/documents?wait=true", payload,
                                             content_type)
                    ids = [d["id"] for d in json.loads(data)["documents"]] if status in (200, 201) else []
                else:
                    body = {"title": f"Big manual {number}", "text": text, "tags": ["big"]}
                    status, data = self.call(client, "burst_upload_json", "POST", "/documents?wait=true",
                                             json.dumps(body).encode())
                    ids = [json.loads(data)["id"]] if status in (200, 201) else []
                with self.lock:
                    self.big.extend(ids)
            else:
                # The costliest requests Embeddings:MaxRequestTokens (8,192 by default) admits: 32 texts the model
                # reads to its 256-token limit, or up to 1,024 short ones (each counts at least 8 tokens).
                if rng.random() < 0.5:
                    texts = [" ".join(sentence(rng, rng.choice(SYSTEMS)) for _ in range(12)) for _ in range(32)]
                else:
                    texts = [sentence(rng, rng.choice(SYSTEMS))[:40] for _ in range(rng.choice([256, 512, 1024]))]
                self.call(client, "burst_embeddings", "POST", "/embeddings", json.dumps({"input": texts}).encode())
            first = False

    def burst(self, index):
        with self.mode_changed:
            self.mode = "burst"
            while self.in_flight:
                self.mode_changed.wait(timeout=1)
        self.phase(f"burst{index}", "begin")
        self.burst_deadline = time.time() + self.args.burst_s
        big_uploads = min(2, self.args.burst_connections)
        workers = [threading.Thread(target=self.burst_worker, args=(n, big_uploads))
                   for n in range(self.args.burst_connections)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        client = Client(self.args.url)
        for victim in self.big:
            self.call(client, "burst_delete", "DELETE", f"/documents/{victim}")
        self.big.clear()
        self.phase(f"burst{index}", "end")
        with self.mode_changed:
            self.mode = "idle"
        self.phase(f"idle{index}", "begin")
        # The whole idle period, even when the burst overran: the traffic then ends a little later (at least 10 s of
        # mixed traffic after the idle period).
        time.sleep(self.args.idle_s)
        self.end = max(self.end, time.time() + 10)
        self.phase(f"idle{index}", "end")
        with self.mode_changed:
            self.mode = "mixed"
            self.mode_changed.notify_all()

    def run(self):
        args = self.args
        self.phase("traffic", "begin")
        self.phases.append({"phase": "warmup", "edge": "end", "time": round(self.began + args.warmup_s, 3)})
        workers = [threading.Thread(target=self.mixed_worker, args=(n,), daemon=True) for n in range(args.connections)]
        for worker in workers:
            worker.start()
        index, planned_end, resumed = 1, self.end, self.began
        while True:
            # At every multiple of burst-every-s, but after at least half of it of mixed traffic when the previous
            # burst overran; only while it fits before total-s (10 s of slack for the burst's last requests).
            start = max(self.began + index * args.burst_every_s, resumed + args.burst_every_s / 2)
            if args.burst_every_s <= 0 or start + args.burst_s + args.idle_s + 10 > planned_end:
                break
            while time.time() < start:
                time.sleep(min(1.0, start - time.time()))
                self.save()
            self.burst(index)
            resumed = time.time()
            index += 1
        while time.time() < self.end:
            time.sleep(min(5.0, max(0.0, self.end - time.time())))
            self.save()
        with self.mode_changed:
            self.mode_changed.notify_all()
        for worker in workers:
            worker.join(timeout=TIMEOUT_S)
        self.phase("traffic", "end")
        counts = self.stats.counts
        total = sum(counts.values())
        failed = sum(n for key, n in counts.items() if not key.split()[-1].isdigit() or int(key.split()[-1]) >= 400)
        print(json.dumps({"requests": total, "failed": failed, "bursts": index - 1}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest")
    p.add_argument("url")
    p.add_argument("--documents", type=int, required=True)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--seed", type=int, default=7)
    p = sub.add_parser("traffic")
    p.add_argument("url")
    p.add_argument("--phases", required=True)
    for name in ("total-s", "warmup-s", "burst-every-s", "burst-s", "idle-s"):
        p.add_argument(f"--{name}", type=float, required=True)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--burst-connections", type=int, default=4)
    p.add_argument("--think-ms", type=float, default=0)
    p.add_argument("--big-upload-mib", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.command == "ingest":
        ingest(args)
    else:
        Traffic(args).run()


if __name__ == "__main__":
    main()
