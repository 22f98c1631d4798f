#!/usr/bin/env bash
# The long fuzz run: starts Groundwork (Release, local model and embeddings, a temporary data folder) on 127.0.0.1, sends it
# requests generated from its own OpenAPI document (bench/Fuzz, the same generator and oracle as FuzzTests), samples its RSS
# and writes a summary to bench/results/fuzz-<date>.md: requests, statuses, failures by class with reproducers, latency, RSS.
#
#   bash bench/fuzz.sh                       100,000 requests
#   bash bench/fuzz.sh --requests 2000       a short check
#
# Options:
#   --requests N        requests in all (100000): every systematic case, random ones, then the raw-socket framing cases
#   --seed N            generator seed (1); the same seed sends the same requests
#   --concurrency N     requests in flight (2)
#   --slow-after S      an answer slower than this is a failure (5)
#   --results-dir DIR   where the summary goes (bench/results)
#   --failures FILE     also write every failing case to FILE, one tab-separated line each
#   --no-build          skip the Release build
#
# Traffic goes to 127.0.0.1 only. The service and everything else started here is stopped on exit or Ctrl-C.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
requests=100000; seed=1; concurrency=2; slow_after=5; results_dir=bench/results; build=1; failures=""
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --requests|--seed|--concurrency|--slow-after|--results-dir|--failures)
      [ $# -ge 2 ] || { echo "fuzz.sh: $1 needs a value" >&2; exit 2; } ;;
  esac
  case "$1" in
    --requests) requests="$2"; shift ;;
    --seed) seed="$2"; shift ;;
    --concurrency) concurrency="$2"; shift ;;
    --slow-after) slow_after="$2"; shift ;;
    --results-dir) results_dir="$2"; shift ;;
    --failures) failures="$2"; shift ;;
    --no-build) build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for number in "$requests" "$seed" "$concurrency" "$slow_after"; do
  [[ "$number" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: '$number' is not a whole number" >&2; exit 2; }
done

work=$(mktemp -d -t groundwork-fuzz.XXXXXX)
log_tag=fuzz
keep_work=${FUZZ_KEEP_WORK:-}
# shellcheck source=lib/processes.sh
source bench/lib/processes.sh
fuzz_dll=bench/Fuzz/bin/Release/net10.0/Fuzz.dll

if [[ $build == 1 ]]; then
  log "building in Release"
  for project in src/Groundwork bench/Fuzz; do
    dotnet build -c Release "$project" -nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  done
fi

commit=$(git rev-parse --short HEAD)$([[ -n $(git status --porcelain --untracked-files=no) ]] && echo "+changes" || true)
port=$(/usr/bin/python3 bench/extra.py free-port)
log "starting Groundwork on 127.0.0.1:$port (local model, data in $work/data)"
# Each 500 would log a stack trace: the fuzzer reports them, the log keeps warnings only.
start service dotnet "$root/$service_dll" --urls "http://127.0.0.1:$port" --Storage:Path="$work/data" \
  --Embeddings:Provider=local --OPENAI_API_KEY= --ANTHROPIC_API_KEY= --Logging:LogLevel:Default=Warning \
  --Logging:LogLevel:Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware=Critical
service_pid=$started
/usr/bin/python3 bench/extra.py wait-ready "http://127.0.0.1:$port" 120 >/dev/null

mkdir -p "$results_dir"
summary="$results_dir/fuzz-$(date +%Y-%m-%d-%H%M%S).md"
log "sending $requests requests ($concurrency at a time, seed $seed)"
status=0
run dotnet "$fuzz_dll" --url "http://127.0.0.1:$port" --requests "$requests" --seed "$seed" --concurrency "$concurrency" \
  --slow-after "$slow_after" --service-pid "$service_pid" --commit "$commit" --out "$summary" \
  ${failures:+--failures "$failures"} || status=$?
if ! kill -0 "$service_pid" 2>/dev/null; then
  log "the service exited during the run; its log:"
  tail -n 50 "$work/service.log" >&2
  status=3
fi
stop "$service_pid"
log "summary: $summary"
exit "$status"
