#!/usr/bin/env bash
# The extra measurements of the benchmark harness; bench/run.sh calls it after the /generate comparison.
#
#   bench/extra.sh <results.json> [--smoke] [--no-build]
#
# 1. Local embeddings: POST /embeddings on the service driven by wrk (64 connections, one sentence per request)
#    against bench/EmbeddingBench (the same ONNX session called directly in batches of 1, 32 and 64), in alternating
#    rounds (raw, service, raw, service, ..., raw) so that both see the same machine load; the ratio is the service's
#    rate over the best raw batched rate, and the target is 0.90.
# 2. Vector search at 10k and 100k vectors with bench/VectorIndexBench (JSON mode, sentence-like lowrank:16 data).
# 3. RSS of the service after ingesting 10k and 100k chunks (openai embeddings from the fake upstream), the data
#    folder's size after a graceful stop, and a restart on it.
# Adds a top-level "extra" object to <results.json> (created if missing; other keys are kept), prints a summary and,
# unless --smoke, rewrites the marked section of docs/benchmarks.md. --smoke uses tiny sizes and runs in seconds.
# Everything listens on 127.0.0.1 only; every process started here is stopped on exit.
#
# Sizes can be overridden: EXTRA_EMBEDDING_ROUNDS, EXTRA_WRK_SECONDS and EXTRA_RAW_SECONDS (per round and batch size),
# EXTRA_WARMUP_SECONDS (the service's first warm-up), EXTRA_VECTOR_SIZES, EXTRA_VECTOR_QUERIES, EXTRA_MEMORY_CHUNKS (comma-separated targets), EXTRA_INGEST_BUDGET_S.
# EXTRA_PARTS=embedding,vector,memory runs only those parts (docs/benchmarks.md is then left alone: its section holds
# all three); EXTRA_KEEP_WORK=1 keeps the temporary folder with the raw outputs and logs.
set -euo pipefail

usage() { echo "usage: $0 <results.json> [--smoke] [--no-build]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
results=$1
shift
smoke=0
build=1
for argument in "$@"; do
  case $argument in
    --smoke) smoke=1 ;;
    --no-build) build=0 ;;
    *) usage ;;
  esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
results=$(cd "$(dirname "$results")" && pwd)/$(basename "$results")
cd "$root"
python=/usr/bin/python3
helper="$python bench/extra.py"

if [[ $smoke == 1 ]]; then
  rounds=${EXTRA_EMBEDDING_ROUNDS:-1}
  wrk_seconds=${EXTRA_WRK_SECONDS:-3}; warmup_seconds=1
  raw_seconds=${EXTRA_RAW_SECONDS:-1}; raw_warmup=0.5
  vector_sizes=${EXTRA_VECTOR_SIZES:-2000}; vector_queries=${EXTRA_VECTOR_QUERIES:-200}
  memory_chunks=${EXTRA_MEMORY_CHUNKS:-600}; per_doc=200
else
  rounds=${EXTRA_EMBEDDING_ROUNDS:-3}
  wrk_seconds=${EXTRA_WRK_SECONDS:-10}; warmup_seconds=${EXTRA_WARMUP_SECONDS:-20}
  raw_seconds=${EXTRA_RAW_SECONDS:-5}; raw_warmup=1
  vector_sizes=${EXTRA_VECTOR_SIZES:-10000,100000}; vector_queries=${EXTRA_VECTOR_QUERIES:-1000}
  memory_chunks=${EXTRA_MEMORY_CHUNKS:-10000,100000}; per_doc=1000
fi
ingest_budget=${EXTRA_INGEST_BUDGET_S:-300}
parts=",${EXTRA_PARTS:-embedding,vector,memory},"
connections=64

work=$(mktemp -d -t groundwork-extra.XXXXXX)
log_tag=extra
keep_work=${EXTRA_KEEP_WORK:-}
# shellcheck source=lib/processes.sh
source bench/lib/processes.sh

embedding_bench=bench/EmbeddingBench/bin/Release/net10.0/EmbeddingBench.dll
vector_bench=bench/VectorIndexBench/bin/Release/net10.0/VectorIndexBench.dll

