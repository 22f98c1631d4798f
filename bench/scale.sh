#!/usr/bin/env bash
# Scale measurements: the service at 100k and 300k chunks, and the vector index alone up to 1M vectors.
#
#   bench/scale.sh [results.json] [--smoke] [--no-build]
#
# 1. service: Groundwork with Embeddings:Provider=openai against Groundwork.FakeUpstream (deterministic embeddings,
#    no added latency) and the default vector index settings. For each size: ingest one-chunk paragraphs up to it
#    (POST /documents?wait=true), note RSS and the data folder, stop gracefully, export the stored embeddings, start
#    again on the folder (index loaded from its file): ready time, RSS, POST /search top-10 vector latency with wrk
#    (1 and 8 connections) and POST /embeddings alone for comparison, one pass of every query from a single client
#    for recall; stop; bench/VectorIndexBench loads the service's saved index file and computes the exact top-10
#    over the exported embeddings (recall of the service's answers and of the index alone); delete the index file
#    and start once more (index rebuilt from SQLite): ready time, RSS. That process ingests on to the next size.
# 2. index: bench/VectorIndexBench with the service's settings (Float16, VectorIndexOptions defaults) on lowrank:16
#    data at each index size, one process per size: build, memory, file, load, latency, recall@10.
# Results: JSON to <results.json> (default bench/results/scale-<UTC date-time>.json) and, unless --smoke, the marked
# section of docs/scale.md. --smoke uses tiny sizes, writes to a temporary file and runs in about a minute.
# A full run takes 35-60 minutes on the 2-core machine, most of it building the 1M index and the 300k rebuild.
# Everything listens on 127.0.0.1 only; every process started here is stopped on exit.
#
# Every wrk row and every in-process search measurement is repeated SCALE_REPEATS times (default 3), interleaved,
# and reported as a range with the load average over the repeats.
# Overrides: SCALE_SIZES (service, ascending; default 100000,300000), SCALE_INDEX_SIZES (default
# 100000,300000,1000000), SCALE_QUERIES (500), SCALE_INDEX_QUERIES (1000), SCALE_WRK_SECONDS (10),
# SCALE_INGEST_BUDGET_S (1800 per size), SCALE_EF_SWEEP (ef_search values tried on the service's saved index;
# default 32,64,128,256,512; "none" skips), SCALE_PARTS=service,index, SCALE_INDEX_RESULTS=<earlier results.json,...>
# (with SCALE_PARTS=service: copy those runs' index-only figures into these results, each row naming its file; for a
# size measured in several, the last file listed wins),
# SCALE_KEEP_WORK=1 keeps the temporary folder.
set -euo pipefail

usage() { echo "usage: $0 [results.json] [--smoke] [--no-build]" >&2; exit 2; }
results=""
smoke=0
build=1
for argument in "$@"; do
  case $argument in
    --smoke) smoke=1 ;;
    --no-build) build=0 ;;
    -*) usage ;;
    *) [[ -z $results ]] || usage; results=$argument ;;
  esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=/usr/bin/python3
helper="$python bench/scale.py"
extra="$python bench/extra.py"

if [[ $smoke == 1 ]]; then
  sizes=${SCALE_SIZES:-1000,3000}; index_sizes=${SCALE_INDEX_SIZES:-2000}
  queries=${SCALE_QUERIES:-100}; index_queries=${SCALE_INDEX_QUERIES:-200}; wrk_seconds=${SCALE_WRK_SECONDS:-2}
  per_doc=200; repeats=${SCALE_REPEATS:-2}
  results=${results:-$(mktemp -t groundwork-scale-smoke.XXXXXX.json)}
else
  sizes=${SCALE_SIZES:-100000,300000}; index_sizes=${SCALE_INDEX_SIZES:-100000,300000,1000000}
  queries=${SCALE_QUERIES:-500}; index_queries=${SCALE_INDEX_QUERIES:-1000}; wrk_seconds=${SCALE_WRK_SECONDS:-10}
  per_doc=1000; repeats=${SCALE_REPEATS:-3}
  results=${results:-bench/results/scale-$(date -u +%Y-%m-%d-%H%M%S).json}
