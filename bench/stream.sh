#!/usr/bin/env bash
# Time to first token (TTFT) that Groundwork adds to a streamed answer, over the upstream's own: bench/StreamBench opens
# N concurrent streams in a closed loop, first against the fake upstream alone (POST /v1/chat/completions, stream:true),
# then through Groundwork (POST /generate, stream:true, gpt-4 pointed at the same fake upstream). Goal: added TTFT
# p50 < 5 ms and p99 < 20 ms at 64 streams.
#
# The fake upstream's chat latency stands in for the model's own TTFT (--chat-latency-ms, 100) and its chunk delay for
# the token rate (--chunk-delay-ms, 3). Its embedding latency is 0, so the question's embedding costs Groundwork nothing
# upstream and the difference between the two measurements is Groundwork's own work (authentication, budgets,
# retrieval, prompt building, the upstream call and relaying the stream). Both answer the same fixed reply.
#
#   bash bench/stream.sh [options]
#
#   --streams N            concurrent streams (64; --smoke 16)
#   --duration S           seconds measured per target (20; --smoke 2)
#   --warmup S             seconds of warm-up per target, not measured (5; --smoke 1)
#   --chat-latency-ms MS   the upstream's own TTFT (100)
#   --chunk-delay-ms MS    the upstream's delay after each streamed chunk (3)
#   --chunks N             chunks loaded into Groundwork before measuring (2000; --smoke 100)
#   --targets LIST         upstream,groundwork (both, in that order); groundwork alone needs an upstream run to compare
#   --results-dir DIR      where stream-<timestamp>.json goes (default: a new temporary folder)
#   --smoke                a few seconds in all: checks the harness, measures nothing worth keeping
#   --no-build             skip the Release builds
#
# When the Groundwork build has no streaming /generate yet (its answer to stream:true is not text/event-stream), the
# Groundwork measurement is skipped and the results say so. Listens on 127.0.0.1 only; every process it starts is
# stopped on exit (bench/lib/processes.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

streams=""; duration=""; warmup=""; chat_ms=100; chunk_ms=3; chunks=""; targets=upstream,groundwork
results_dir=""; smoke=0; build=1
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --streams|--duration|--warmup|--chat-latency-ms|--chunk-delay-ms|--chunks|--targets|--results-dir)
      [[ $# -ge 2 ]] || { echo "stream.sh: $1 needs a value" >&2; exit 2; } ;;
  esac
  case $1 in
    --streams) streams=$2; shift ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --chat-latency-ms) chat_ms=$2; shift ;;
    --chunk-delay-ms) chunk_ms=$2; shift ;;
    --chunks) chunks=$2; shift ;;
    --targets) targets=$2; shift ;;
    --results-dir) results_dir=$2; shift ;;
    --smoke) smoke=1 ;;
    --no-build) build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "stream.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ $smoke == 1 ]]; then
  streams=${streams:-16}; duration=${duration:-2}; warmup=${warmup:-1}; chunks=${chunks:-100}
else
  streams=${streams:-64}; duration=${duration:-20}; warmup=${warmup:-5}; chunks=${chunks:-2000}
fi
for number in "$streams" "$duration" "$warmup" "$chat_ms" "$chunk_ms" "$chunks"; do
  [[ $number =~ ^[0-9]+$ ]] || { echo "stream.sh: '$number' is not a whole number" >&2; exit 2; }
