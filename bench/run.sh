#!/usr/bin/env bash
# Side-by-side benchmark of POST /generate: the post's FastAPI service, its Flask twin and Groundwork, each against
# the same fake upstream (fixed embedding and chat latency), measured with wrk at each connection count.
#
#   bash bench/run.sh            full run: results in bench/results/<date>.json, the table in docs/benchmarks.md,
#                                the chart in docs/images/generate-throughput.png
#   bash bench/run.sh --smoke    a few seconds per system; results, table and chart in a new temporary folder (or
#                                --results-dir), nothing in the repository but the Release build outputs
#
# Options (defaults for the full run; --smoke changes those marked *):
#   --smoke                      short run, see above
#   --results-dir DIR            where the results JSON goes (default bench/results, * a new temporary folder)
#   --duration S                 seconds per measurement (20, * 3)
#   --warmup S                   seconds of warm-up per system, in 5 s rounds whose throughput is recorded (40, * 1)
#   --connections LIST           comma-separated wrk connection counts (64,256)
#   --chat-latency-ms MS         fake upstream chat latency (100)
#   --embedding-latency-ms MS    fake upstream embedding latency (10)
#   --chunks N                   chunks loaded into Groundwork before measuring (10000, * 500)
#   --systems LIST               which systems, in order (fastapi,flask,groundwork); groundwork is measured twice: after
#                                loading the documents, and again after a restart on the same data folder
#   --wrk-threads N              wrk threads (2)
#   --wrk-timeout S              wrk request timeout (5)
#   --telemetry on|off           Groundwork with OpenTelemetry (on) or Telemetry:Enabled=false (off) (on)
#   --no-docs                    full run without updating docs/benchmarks.md and the chart
#   --no-install, --no-build     skip the Debian package check / the Release build
#
# Every process it starts runs in its own process group and is stopped on exit, failure or Ctrl-C.
# If bench/extra.sh is executable it runs last, with the results JSON path (and --smoke when given).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py=/usr/bin/python3
began=$(date +%s.%N)

smoke=0; results_dir=""; duration=""; warmup=""; connections="64,256"; chat_ms=100; embedding_ms=10; chunks=""
systems="fastapi,flask,groundwork"; wrk_threads=2; wrk_timeout=5; docs=1; install=1; build=1; telemetry=on
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --results-dir|--duration|--warmup|--connections|--chat-latency-ms|--embedding-latency-ms|--chunks|--systems|\
    --wrk-threads|--wrk-timeout|--telemetry)
      [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 2; } ;;
  esac
  case "$1" in
    --smoke) smoke=1 ;;
    --results-dir) results_dir="$2"; shift ;;
    --duration) duration="$2"; shift ;;
    --warmup) warmup="$2"; shift ;;
    --connections) connections="$2"; shift ;;
    --chat-latency-ms) chat_ms="$2"; shift ;;
    --embedding-latency-ms) embedding_ms="$2"; shift ;;
    --chunks) chunks="$2"; shift ;;
    --systems) systems="$2"; shift ;;
    --wrk-threads) wrk_threads="$2"; shift ;;
    --wrk-timeout) wrk_timeout="$2"; shift ;;
    --telemetry) telemetry="$2"; shift ;;
    --no-docs) docs=0 ;;
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$smoke" -eq 1 ]; then
  duration=${duration:-3}; warmup=${warmup:-1}; chunks=${chunks:-500}
else
  duration=${duration:-20}; warmup=${warmup:-40}; chunks=${chunks:-10000}
fi
for number in "$duration" "$warmup" "$chat_ms" "$embedding_ms" "$chunks" "$wrk_threads" "$wrk_timeout" ${connections//,/ }; do
  [[ "$number" =~ ^[0-9]+$ ]] || { echo "run.sh: '$number' is not a whole number" >&2; exit 2; }
done
case "$telemetry" in on|off) ;; *) echo "run.sh: --telemetry is on or off, not '$telemetry'" >&2; exit 2 ;; esac
for system in ${systems//,/ }; do
  case "$system" in fastapi|flask|groundwork) ;; *) echo "run.sh: unknown system '$system'" >&2; exit 2 ;; esac
