#!/usr/bin/env bash
# Memory soak: Groundwork with its embedded defaults (local embeddings, the `local` model) on a fresh data folder,
# a modest corpus, then mixed traffic for --minutes with a heavy burst every --burst-every seconds, each followed by
# an idle period; the service's RSS is sampled throughout. Checks the issue's requirement: after warm-up, RSS stays
# within 10 % of its steady state, and 60 s after a burst it is back within 20 % of it.
#
#   bash bench/soak.sh                  30 minutes: warm-up 5 min, bursts at 10 and 20 min (60 s, then 90 s idle)
#   bash bench/soak.sh --smoke          about 3 minutes with start-up: 2.5 min of traffic, warm-up 20 s, one 10 s burst at 50 s, 65 s idle
#   bash bench/soak.sh --docs           after the run, write the "## Memory soak" section of docs/benchmarks.md
#   python3 bench/lib/soak_report.py docs bench/results/soak-<date>.json docs/benchmarks.md   (the same, later)
#
# Options (full-run defaults; --smoke changes those marked *):
#   --minutes N             minutes of traffic (30, * 2.5)
#   --warmup S              seconds of warm-up excluded from the steady state (300, * 20)
#   --burst-every S         a burst at every multiple of S seconds that fits (600, * 50)
#   --burst-seconds S       burst requests start for S seconds (60, * 10)
#   --idle-seconds S        idle time after each burst (90, * 65); the check is at 60 s
#   --interval S            RSS sampling interval (5, * 2)
#   --documents N           corpus documents, about ten chunks each (300, * 40)
#   --connections N         mixed-traffic connections (16)
#   --burst-connections N   burst connections (4; the first two each make one big upload)
#   --big-upload-mib M      size of each big upload (0.5, * 0.1); about 700 chunks a MiB, embedded at
#                           roughly 20-40 chunks/s on 2 shared cores, so a burst overruns --burst-seconds by that
#   --think-ms MS           pause between a mixed-traffic worker's requests (0)
#   --env NAME=VALUE        extra environment for the service (repeatable), e.g. DOTNET_GCConserveMemory=5
#   --label TEXT            a note for the report, e.g. what --env changed
#   --out DIR               output folder (bench/results, * a new temporary folder)
#   --docs                  update docs/benchmarks.md from this run (also allowed with --smoke, for testing)
#   --no-build              skip the Release build
#
# Writes DIR/soak-<date>.csv (one row per sample), .json (figures), .md (summary) and .png (the curve). Everything
# listens on 127.0.0.1 only; every process started here is stopped on exit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=/usr/bin/python3
"$root/bench/install-deps.sh"  # python3-requests and matplotlib for the driver and its curve

smoke=0; build=1; docs=0; out=""; label=""; service_env=()
minutes=""; warmup=""; burst_every=""; burst_seconds=""; idle_seconds=""; interval=""; documents=""; big_mib=""
connections=16; burst_connections=4; think_ms=0
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --minutes|--warmup|--burst-every|--burst-seconds|--idle-seconds|--interval|--documents|--connections|\
    --burst-connections|--big-upload-mib|--think-ms|--env|--label|--out)
      [[ $# -ge 2 ]] || { echo "soak.sh: $1 needs a value" >&2; exit 2; } ;;
  esac
  case $1 in
    --smoke) smoke=1 ;;
    --minutes) minutes=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --burst-every) burst_every=$2; shift ;;
    --burst-seconds) burst_seconds=$2; shift ;;
    --idle-seconds) idle_seconds=$2; shift ;;
    --interval) interval=$2; shift ;;
    --documents) documents=$2; shift ;;
    --connections) connections=$2; shift ;;
    --burst-connections) burst_connections=$2; shift ;;
    --big-upload-mib) big_mib=$2; shift ;;
    --think-ms) think_ms=$2; shift ;;
    --env) service_env+=("$2"); shift ;;
    --label) label=$2; shift ;;
    --out) out=$2; shift ;;
    --docs) docs=1 ;;
    --no-build) build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "soak.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ $smoke == 1 ]]; then
  minutes=${minutes:-2.5}; warmup=${warmup:-20}; burst_every=${burst_every:-50}; burst_seconds=${burst_seconds:-10}
  idle_seconds=${idle_seconds:-65}; interval=${interval:-2}; documents=${documents:-40}; big_mib=${big_mib:-0.1}
  out=${out:-$(mktemp -d -t groundwork-soak-smoke.XXXXXX)}
else
  minutes=${minutes:-30}; warmup=${warmup:-300}; burst_every=${burst_every:-600}; burst_seconds=${burst_seconds:-60}
  idle_seconds=${idle_seconds:-90}; interval=${interval:-5}; documents=${documents:-300}; big_mib=${big_mib:-0.5}
  out=${out:-bench/results}
