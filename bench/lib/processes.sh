# Process helpers shared by bench/extra.sh, bench/scale.sh and bench/ingest.sh; sourced, not run.
# Before sourcing, set: root (the repository, also the working folder), work (a temporary folder, deleted on exit
# unless keep_work is non-empty) and log_tag (the word in front of each log line). Every process started with
# `start` or `run` is stopped when the script exits.

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [[ -n ${keep_work:-} ]]; then
    echo "raw outputs kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[%s %s] %s\n' "$log_tag" "$(date +%H:%M:%S)" "$*" >&2; }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# Starts a process in the background, its output in $work/<name>.log; its pid is left in $started.
start() {
  local name=$1
  shift
  "$@" >"$work/$name.log" 2>&1 &
  started=$!
  pids+=("$started")
}

# Runs a command to completion in the background and waits for it, so a signal to this script stops it at once
# (bash runs traps only between foreground commands, but interrupts wait).
run() {
  local status=0
  "$@" &
  local pid=$!
  pids+=("$pid")
  wait "$pid" || status=$?
  forget "$pid"
  return "$status"
}

forget() {
  local kept=() other
  for other in "${pids[@]}"; do
    [[ $other == "$1" ]] || kept+=("$other")
  done
  pids=("${kept[@]}")
}

# SIGTERM and wait: ASP.NET Core shuts down gracefully (the service saves its vector index).
stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget "$1"
}

# Every Groundwork request needs an API key. The scripts make one, hand it to each service they start as its first
# operator's key (Auth__BootstrapKey in the environment) and to their clients as GROUNDWORK_KEY (python drivers, wrk
# scripts, curl), unless GROUNDWORK_KEY is already set.
GROUNDWORK_KEY=${GROUNDWORK_KEY:-$(/usr/bin/python3 -c 'import base64, secrets; print("gw_" + base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode())')}
export GROUNDWORK_KEY Auth__BootstrapKey=$GROUNDWORK_KEY

# The Release builds the scripts run, relative to the repository root (the scripts' working folder).
service_dll=src/Groundwork/bin/Release/net10.0/Groundwork.dll
upstream_dll=src/Groundwork.FakeUpstream/bin/Release/net10.0/Groundwork.FakeUpstream.dll

# Starts Groundwork.FakeUpstream on a free port and waits for it; leaves upstream_port and upstream_pid, and points
# the OpenAI provider settings of services started later at it. Arguments are more settings (--FakeUpstream:ChatLatencyMs=100).
start_fake_upstream() {
  upstream_port=$(/usr/bin/python3 bench/extra.py free-port)
  log "fake upstream on 127.0.0.1:$upstream_port"
  start upstream dotnet "$root/$upstream_dll" --urls "http://127.0.0.1:$upstream_port" --FakeUpstream:RecordedRequestLimit=0 "$@"
  upstream_pid=$started
  /usr/bin/python3 bench/extra.py wait-http "http://127.0.0.1:$upstream_port/v1/models" 60 >/dev/null
  export OPENAI_API_KEY=bench OPENAI_BASE_URL="http://127.0.0.1:$upstream_port/v1"
}

# Starts Groundwork embedding through the fake upstream: start_upstream_service LOG_NAME URL DATA_FOLDER [SETTING...];
# leaves service_pid.
start_upstream_service() {
  start "$1" dotnet "$root/$service_dll" --urls "$2" --Storage:Path="$3" \
    --Embeddings:Provider=openai --Logging:LogLevel:Default=Warning --Logging:LogLevel:Groundwork.Retrieval=Information "${@:4}"
  service_pid=$started
}