done

seconds_since() { awk -v now="$(date +%s.%N)" -v then="$1" 'BEGIN { printf "%.2f", now - then }'; }
log() { printf '[%6.1fs] %s\n' "$(seconds_since "$began")" "$*"; }

# --- processes: each in its own process group, all stopped on exit -------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/groundwork-bench.XXXXXX")"
groups=()
started_pid=""

start_group() { # LOG COMMAND...: starts COMMAND as the leader of a new session and process group
  local output="$1"; shift
  setsid "$@" >"$output" 2>&1 </dev/null &
  started_pid=$!
  groups+=("$started_pid")
}

group_alive() { # PGID: true while a process of the group is running (zombies do not count)
  ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

stop_group() { # PGID: TERM, up to 10 s to finish, then KILL
  local pgid="$1" i
  if group_alive "$pgid"; then
    kill -TERM -- "-$pgid" 2>/dev/null || true
    for i in $(seq 100); do group_alive "$pgid" || break; sleep 0.1; done
    if group_alive "$pgid"; then kill -KILL -- "-$pgid" 2>/dev/null || true; fi
  fi
  wait "$pgid" 2>/dev/null || true
  local kept=()
  for i in "${groups[@]}"; do [ "$i" = "$pgid" ] || kept+=("$i"); done
  groups=(${kept[@]+"${kept[@]}"})
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local i
  for ((i = ${#groups[@]} - 1; i >= 0; i--)); do stop_group "${groups[i]}"; done
  if [ "$status" -ne 0 ]; then
    echo "run.sh: failed (exit $status); logs kept in $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "run.sh: $*" >&2; exit 1; }

free_port() {
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_until() { # SECONDS PID DESCRIPTION COMMAND...: polls COMMAND every 0.1 s while PID lives
  local seconds="$1" pid="$2" what="$3"; shift 3
  local deadline=$(( $(date +%s) + seconds ))
  until "$@"; do
    kill -0 "$pid" 2>/dev/null || fail "$what exited before it was ready"
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what not ready after ${seconds}s"
    sleep 0.1
  done
}

# --- preparation ---------------------------------------------------------------------------------------------------
if [ "$install" -eq 1 ]; then
  "$repo/bench/install-deps.sh"
fi
for tool in wrk setsid curl "$py"; do command -v "$tool" >/dev/null || fail "$tool is missing"; done

# Groundwork's first operator gets this key (Auth__BootstrapKey, inherited by the service); the load generators send
# it as GROUNDWORK_KEY (bench/post.lua, bench/lib/load_documents.py). The peers ignore the header.
GROUNDWORK_KEY=${GROUNDWORK_KEY:-$("$py" -c 'import base64, secrets; print("gw_" + base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode())')}
export GROUNDWORK_KEY Auth__BootstrapKey=$GROUNDWORK_KEY

if [ "$build" -eq 1 ]; then
  log "building src/Groundwork and src/Groundwork.FakeUpstream (Release)"
  for project in src/Groundwork/Groundwork.csproj src/Groundwork.FakeUpstream/Groundwork.FakeUpstream.csproj; do
    dotnet build "$repo/$project" -c Release --nologo -v quiet --disable-build-servers >"$work/build.log" 2>&1 \
      || { cat "$work/build.log" >&2; fail "building $project failed"; }
  done
fi
groundwork_dll="$repo/src/Groundwork/bin/Release/net10.0/Groundwork.dll"
fake_dll="$repo/src/Groundwork.FakeUpstream/bin/Release/net10.0/Groundwork.FakeUpstream.dll"
[ -f "$groundwork_dll" ] && [ -f "$fake_dll" ] || fail "Release builds missing; run without --no-build"

body_file="$repo/bench/generate-request.json"
export WRK_BODY_FILE="$body_file"
IFS=, read -r -a connection_counts <<<"$connections"
max_connections=$(printf '%s\n' "${connection_counts[@]}" | sort -n | tail -n 1)

cat >"$work/settings" <<EOF
repo=$repo
smoke=$smoke
started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
duration=$duration
warmup=$warmup
connections=$connections
chat_latency_ms=$chat_ms
embedding_latency_ms=$embedding_ms
chunks=$chunks
systems=$(echo "$systems" | sed 's/\bgroundwork\b/groundwork,groundwork_restarted/')
wrk_threads=$wrk_threads
wrk_timeout=$wrk_timeout
telemetry=$telemetry
request_body_file=$body_file
EOF

# --- the fake upstream ---------------------------------------------------------------------------------------------
fake_port=$(free_port)
fake_command=(dotnet "$fake_dll" --urls "http://127.0.0.1:$fake_port" "--FakeUpstream:ChatLatencyMs=$chat_ms"
              "--FakeUpstream:EmbeddingLatencyMs=$embedding_ms" --FakeUpstream:RecordedRequestLimit=0)
echo "fake_command=${fake_command[*]/#$repo\//}" >>"$work/settings"
start_group "$work/fake-upstream.log" "${fake_command[@]}"
fake_pid=$started_pid
fake_ready() {
  curl -sf -o /dev/null --max-time 2 -H 'authorization: Bearer bench' "http://127.0.0.1:$fake_port/v1/models"
}
wait_until 60 "$fake_pid" "the fake upstream" fake_ready
log "fake upstream on 127.0.0.1:$fake_port (chat ${chat_ms} ms, embeddings ${embedding_ms} ms)"
upstream="http://127.0.0.1:$fake_port/v1"

# --- one system ----------------------------------------------------------------------------------------------------
generate_ok() { # PORT: POST the benchmark body once; true on 200 with a non-empty "text"
  local status
  status=$(curl -s -o "$work/check.json" -w '%{http_code}' --max-time 10 -H 'content-type: application/json' \
    -H "authorization: Bearer $GROUNDWORK_KEY" --data-binary "@$body_file" "http://127.0.0.1:$1/generate") || return 1
  [ "$status" = 200 ] && "$py" -c 'import json, sys; sys.exit(not json.load(open(sys.argv[1])).get("text"))' \
    "$work/check.json"
}

groundwork_ready() { # PORT
  curl -sf --max-time 2 "http://127.0.0.1:$1/health/ready" | grep -q '"status":"Healthy"'
}

run_wrk() { # PORT CONNECTIONS SECONDS OUTPUT
  wrk "-t$wrk_threads" "-c$2" "-d${3}s" --latency --timeout "${wrk_timeout}s" -s "$repo/bench/post.lua" \
    "http://127.0.0.1:$1/generate" >"$4" 2>&1 || { cat "$4" >&2; fail "wrk failed"; }
}

cpu_microseconds() { # PID: CPU time (user + system) used so far by the process and its descendants, in µs
  "$py" "$repo/bench/lib/rss_sampler.py" cpu "$1"
}

warm_up() { # PORT FOLDER: the warm-up at the highest connection count, in rounds of at most 5 s, each one recorded
  local port="$1" folder="$2" left="$warmup" round=0 seconds
  while [ "$left" -gt 0 ]; do
    seconds=$(( left < 5 ? left : 5 ))
    run_wrk "$port" "$max_connections" "$seconds" "$folder/wrk-warmup-$round.txt"
    left=$(( left - seconds )); round=$(( round + 1 ))
  done
}

measure() { # SYSTEM LABEL ENVIRONMENT COMMAND...
  local system="$1" label="$2" environment="$3"; shift 3
  local folder="$work/$system" port pid sampler t0 t1 c
  mkdir -p "$folder"
  port=$(free_port)
  local command=("${@//@PORT@/$port}")
  {
    echo "label=$label"
    echo "command=${command[*]/#$repo\//}"
    echo "environment=$environment"
  } >"$folder/info"

  t0=$(date +%s.%N)
  # shellcheck disable=SC2086 # the environment is a list of NAME=value words
  start_group "$folder/server.log" env -u PYTHONPATH -u PYTHONHOME $environment "${command[@]}"
  pid=$started_pid
  start_group "$folder/rss-sampler.log" "$py" "$repo/bench/lib/rss_sampler.py" sample "$pid" "$folder/rss.tsv"
  sampler=$started_pid

  if [ "$system" = groundwork_restarted ]; then
    # The same data folder as the first groundwork run: nothing is loaded, the index and SQLite are read back.
    wait_until 60 "$pid" "$label" groundwork_ready "$port"
    echo "startup_seconds=$(seconds_since "$t0")" >>"$folder/info"
    echo "ready_json=$(curl -sf --max-time 5 "http://127.0.0.1:$port/health/ready")" >>"$folder/info"
    log "$system: ready on 127.0.0.1:$port after a restart on the same data folder"
    wait_until 30 "$pid" "$label" generate_ok "$port"
  elif [ "$system" = groundwork ]; then
    wait_until 60 "$pid" "$label" groundwork_ready "$port"
    echo "startup_seconds=$(seconds_since "$t0")" >>"$folder/info"
    log "$system: ready on 127.0.0.1:$port; loading documents up to $chunks chunks"
    local loaded
    loaded=$("$py" "$repo/bench/lib/load_documents.py" "http://127.0.0.1:$port" "$chunks" --concurrency 8) \
      || fail "loading documents into Groundwork failed"
    echo "load_json=$loaded" >>"$folder/info"
    local indexed
    indexed=$("$py" -c 'import json, sys; print(json.loads(sys.argv[1])["chunks"])' "$loaded")
    log "$system: $loaded"
    # Within 5 % of the target.
    [ $(( indexed * 100 )) -ge $(( chunks * 95 )) ] && [ $(( indexed * 100 )) -le $(( chunks * 105 )) ] \
      || fail "Groundwork indexed $indexed chunks, not within 5 % of $chunks"
    wait_until 30 "$pid" "$label" generate_ok "$port"
  else
    wait_until 60 "$pid" "$label" generate_ok "$port"
    echo "startup_seconds=$(seconds_since "$t0")" >>"$folder/info"
    log "$system: ready on 127.0.0.1:$port"
  fi
  echo "check_bytes=$(stat -c %s "$work/check.json")" >>"$folder/info"

  warm_up "$port" "$folder"
  for c in "${connection_counts[@]}"; do
    sleep 1
    t1=$(date +%s.%N)
    local cpu_before
    cpu_before=$(cpu_microseconds "$pid")
    run_wrk "$port" "$c" "$duration" "$folder/wrk-$c.txt"
    echo "$c $t1 $(date +%s.%N) $cpu_before $(cpu_microseconds "$pid")" >>"$folder/phases"
    log "$system: $c connections: $(grep -h 'Requests/sec' "$folder/wrk-$c.txt" | tr -s ' ')"
    kill -0 "$pid" 2>/dev/null || fail "$label exited during the measurement"
  done

  read -r hwm processes < <("$py" "$repo/bench/lib/rss_sampler.py" hwm "$pid")
  { echo "hwm_kib=$hwm"; echo "hwm_processes=$processes"; } >>"$folder/info"
  stop_group "$sampler"
  stop_group "$pid"
}

# --- the systems ---------------------------------------------------------------------------------------------------
python_env="PYTHONDONTWRITEBYTECODE=1 PYTHONNOUSERSITE=1 UPSTREAM_URL=$upstream OPENAI_API_KEY=bench"
case "$telemetry" in on|off) ;; *) echo "run.sh: --telemetry is on or off, not '$telemetry'" >&2; exit 2 ;; esac
for system in ${systems//,/ }; do
  case "$system" in
    fastapi)
      measure fastapi "FastAPI (uvicorn, 2 workers, uvloop, httptools)" "$python_env" \
        "$py" -m uvicorn fastapi_app:app --app-dir "$repo/bench/peers" --host 127.0.0.1 --port @PORT@ \
        --workers 2 --loop uvloop --http httptools --no-access-log --log-level warning ;;
    flask)
      measure flask "Flask (gunicorn, 2 workers × 32 threads, gthread)" "$python_env" \
        "$py" -m gunicorn flask_app:app --chdir "$repo/bench/peers" --bind 127.0.0.1:@PORT@ \
        --workers 2 --threads 32 --worker-class gthread --log-level warning ;;
    groundwork)
      # Search:MinRelevance=0: relevance is calibrated for MiniLM, not the fake upstream's hashed word vectors, under
      # which every question would abstain without calling the model; the peers always call it, so Groundwork does too.
      storage="$work/groundwork-data"
      mkdir -p "$storage"
      groundwork_command=(dotnet "$groundwork_dll" --urls http://127.0.0.1:@PORT@ "--Storage:Path=$storage"
        --Embeddings:Provider=openai --Search:MinRelevance=0 "--Telemetry:Enabled=$([ "$telemetry" = on ] && echo true || echo false)")
      groundwork_environment="OPENAI_API_KEY=bench OPENAI_BASE_URL=$upstream Logging__LogLevel__Default=Warning"
      measure groundwork "Groundwork (ASP.NET Core, one process)" "$groundwork_environment" "${groundwork_command[@]}"
      # A restart on the same data folder (issue 16): the same figures are expected, after the same warm-up.
      measure groundwork_restarted "Groundwork, restarted on the same data folder" "$groundwork_environment" \
        "${groundwork_command[@]}" ;;
  esac
done
stop_group "$fake_pid"

# --- results -------------------------------------------------------------------------------------------------------
{
  echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wall_seconds=$(seconds_since "$began")"
} >>"$work/settings"

today=$(date -u +%Y-%m-%d)
if [ "$smoke" -eq 1 ]; then
  results_dir=${results_dir:-$(mktemp -d "${TMPDIR:-/tmp}/groundwork-bench-smoke.XXXXXX")}
  name="smoke-$today-$(date -u +%H%M%S)"
else
  results_dir=${results_dir:-$repo/bench/results}
  name="$today"
  [ -e "$results_dir/$name.json" ] && name="$today-$(date -u +%H%M%S)"
fi
mkdir -p "$results_dir"
results="$results_dir/$name.json"
"$py" "$repo/bench/lib/report.py" assemble "$work" "$results"

if [ "$smoke" -eq 1 ]; then
  # Drawn beside the results, so a smoke run exercises the table and the chart without touching the docs.
  "$py" "$repo/bench/lib/report.py" render "$results" "$results_dir/$name.md" "$results_dir/$name.png"
elif [ "$docs" -eq 1 ]; then
  "$py" "$repo/bench/lib/report.py" render "$results" "$repo/docs/benchmarks.md" "$repo/docs/images/generate-throughput.png"
  log "updated docs/benchmarks.md and docs/images/generate-throughput.png"
fi

echo
"$py" "$repo/bench/lib/report.py" summary "$results"
echo
log "results: $results"

if [ -x "$repo/bench/extra.sh" ]; then
  log "running bench/extra.sh"
  extra_args=("$results")
  [ "$smoke" -eq 1 ] && extra_args+=(--smoke)
  "$repo/bench/extra.sh" "${extra_args[@]}" || fail "bench/extra.sh failed"
fi
log "done"
