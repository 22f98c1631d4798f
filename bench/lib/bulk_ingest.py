"""Bulk ingestion throughput: 10,000 short paragraphs into a running Groundwork, timed until every one is indexed.

Usage: bulk_ingest.py BASE_URL [--paragraphs 10000] [--concurrency 16] [--shape documents|single]
  documents: one document per paragraph, posted without waiting (202) by --concurrency clients;
  single:    one document holding every paragraph (blank-line separated).
The clock runs from the first POST until GET /documents/stats shows nothing queued or processing.
Prints one JSON object: shape, paragraphs, documents, chunks, seconds, chunks_per_second, failed.
"""
import argparse
import json
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

# Groundwork's API key (the bench scripts set GROUNDWORK_KEY and start the service with it); health probes need none.
AUTH = {"Authorization": "Bearer " + os.environ["GROUNDWORK_KEY"]} if os.environ.get("GROUNDWORK_KEY") else {}

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from load_documents import SYSTEMS, sentence  # noqa: E402


def stats(base: str) -> dict:
    return requests.get(f"{base}/documents/stats", headers=AUTH, timeout=30).json()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("--paragraphs", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--shape", choices=["documents", "single"], default="documents")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    # A paragraph: one sentence (~30 words) plus its number, so no two are identical (no duplicates to skip).
    paragraphs = [f"Note {i}: {sentence(rng, rng.choice(SYSTEMS))}" for i in range(args.paragraphs)]
    base = args.base_url
    before = stats(base)

    started = time.monotonic()
    if args.shape == "single":
        body = {"title": "Bulk notes", "text": "\n\n".join(paragraphs), "source": "bench"}
        r = requests.post(f"{base}/documents", json=body, headers=AUTH, timeout=120)
        if r.status_code != 202:
            raise SystemExit(f"POST /documents answered {r.status_code}: {r.text[:300]}")
        documents = 1
    else:
        session = requests.Session()
        session.headers.update(AUTH)
        adapter = requests.adapters.HTTPAdapter(pool_connections=args.concurrency, pool_maxsize=args.concurrency)
        session.mount("http://", adapter)

        def post(i: int) -> None:
            r = session.post(f"{base}/documents", json={"title": f"Note {i}", "text": paragraphs[i], "tags": ["bulk"]}, timeout=120)
            if r.status_code != 202:
                raise SystemExit(f"POST /documents answered {r.status_code}: {r.text[:300]}")

        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(post, range(len(paragraphs))))
        documents = len(paragraphs)
    acknowledged = time.monotonic() - started

    while True:
        now = stats(base)
        if now["documents"]["queued"] + now["documents"]["processing"] == 0:
            break
        time.sleep(0.2)
    seconds = time.monotonic() - started
    chunks = now["chunks"] - before["chunks"]
    print(json.dumps({
        "shape": args.shape, "paragraphs": len(paragraphs), "documents": documents, "chunks": chunks,
        "acknowledged_seconds": round(acknowledged, 2), "seconds": round(seconds, 2),
        "chunks_per_second": round(chunks / seconds, 1), "paragraphs_per_second": round(len(paragraphs) / seconds, 1),
        "failed": now["documents"]["failed"] - before["documents"]["failed"],
        "indexed_vectors": now["indexed_vectors"],
    }))


if __name__ == "__main__":
    main()