if [[ $build == 1 ]]; then
  log "building in Release"
  for project in src/Groundwork.FakeUpstream bench/EmbeddingBench bench/VectorIndexBench; do
    dotnet build -c Release "$project" -nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  done
fi
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }

$python - "$work/meta.json" "$smoke" <<'EOF'
import datetime, json, os, subprocess, sys
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
dotnet = subprocess.run(["dotnet", "--list-runtimes"], capture_output=True, text=True).stdout
runtime = [line.split()[1] for line in dotnet.splitlines() if line.startswith("Microsoft.NETCore.App")]
json.dump({"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "commit": commit + ("+changes" if dirty else ""), "cores": os.cpu_count(),
           "dotnet": ".NET " + (runtime[-1] if runtime else "?"),
           "load_average_before": open("/proc/loadavg").read().split()[0]}, open(sys.argv[1], "w"))
EOF

# 1. Local embeddings. The raw runs and the service take turns, so a change in the machine's load (it is shared) hits
# both sides: round i's service window sits between raw windows i and i+1. The service stays up but idle during the
# raw windows (its threads block). Its first warm-up is long because the runtime's tier-up JIT of the web stack costs
# about 2 CPU-s in the first 10-20 s under load, which a short warm-up counts against the service; each service
# window then gets a short wrk warm-up of its own, not counted.
if [[ $parts == *,embedding,* ]]; then
$helper phase "$work" embedding begin
port=$($helper free-port)
log "embeddings: starting the service on 127.0.0.1:$port (local model)"
start service dotnet "$root/$service_dll" --urls "http://127.0.0.1:$port" --Storage:Path="$work/embedding-data" \
  --Embeddings:Provider=local --Logging:LogLevel:Default=Warning
service_pid=$started
$helper wait-ready "http://127.0.0.1:$port" 60 >/dev/null
export SENTENCES="$root/bench/sentences.txt"
run env QUERIES=bench/sentences.txt TARGET=embeddings MODEL=all-MiniLM-L6-v2 wrk -t1 -c$connections -d${warmup_seconds}s --timeout 10s -s bench/lib/queries.lua "http://127.0.0.1:$port" >"$work/wrk-warmup.txt"
# Batches of 32 and 64 in every raw window; the first also measures, for reference only, batches of 1, batches of 32
# sorted by length (no padding) and the generator with 64 concurrent callers but no HTTP.
raw_window() {
  run dotnet "$embedding_bench" --sentences bench/sentences.txt --seconds "$raw_seconds" --warmup-seconds "$raw_warmup" \
    --batches "$2" "${@:3}" >"$work/embedding-raw-$1.json"
}
log "embeddings: $rounds rounds of raw ONNX Runtime (batches of 32 and 64, ${raw_seconds}s each, and reference runs in the first)" \
  "then the service under wrk ($connections connections, ${wrk_seconds}s); then raw once more"
for round in $(seq 1 "$rounds"); do
  if [[ $round == 1 ]]; then
    raw_window 1 1,32,64 --sorted-batches 32 --callers "$connections"
  else
    raw_window "$round" 32,64
  fi
  run env QUERIES=bench/sentences.txt TARGET=embeddings MODEL=all-MiniLM-L6-v2 wrk -t1 -c$connections -d2s --timeout 10s -s bench/lib/queries.lua "http://127.0.0.1:$port" >/dev/null
  load_before=$(load_average)
  cpu_before=$($helper cpu "$service_pid")
  run env QUERIES=bench/sentences.txt TARGET=embeddings MODEL=all-MiniLM-L6-v2 wrk -t1 -c$connections -d${wrk_seconds}s --timeout 10s -s bench/lib/queries.lua "http://127.0.0.1:$port" >"$work/wrk-$round.txt"
  cpu_after=$($helper cpu "$service_pid")
  $python - "$work" "$round" "$connections" "$cpu_before" "$cpu_after" "$load_before" "$warmup_seconds" <<'EOF'