fi
results=$(cd "$(dirname "$results")" && pwd)/$(basename "$results")
ingest_budget=${SCALE_INGEST_BUDGET_S:-1800}
ef_sweep=${SCALE_EF_SWEEP:-32,64,128,256,512}
index_results=${SCALE_INDEX_RESULTS:-}
parts=",${SCALE_PARTS:-service,index},"

work=$(mktemp -d -t groundwork-scale.XXXXXX)
log_tag=scale
keep_work=${SCALE_KEEP_WORK:-}
# shellcheck source=lib/processes.sh
source bench/lib/processes.sh

note() { $helper note "$work" "$@"; }

vector_bench=bench/VectorIndexBench/bin/Release/net10.0/VectorIndexBench.dll

if [[ $build == 1 ]]; then
  log "building in Release"
  # VectorIndexBench references the service project, so this builds Groundwork.dll too.
  for project in src/Groundwork.FakeUpstream bench/VectorIndexBench; do
    dotnet build -c Release "$project" -nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  done
fi
command -v wrk >/dev/null || { echo "wrk is not installed (bash bench/install-deps.sh)" >&2; exit 1; }

$python - "$work/meta.json" <<'EOF'
import datetime, json, os, subprocess, sys
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
dotnet = subprocess.run(["dotnet", "--list-runtimes"], capture_output=True, text=True).stdout
runtime = [line.split()[1] for line in dotnet.splitlines() if line.startswith("Microsoft.NETCore.App")]
json.dump({"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "commit": commit + ("+changes" if dirty else ""), "cores": os.cpu_count(),
           "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
           "dotnet": ".NET " + (runtime[-1] if runtime else "?"),
           "load_average_before": open("/proc/loadavg").read().split()[0]}, open(sys.argv[1], "w"))
EOF
began=$(date +%s)
note queries --json "$queries"
note wrk_seconds --json "$wrk_seconds"
note per_doc --json "$per_doc"
note repeats --json "$repeats"

# 1. The service.
if [[ $parts == *,service,* ]]; then
$extra phase "$work" service begin
start_fake_upstream
port=$($extra free-port)
url="http://127.0.0.1:$port"
data="$work/data"
start_service() { start_upstream_service "service-$1" "$url" "$data"; }
# Ready time from launch, then RSS once the allocator has settled.
wait_ready_and_note() {
  local key=$1 timeout=$2 ready
  ready=$($extra wait-ready "$url" "$timeout")
  note "$key.ready_s" --json "$ready"
  sleep 2
  note "$key.memory_ready" --memory "$service_pid"
}

note empty.load_average_before --load
start_service empty
wait_ready_and_note empty 60
$helper queries --url "$url" --count "$queries" --out "$work/queries" >/dev/null