fi
for number in "$minutes" "$warmup" "$burst_every" "$burst_seconds" "$idle_seconds" "$interval" "$documents" \
              "$connections" "$burst_connections" "$big_mib" "$think_ms"; do
  [[ $number =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "soak.sh: '$number' is not a number" >&2; exit 2; }
done
for setting in ${service_env[@]+"${service_env[@]}"}; do
  [[ $setting =~ ^[A-Za-z_][A-Za-z0-9_]*=.*$ ]] || { echo "soak.sh: --env wants NAME=VALUE, not '$setting'" >&2; exit 2; }
done
total_seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')

work=$(mktemp -d -t groundwork-soak.XXXXXX)
log_tag=soak
keep_work=${SOAK_KEEP_WORK:-}
# shellcheck source=lib/processes.sh
source bench/lib/processes.sh

# SOAK_SERVICE_DLL runs another build of the service (an experiment built elsewhere); --no-build is then implied.
if [[ -n ${SOAK_SERVICE_DLL:-} ]]; then
  service_dll=$SOAK_SERVICE_DLL; build=0
fi
if [[ $build == 1 ]]; then
  log "building src/Groundwork (Release)"
  dotnet build src/Groundwork -c Release -nologo -v q --disable-build-servers >"$work/build.log" 2>&1 \
    || { cat "$work/build.log" >&2; exit 1; }
fi
[[ $service_dll == /* ]] || service_dll=$root/$service_dll
[[ -f $service_dll ]] || { echo "soak.sh: $service_dll is missing; run without --no-build" >&2; exit 1; }

port=$($python bench/extra.py free-port)
base=http://127.0.0.1:$port
mkdir -p "$out"
name=soak-$(date -u +%Y-%m-%d-%H%M)
[[ $smoke == 1 ]] && name=soak-smoke-$(date -u +%Y-%m-%d-%H%M%S)

$python - "$work/meta.json" <<EOF
import datetime, json, os, subprocess
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "src"], capture_output=True, text=True).stdout.strip()
runtimes = subprocess.run(["dotnet", "--list-runtimes"], capture_output=True, text=True).stdout.splitlines()
runtime = [line.split()[1] for line in runtimes if line.startswith("Microsoft.NETCore.App")]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
memory = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
json.dump({"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "commit": commit + ("+changes in src" if dirty else ""), "cores": os.cpu_count(), "cpu": cpu,
           "memory_gib": round(memory / 1048576, 1), "dotnet": ".NET " + (runtime[-1] if runtime else "?"),
           "load_average_before": open("/proc/loadavg").read().split()[0], "smoke": $smoke == 1,
           "label": """$label""", "service_env": """${service_env[*]+${service_env[*]}}""".split(),
           "settings": {"minutes": $minutes, "warmup_s": $warmup, "burst_every_s": $burst_every,
                        "burst_s": $burst_seconds, "idle_s": $idle_seconds, "interval_s": $interval,
                        "documents": $documents, "connections": $connections,
                        "burst_connections": $burst_connections, "big_upload_mib": $big_mib, "think_ms": $think_ms}},
          open("$work/meta.json", "w"))
EOF

log "service on $base (fresh data folder, local embeddings, model local) ${service_env[*]+env ${service_env[*]}}"
start service env ${service_env[@]+"${service_env[@]}"} Urls="$base" Storage__Path="$work/data" OPENAI_API_KEY= \
  ANTHROPIC_API_KEY= Logging__LogLevel__Default=Warning dotnet "$service_dll"
service_pid=$started
$python bench/extra.py wait-ready "$base" 90 >/dev/null
start sampler $python bench/lib/soak_report.py sample "$service_pid" "$work/rss.tsv" "$interval"
sampler_pid=$started
log "ingesting $documents documents"
run $python bench/lib/soak_driver.py ingest "$base" --documents "$documents" >"$work/ingest.json"
log "corpus: $(cat "$work/ingest.json"); RSS $(awk '/VmRSS/ { printf "%.0f MiB", $2 / 1024 }' /proc/$service_pid/status)"
log "traffic for $minutes min ($connections connections; bursts every ${burst_every}s of ${burst_seconds}s + ${idle_seconds}s idle)"
run $python bench/lib/soak_driver.py traffic "$base" --phases "$work/phases.json" --total-s "$total_seconds" \
  --warmup-s "$warmup" --burst-every-s "$burst_every" --burst-s "$burst_seconds" --idle-s "$idle_seconds" \
  --connections "$connections" --burst-connections "$burst_connections" --big-upload-mib "$big_mib" \
  --think-ms "$think_ms" >"$work/traffic.json"
log "traffic: $(cat "$work/traffic.json")"
kill -0 "$service_pid" 2>/dev/null || { echo "soak.sh: the service exited during the soak" >&2; cat "$work/service.log" >&2; exit 1; }
$python bench/extra.py memory "$service_pid" >"$work/final-memory.json"
stop "$sampler_pid"
stop "$service_pid"

$python bench/lib/soak_report.py report --work "$work" --out "$out/$name"
[[ $docs == 1 ]] && $python bench/lib/soak_report.py docs "$out/$name.json" docs/benchmarks.md && log "updated docs/benchmarks.md"
log "results: $out/$name.{csv,json,md,png}"
