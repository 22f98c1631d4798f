"""Attributes the samples of `perf script -F ip,sym,dso` (bench/profile.sh) to the parts of a request.

profile_report.py PERF_SCRIPT_TXT CPU_US_PER_REQUEST TITLE: prints a Markdown table, largest share first.

A sample goes to the innermost frame of its stack that names a part of the request (FEATURES, in order of the list
when one frame matches several); a sample with no such frame goes to the library its innermost frame is in (LIBRARIES).
Async continuations run on thread-pool threads, so a stack starts where the continuation resumed: its outer frames
name the awaiting methods only when a continuation ran inline.
"""
import collections
import re
import sys

FEATURES = [
    ("JIT compiler", r"libclrjit"),
    ("keyword search", r"Groundwork\.Retrieval\.Keyword|ContentWords|Bm25|Porter|fts5"),
    ("vector search (USearch, NumKong distances)", r"UsearchVectorIndex|UsearchNative|ChunkIndex|ExactVectorIndex|libusearch|libnumkong"),
    ("loading chunk texts", r"ChunkStore|SqliteRetrievalStore"),
    ("hybrid fusion", r"ChunkSearch::Fuse"),
    ("query embedding (client side)", r"Groundwork\.Embeddings|QueryEmbeddingCache"),
    ("prompt building", r"GroundedPrompt"),
    ("usage and key-use records", r"UsageRecorder|KeyUsageWriter"),
    ("authentication (key lookup)", r"ApiKeyAuthenticationHandler|ApiKeyResolver|Microsoft\.AspNetCore\.Authentication"),
    ("rate limiting", r"RateLimit"),
    ("request reading and validation", r"JsonRequestReader|Validat"),
    ("audit", r"Groundwork\.Audit"),
    ("model SDK (OpenAI, Microsoft.Extensions.AI)", r"\[OpenAI\]|OpenAI\.|Microsoft\.Extensions\.AI|System\.ClientModel"),
    ("resilience (Polly)", r"Polly"),
    ("telemetry (OpenTelemetry, Activity, metrics)", r"OpenTelemetry|System\.Diagnostics\.Activity|System\.Diagnostics\.Metrics"),
    ("answer cache (HybridCache)", r"HybridCache|AnswerCache::"),
    ("JSON (System.Text.Json)", r"System\.Text\.Json"),
    ("HTTP client to the upstream (System.Net.Http)", r"System\.Net\.Http"),
    ("Kestrel, routing, middleware", r"Microsoft\.AspNetCore|System\.IO\.Pipelines"),
    ("sockets (System.Net.Sockets)", r"System\.Net\.Sockets"),
]
LIBRARIES = [
    ("SQLite (other statements)", r"libe_sqlite3"),
    ("kernel (network system calls, scheduling)", r"kernel\.kallsyms"),
    ("runtime (GC, allocation, stubs; libcoreclr, no symbols)", r"libcoreclr"),
    ("C library (malloc, memcpy, locks)", r"libc\.so|ld-linux"),
    ("thread pool and async machinery", r"System\.Threading|System\.Runtime\.CompilerServices|System\.Private\.CoreLib"),
]
FEATURE_PATTERNS = [(name, re.compile(pattern)) for name, pattern in FEATURES]
LIBRARY_PATTERNS = [(name, re.compile(pattern)) for name, pattern in LIBRARIES]


def part_of(frames: list[str]) -> str:
    for frame in frames:
        for name, pattern in FEATURE_PATTERNS:
            if pattern.search(frame):
                return name
    for frame in frames:
        for name, pattern in LIBRARY_PATTERNS:
            if pattern.search(frame):
                return name
    return "other"


def samples(path: str):
    frames: list[str] = []
    with open(path, errors="replace") as f:
        for line in f:
            if line[:1] in ("\t", " "):
                if line.strip():
                    frames.append(line.strip())
            elif frames:
                yield frames
                frames = []
    if frames:
        yield frames


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, cpu_us, title = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    counts = collections.Counter(part_of(frames) for frames in samples(path))
    total = sum(counts.values())
    if total == 0:
        sys.exit("no samples")
    print(f"CPU of one `/generate` ({title}): {cpu_us:,.0f} µs, {total:,} samples")
    print()
    print("| part of the request | share | µs per request |")
    print("| --- | ---: | ---: |")
    for name, count in counts.most_common():
        print(f"| {name} | {count * 100 / total:.1f} % | {count * cpu_us / total:,.0f} |")


if __name__ == "__main__":
    main()