already=0
for size in ${sizes//,/ }; do
  key=sizes.$size
  mkdir -p "$work/$size"
  log "service: ingesting $already -> $size chunks (budget ${ingest_budget}s)"
  run $extra ingest --url "$url" --pid "$service_pid" --targets "$size" --per-doc "$per_doc" --concurrency 2 \
    --budget-s "$ingest_budget" --already "$already" >"$work/$size/ingest.json"
  note "$key.ingest" --file "$work/$size/ingest.json"
  $extra data-size "$data" >"$work/$size/disk-running.json"
  note "$key.disk_running" --file "$work/$size/disk-running.json"
  stop_began=$(date +%s%N)
  stop "$service_pid"
  note "$key.stop_s" --json "$(( ($(date +%s%N) - stop_began) / 1000000 ))e-3"
  $extra data-size "$data" >"$work/$size/disk.json"
  note "$key.disk_stopped" --file "$work/$size/disk.json"
  exported=$($helper export --db "$data/groundwork.db" --out "$work/$size/vectors" | $python -c 'import json, sys; print(json.load(sys.stdin)["chunks"])')
  cp "$work/queries/queries.f32" "$work/$size/vectors/"

  log "service: $size chunks, restart on the saved data"
  note "$key.loaded.load_average_before" --load
  start_service "loaded-$size"
  wait_ready_and_note "$key.loaded" 1800
  note "$key.loaded.index" --json "$($helper index-line "$work/service-loaded-$size.log")"
  log "service: $size chunks, one pass of $queries queries, then wrk ${wrk_seconds}s per row"
  $helper search --url "$url" --queries "$work/queries/queries.txt" --top-k 10 --out "$work/$size/search.json"
  note "$key.search_pass" --file "$work/$size/search.json"
  for repeat in $(seq "$repeats"); do
    for target in search embeddings; do
      for connections in 1 8; do
        output="$work/$size/wrk-$target-$connections-$repeat.txt"
        before=$(load_average)
        QUERIES="$work/queries/queries.txt" TARGET=$target TOP_K=10 MODE=vector \
          run wrk -t1 -c$connections -d${wrk_seconds}s --timeout 10s -s bench/lib/queries.lua "$url" >"$output"
        note "$key.wrk.${target}_c$connections.$repeat" --wrk "$output" --load-before "$before"
      done
    done
  done
  note "$key.loaded.memory_after_searches" --memory "$service_pid"
  stop "$service_pid"

  log "service: $size chunks, VectorIndexBench on the saved index and exact search over the stored embeddings"
  before=$(load_average)
  BENCH_OUTPUT=json BENCH_DATA="file:$work/$size/vectors" BENCH_INDEX_FILE="$data/vectors.usearch" BENCH_QUANT=Float16 \
    BENCH_TOPK=10 BENCH_THREADS=1,2 BENCH_EF=$ef_sweep BENCH_REPEAT=$repeats BENCH_TRUTH_OUT="$work/$size/truth.json" \
    run dotnet "$vector_bench" "$exported" "$queries" >"$work/$size/index.json" 2>"$work/$size/index.log"
  note "$key.index_bench" --file "$work/$size/index.json" --load-before "$before"
  $helper recall --found "$work/$size/search.json" --truth "$work/$size/truth.json" --vectors "$work/$size/vectors" \
    >"$work/$size/recall.json"
  note "$key.recall" --file "$work/$size/recall.json"
  rm -rf "$work/$size/vectors"

  log "service: $size chunks, restart without the index file (rebuild from SQLite)"
  rm -f "$data/vectors.usearch" "$data/vectors.usearch.manifest.json"
  note "$key.rebuilt.load_average_before" --load
  start_service "rebuilt-$size"
  wait_ready_and_note "$key.rebuilt" 3600
  note "$key.rebuilt.index" --json "$($helper index-line "$work/service-rebuilt-$size.log")"
  already=$size
done
stop "$service_pid"
stop "$upstream_pid"
$extra phase "$work" service end
fi

# 2. The index alone, on sentence-like data.
if [[ $parts == *,index,* ]]; then
$extra phase "$work" index begin
for size in ${index_sizes//,/ }; do
  log "index: VectorIndexBench lowrank:16 Float16, $size vectors, $index_queries queries"
  before=$(load_average)
  BENCH_OUTPUT=json BENCH_DATA=lowrank:16 BENCH_QUANT=Float16 BENCH_TOPK=10 BENCH_THREADS=1,2 BENCH_EF=none BENCH_REPEAT=$repeats \
    run dotnet "$vector_bench" "$size" "$index_queries" >"$work/index-$size.json" 2>>"$work/index.log"
  note "index_only.$size" --file "$work/index-$size.json" --load-before "$before"
done
$extra phase "$work" index end
fi

note runtime_s --json "$(( $(date +%s) - began ))"
assemble_arguments=(--work "$work" --results "$results")
if [[ $parts != *,index,* && -n $index_results ]]; then
  assemble_arguments+=(--index-from "$index_results")
fi
if [[ $smoke == 1 ]]; then
  assemble_arguments+=(--smoke)
else
  assemble_arguments+=(--docs "$root/docs/scale.md")
fi
$helper assemble "${assemble_arguments[@]}"
log "results in $results"