done
for target in ${targets//,/ }; do
  [[ $target == upstream || $target == groundwork ]] || { echo "stream.sh: unknown target '$target'" >&2; exit 2; }
done
results_dir=${results_dir:-$(mktemp -d -t groundwork-stream.XXXXXX)}
mkdir -p "$results_dir"

work=$(mktemp -d -t groundwork-stream-work.XXXXXX)
log_tag=stream
# shellcheck source=lib/processes.sh
source bench/lib/processes.sh
stream_bench_dll=bench/StreamBench/bin/Release/net10.0/StreamBench.dll

if [[ $build == 1 ]]; then
  log "building Groundwork, the fake upstream and StreamBench (Release)"
  for project in src/Groundwork src/Groundwork.FakeUpstream bench/StreamBench; do
    dotnet build "$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  done
fi
run dotnet "$stream_bench_dll" --self-test >"$work/self-test.log" || { cat "$work/self-test.log" >&2; exit 1; }
log "StreamBench self-test passed"

# A fixed answer of 24 words with citation markers, so both targets stream the same number of chunks.
reply="The bearings should be inspected every 500 operating hours [1]. Dust in the lubricant and a misaligned shaft wear them out early [2]."
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
loadavg_start=$(load_average)
start_fake_upstream "--FakeUpstream:ChatLatencyMs=$chat_ms" "--FakeUpstream:StreamChunkDelayMs=$chunk_ms" \
  --FakeUpstream:EmbeddingLatencyMs=0 "--FakeUpstream:Reply=$reply"

measure() { # TARGET URL [OPTION...]: runs StreamBench, its result in $work/TARGET.json
  local target=$1 url=$2
  shift 2
  log "$target: $streams streams, warm-up ${warmup}s, measuring ${duration}s, load $(load_average)"
  run dotnet "$stream_bench_dll" --target "$target" --url "$url" --streams "$streams" --duration "$duration" \
    --warmup "$warmup" --questions bench/sentences.txt --output "$work/$target.json" "$@" >"$work/$target.txt"
  cat "$work/$target.txt" >&2
}

skipped=""
for target in ${targets//,/ }; do
  case $target in
    upstream)
      measure upstream "http://127.0.0.1:$upstream_port" --key bench ;;
    groundwork)
      port=$(/usr/bin/python3 bench/extra.py free-port)
      # Search:MinRelevance=0 as in bench/run.sh: the fake's hashed word vectors are not calibrated like MiniLM, and
      # an abstaining answer would never call the model.
      # GROUNDWORK_SETTINGS adds settings of a variant to compare (e.g. --Telemetry:Enabled=false).
      # shellcheck disable=SC2086
      start_upstream_service groundwork "http://127.0.0.1:$port" "$work/data" --Search:MinRelevance=0 ${GROUNDWORK_SETTINGS:-}
      /usr/bin/python3 bench/extra.py wait-ready "http://127.0.0.1:$port" 90 >/dev/null
      log "groundwork on 127.0.0.1:$port; loading documents up to $chunks chunks"
      # load_documents.py needs requests: the python3 on PATH, as bench/ingest.sh runs its driver.
      loaded=$(run python3 bench/lib/load_documents.py "http://127.0.0.1:$port" "$chunks" --concurrency 4) || exit 1
      log "groundwork: $loaded"
      probe=$(curl -s -o "$work/probe.txt" -w '%{http_code} %{content_type}' --max-time 30 -H 'content-type: application/json' \
        -H "authorization: Bearer $GROUNDWORK_KEY" --data '{"text": "How often are the bearings inspected?", "model": "gpt-4", "stream": true}' \
        "http://127.0.0.1:$port/generate" || true)
      if [[ $probe == "200 text/event-stream"* ]]; then
        measure groundwork "http://127.0.0.1:$port" --key "$GROUNDWORK_KEY"
      else
        skipped="POST /generate with stream:true answered '${probe:-nothing}', not 200 text/event-stream: no streaming /generate in this build"
        log "groundwork: the probe's answer: $(head -c 300 "$work/probe.txt")"
        log "groundwork: skipped: $skipped"
      fi
      stop "$service_pid" ;;
  esac
done
stop "$upstream_pid"

results="$results_dir/stream-$(date -u +%Y-%m-%d-%H%M%S).json"
REPLY=$reply SKIPPED=$skipped /usr/bin/python3 - "$work" "$results" <<EOF
import json, os, sys
work, out = sys.argv[1], sys.argv[2]
def load(name):
    path = os.path.join(work, name + ".json")
    return json.load(open(path)) if os.path.exists(path) else None
upstream, groundwork = load("upstream"), load("groundwork")
added = None
if upstream and groundwork and upstream["completed"] and groundwork["completed"]:
    added = {p: round(groundwork["first_text_ms"][p] - upstream["first_text_ms"][p], 3) for p in ("p50", "p90", "p99")}
result = {
    "benchmark": "stream-ttft",
    "started_at": "$started_at",
    "smoke": $smoke == 1,
    "machine": {"cores": os.cpu_count(), "loadavg_start": "$loadavg_start", "loadavg_end": " ".join(open("/proc/loadavg").read().split()[:3])},
    "settings": {"streams": $streams, "duration_s": $duration, "warmup_s": $warmup, "upstream_chat_latency_ms": $chat_ms,
                 "upstream_chunk_delay_ms": $chunk_ms, "upstream_embedding_latency_ms": 0, "chunks": $chunks,
                 "reply": os.environ["REPLY"]},
    "upstream": upstream,
    "groundwork": groundwork,
    "groundwork_skipped": os.environ["SKIPPED"] or None,
    "added_ttft_ms": added,
    "goal_ms": {"p50": 5, "p99": 20},
    "meets_goal": None if added is None else added["p50"] < 5 and added["p99"] < 20,
}
json.dump(result, open(out, "w"), indent=2)
if added:
    print(f"added TTFT (groundwork - upstream): p50 {added['p50']:.2f} ms, p99 {added['p99']:.2f} ms "
          f"(goal < 5 / < 20 ms: {'met' if result['meets_goal'] else 'NOT met'})")
else:
    print("added TTFT: not measured" + (f" ({result['groundwork_skipped']})" if result["groundwork_skipped"] else ""))
EOF
log "results: $results"
