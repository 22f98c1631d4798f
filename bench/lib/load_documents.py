"""Loads generated documents into a running Groundwork until its index holds about the target number of chunks.

Usage: load_documents.py BASE_URL TARGET_CHUNKS [--concurrency 8] [--seed 7]
Prints one JSON object: documents, chunks (from the index's readiness check), seconds.
Documents are equipment manuals of ten paragraphs of three sentences (about 200 characters each) separated by blank
lines: about 6,000 characters, which Groundwork's chunker cuts into about ten chunks with hosted embeddings (it counts
four characters a token there, 200 tokens a chunk). Documents are posted until the chunk counts the service reports
reach the target, so the total lands within one round of in-flight documents of it whatever the chunker does.
"""
import argparse
import json
import os
import random
import re
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import requests

# Groundwork's API key (the bench scripts set GROUNDWORK_KEY and start the service with it); health probes need none.
AUTH = {"Authorization": "Bearer " + os.environ["GROUNDWORK_KEY"]} if os.environ.get("GROUNDWORK_KEY") else {}

SYSTEMS = ["reactor", "chiller", "turbine", "compressor", "heat exchanger", "pump station", "boiler", "generator",
           "cooling tower", "switchgear", "transformer", "air handler", "fuel cell", "battery bank", "water softener"]
PARTS = ["control rods", "bearings", "seals", "valves", "filters", "impellers", "coolant loop", "pressure relief valve",
         "thermocouples", "drive belt", "condenser coils", "gaskets", "heat sink", "breaker panel", "intake screen"]
CHECKS = ["inspected", "cleaned", "replaced", "calibrated", "lubricated", "tested under load", "torqued to spec",
          "flushed", "logged", "photographed"]
PERIODS = ["every shift", "daily", "weekly", "every two weeks", "monthly", "every quarter", "twice a year",
           "annually", "after every 500 operating hours", "after any alarm"]
CAUSES = ["thermal cycling", "vibration", "scale build-up", "moisture ingress", "dust", "corrosion", "overpressure",
          "loose fittings", "worn insulation", "power surges"]
TEAMS = ["operations", "maintenance", "safety", "facilities", "engineering"]


def sentence(rng: random.Random, system: str) -> str:
    part, check, period, cause = rng.choice(PARTS), rng.choice(CHECKS), rng.choice(PERIODS), rng.choice(CAUSES)
    templates = [
        f"The {part} of the {system} must be {check} {period}, because {cause} shortens their service life and "
        f"a failure there can take the whole {system} offline for several days.",
        f"Operators record the condition of the {part} {period} and escalate to the {rng.choice(TEAMS)} team "
        f"when {cause} is visible or the readings drift more than {rng.randint(2, 15)} percent from the baseline.",
        f"According to the vendor, {cause} is the most common reason the {part} in a {system} wear out early, so "
        f"the checklist asks for them to be {check} {period} and after every restart.",
        f"If the {system} trips on a {part} alarm, isolate it, wait {rng.randint(5, 45)} minutes for the pressure "
        f"to settle, and have the {part} {check} before anyone attempts a restart.",
    ]
    return rng.choice(templates)


def document(rng: random.Random, number: int, paragraphs: int, sentences: int) -> dict:
    system = rng.choice(SYSTEMS)
    text = "\n\n".join(" ".join(sentence(rng, system) for _ in range(sentences)) for _ in range(paragraphs))
    return {
        "title": f"{system.title()} maintenance manual, part {number}",
        "text": text,
        "metadata": {"team": rng.choice(TEAMS), "system": system, "part": str(number)},
    }


def indexed_chunks(base_url: str) -> int:
    ready = requests.get(f"{base_url}/health/ready", timeout=10).json()
    description = ready["checks"]["vector_index"]["description"]
    match = re.match(r"(\d+) chunks indexed", description or "")
    if not match:
        raise SystemExit(f"unexpected vector_index description: {description!r}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base_url")
    parser.add_argument("target", type=int)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--paragraphs", type=int, default=10)
    parser.add_argument("--sentences", type=int, default=3, help="sentences per paragraph")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    local = threading.local()

    def post(doc: dict) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update(AUTH)
        r = local.session.post(f"{args.base_url}/documents?wait=true", json=doc, timeout=120)
        if r.status_code != 201:
            raise SystemExit(f"POST /documents answered {r.status_code}: {r.text[:500]}")
        return r.json()["chunk_count"]

    started = time.monotonic()
    initial = chunks = indexed_chunks(args.base_url)
    documents = issued = 0
    with ThreadPoolExecutor(args.concurrency) as pool:
        pending = set()
        while True:
            # Issue documents while the chunks reported so far plus an estimate for those in flight stay under target.
            per_document = (chunks - initial) / documents if documents else 10
            while len(pending) < args.concurrency and chunks + len(pending) * per_document < args.target:
                issued += 1
                pending.add(pool.submit(post, document(rng, issued, args.paragraphs, args.sentences)))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                chunks += future.result()
                documents += 1

    seconds = time.monotonic() - started
    indexed = indexed_chunks(args.base_url)
    json.dump({"documents": documents, "chunks": indexed, "chunks_reported": chunks - initial,
               "seconds": round(seconds, 2), "concurrency": args.concurrency}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
