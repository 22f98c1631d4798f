#!/usr/bin/env bash
# Where the CPU of one POST /generate goes: Groundwork (Release) against the fake upstream with --chunks chunks, under
# wrk at --connections after a warm-up long enough for the JIT to finish tiering up, sampled by Linux perf (cpu-clock,
# 1,999 Hz, call stacks by frame pointers; the runtime writes /tmp/perf-PID.map so JIT-compiled frames have names).
# bench/lib/profile_report.py then gives each sample to the innermost frame that names a part of the request (keyword
# search, vector search, the model SDK, JSON, Kestrel, ...) and prints a Markdown table of shares and µs per request,
# the µs from the process's CPU time per answered request during the profile.
#
#   bash bench/profile.sh [--chunks 10000] [--connections 256] [--warmup 40] [--seconds 10] [--out FILE] [--no-build]
#
# Needs Debian's linux-perf (apt-get install linux-perf) and wrk. Samples are of the service process only (wrk and
# the fake upstream share the cores but are not in the profile). Native frames without frame pointers (SQLite,
# USearch) end their stacks early; they are counted by their library when no managed frame above them is seen.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

chunks=10000; connections=256; warmup=40; seconds=10; out=""; build=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --chunks) chunks=$2; shift ;;
    --connections) connections=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --out) out=$2; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "profile.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in perf wrk; do command -v "$tool" >/dev/null || { echo "profile.sh: $tool is missing" >&2; exit 1; }; done

work=$(mktemp -d -t groundwork-profile.XXXXXX)
log_tag=profile
# shellcheck source=lib/processes.sh
source bench/lib/processes.sh

if [[ $build == 1 ]]; then
  log "building Groundwork and the fake upstream (Release)"
  for project in src/Groundwork src/Groundwork.FakeUpstream; do
    dotnet build "$project" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  done
fi

start_fake_upstream --FakeUpstream:ChatLatencyMs=100 --FakeUpstream:EmbeddingLatencyMs=10
port=$(/usr/bin/python3 bench/extra.py free-port)
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
start_upstream_service service "http://127.0.0.1:$port" "$work/data" --Search:MinRelevance=0
unset DOTNET_PerfMapEnabled DOTNET_EnableWriteXorExecute
/usr/bin/python3 bench/extra.py wait-http "http://127.0.0.1:$port/health/ready" 60 >/dev/null
log "loading documents up to $chunks chunks"
/usr/bin/python3 bench/lib/load_documents.py "http://127.0.0.1:$port" "$chunks" --concurrency 8 >&2

export WRK_BODY_FILE=$root/bench/generate-request.json
load() { wrk -t2 "-c$connections" "-d${1}s" --latency --timeout 5s -s bench/post.lua "http://127.0.0.1:$port/generate"; }
log "warming up for ${warmup}s at $connections connections"
load "$warmup" >"$work/warmup.txt"

log "profiling ${seconds}s at $connections connections"
load $((seconds + 4)) >"$work/wrk.txt" &
wrk_pid=$!
sleep 2
cpu_before=$(/usr/bin/python3 bench/lib/rss_sampler.py cpu "$service_pid")
perf record -e cpu-clock -F 1999 -g -p "$service_pid" -o "$work/perf.data" -- sleep "$seconds" 2>"$work/perf.log"
cpu_after=$(/usr/bin/python3 bench/lib/rss_sampler.py cpu "$service_pid")
wait "$wrk_pid"
requests_per_sec=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
perf script -i "$work/perf.data" -F ip,sym,dso >"$work/perf.txt" 2>/dev/null
# µs of CPU per request: the process's CPU during the perf window over the requests answered in it (wrk's rate).
cpu_us_per_request=$(awk -v cpu=$((cpu_after - cpu_before)) -v rps="$requests_per_sec" -v s="$seconds" \
  'BEGIN { printf "%.0f", cpu / (rps * s) }')
log "$requests_per_sec req/s, $cpu_us_per_request µs of CPU per request"
report=$(/usr/bin/python3 bench/lib/profile_report.py "$work/perf.txt" "$cpu_us_per_request" \
  "$chunks chunks, $connections connections, $requests_per_sec req/s, commit $(git rev-parse --short HEAD)")
if [[ -n $out ]]; then echo "$report" >"$out"; fi
echo "$report"