import json, sys
sys.path.insert(0, "bench")
from extra import jit_cpu_between
work, round, connections, load = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[6]
(service_before, machine_before, jit_before), (service_after, machine_after, jit_after) = (sys.argv[i].split() for i in (4, 5))
line = next(l for l in open(f"{work}/wrk-{round}.txt") if l.startswith("WRK_JSON "))
json.dump({"wrk": json.loads(line[len("WRK_JSON "):]), "connections": connections, "wrk_threads": 1,
           "sentences_file": "bench/sentences.txt", "service_cpu_seconds": float(service_after) - float(service_before),
           "machine_cpu_seconds": float(machine_after) - float(machine_before),
           "jit_cpu_seconds": jit_cpu_between(json.loads(jit_before), json.loads(jit_after)),
           "warmup_seconds": float(sys.argv[7]), "load_average_before": load},
          open(f"{work}/embedding-service-{round}.json", "w"))
EOF
done
stop "$service_pid"
raw_window $((rounds + 1)) 32,64
$helper phase "$work" embedding end
fi

# 2. Vector search.
if [[ $parts == *,vector,* ]]; then
log "vector search: $vector_sizes vectors, $vector_queries queries (the 100k build takes 1-3 minutes)"
$helper phase "$work" vector begin
BENCH_OUTPUT=json BENCH_DATA=lowrank:16 BENCH_QUANT=Float32 BENCH_TOPK=5,10 BENCH_THREADS=1,2 BENCH_EF=none \
  run dotnet "$vector_bench" "$vector_sizes" "$vector_queries" >"$work/vector.json" 2>"$work/vector.log"
$helper phase "$work" vector end
fi

# 3. Memory with many chunks.
if [[ $parts == *,memory,* ]]; then
$helper phase "$work" memory begin
start_fake_upstream
port=$($helper free-port)
data="$work/memory-data"
start_memory_service() { start_upstream_service "memory-service-$1" "http://127.0.0.1:$port" "$data"; }
start_memory_service 1
$helper wait-ready "http://127.0.0.1:$port" 60 >/dev/null
log "memory: ingesting up to $memory_chunks chunks (budget ${ingest_budget}s)"
run $helper ingest --url "http://127.0.0.1:$port" --pid "$service_pid" --targets "$memory_chunks" --per-doc "$per_doc" \
  --concurrency 2 --budget-s "$ingest_budget" >"$work/ingest.json"
stop_began=$(date +%s%N)
stop "$service_pid"
stop_seconds=$(( ($(date +%s%N) - stop_began) / 1000000 ))e-3
$helper data-size "$data" >"$work/data-size.json"
log "memory: restarting on the saved data"
start_memory_service 2
ready_seconds=$($helper wait-ready "http://127.0.0.1:$port" 120)
$helper memory "$service_pid" >"$work/restart-memory.json"
stop "$service_pid"
stop "$upstream_pid"
$helper phase "$work" memory end
$python - "$work" "$stop_seconds" "$ready_seconds" <<'EOF'
import json, re, sys
work = sys.argv[1]
memory = json.load(open(f"{work}/restart-memory.json"))
# "Vector index ready: N chunks, loaded from FILE in T ms" or "..., rebuilt from the database in T ms"
ready = re.search(r"Vector index ready: (\d+) chunks, (loaded from|rebuilt from) .*? in ([\d.,]+) ms",
                  open(f"{work}/memory-service-2.log").read().replace("\n      ", " "))
json.dump({"ingest": json.load(open(f"{work}/ingest.json")), "stop_seconds": float(sys.argv[2]),
           "data_size": json.load(open(f"{work}/data-size.json")),
           "restart": {"ready_s": float(sys.argv[3]), "rss_bytes": memory["VmRSS"], "peak_rss_bytes": memory["VmHWM"],
                       "index_chunks": int(ready.group(1)) if ready else None,
                       "index": ("loaded" if ready.group(2) == "loaded from" else "rebuilt") if ready else "unknown",
                       "index_ms": float(ready.group(3).replace(",", "")) if ready else None}},
          open(f"{work}/memory.json", "w"))
EOF
fi

assemble_arguments=(--work "$work" --results "$results")
if [[ $smoke == 1 ]]; then
  assemble_arguments+=(--smoke)
elif [[ $parts == *,embedding,* && $parts == *,vector,* && $parts == *,memory,* ]]; then
  assemble_arguments+=(--docs "$root/docs/benchmarks.md")
else
  log "only some parts ran: docs/benchmarks.md is left as it was"
fi
$helper assemble "${assemble_arguments[@]}"
