#!/usr/bin/env python3
"""Times the documented maxima of each request against a running Groundwork (127.0.0.1 only): the most costly request
each limit still admits, and the first one it rejects. Usage: python3 bench/limits.py http://127.0.0.1:PORT [rounds]"""
import json, os, sys, time, urllib.request, urllib.error
from urllib.parse import urlparse

# Groundwork's API key (the bench scripts set GROUNDWORK_KEY and start the service with it); health probes need none.
AUTH = {"Authorization": "Bearer " + os.environ["GROUNDWORK_KEY"]} if os.environ.get("GROUNDWORK_KEY") else {}

base = sys.argv[1].rstrip("/")
rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
assert urlparse(base).hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"


def post(path, body):
    data = json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers={"content-type": "application/json", **AUTH})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    return status, time.perf_counter() - start


def words(n, seed):
    return " ".join(f"term{(seed * 7919 + i) % 5000}" for i in range(n))


cases = {
    "/search, 16 conditions x 100 values (hybrid, top_k 50)": ("/search", {
        "query": "office laptop budget policy", "top_k": 50, "mode": "hybrid",
        "filter": {**{f"metadata.k{i}": {"nin": [f"v{j}" for j in range(100)]} for i in range(14)},
                   "document_id": {"nin": list(range(10_000_000, 10_000_100))},
                   "tags": {"any": [f"t{j}" for j in range(100)]}}}),
    "/search, 17 conditions (rejected)": ("/search", {
        "query": "a", "filter": {f"metadata.k{i}": i for i in range(17)}}),
    "/embeddings, 1,024 short texts (8,192 tokens)": ("/embeddings", {"input": [f"text {i}" for i in range(1024)]}),
    "/embeddings, 32 texts of 256 tokens (8,192 tokens)": ("/embeddings", {"input": [words(300, i) for i in range(32)]}),
    "/embeddings, 2,048 short texts (rejected)": ("/embeddings", {"input": [f"text {i}" for i in range(2048)]}),
    "/generate, 10,000 characters (local model)": ("/generate", {"text": words(1400, 1)[:10_000], "model": "local"}),
}

print(f"| Request | Status | Median | Max |\n| --- | --- | --- | --- |")
for name, (path, body) in cases.items():
    post(path, body)  # warm-up
    timings, statuses = [], set()
    for _ in range(rounds):
        status, seconds = post(path, body)
        statuses.add(status)
        timings.append(seconds)
    timings.sort()
    print(f"| {name} | {'/'.join(map(str, sorted(statuses)))} | {timings[len(timings) // 2] * 1000:,.0f} ms | {timings[-1] * 1000:,.0f} ms |")
