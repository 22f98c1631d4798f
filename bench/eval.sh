#!/usr/bin/env bash
# Answer quality on the evaluation set (bench/eval/): Groundwork with its embedded defaults (local MiniLM embeddings,
# the `local` model) on a fresh data folder, the whole corpus ingested through the API, then retrieval (hit@1, hit@5,
# MRR@5 per mode), an abstention threshold sweep on hybrid relevance, and /generate with the local model at the
# service's own threshold (abstentions via `grounded`, the expected fact in the answer, unrelated quoted sentences),
# each checked against the issue's targets. Definitions: bench/lib/eval_driver.py.
#
#   bash bench/eval.sh                    build, start a fresh service, evaluate every question
#   bash bench/eval.sh --slice 20         the first 20 questions of each question file (a quick run)
#   bash bench/eval.sh --docs             after the run, write the "## Answer quality (evaluation set)" section of
#                                         docs/benchmarks.md
#   python3 bench/lib/eval_driver.py docs bench/results/eval-<date>.json docs/benchmarks.md   (the same, later)
#
# Options:
#   --url URL               evaluate a running service instead (loopback only; the corpus is uploaded to it, and
#                           files it already holds come back as duplicates with their ids)
#   --slice N               only the first N questions of each question file (the whole corpus is still ingested)
#   --env NAME=VALUE        extra environment for the started service (repeatable), e.g. Search__MinRelevance=0.4
#   --dump-features FILE    instead of the evaluation, write FILE: one JSON line per question and top-10 hybrid result
#                           (min_relevance 0) with its label, relevance, score, rank, question-chunk cosine and length
#   --out DIR               output folder (bench/results)
#   --docs                  update docs/benchmarks.md from this run
#   --no-build              skip the Release build
#
# Writes DIR/eval-<date>.json (figures, and the failing questions) and .md (summary). Exits 0 when the evaluation
# ran, whatever the targets say (they are in the report); 1 when the service lacks a field of the contract. The
# service listens on 127.0.0.1 only; every process started here is stopped on exit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
python=/usr/bin/python3
"$root/bench/install-deps.sh"  # python3-requests for the driver

build=1; docs=0; out=bench/results; url=""; slice=0; features=""; service_env=()
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --url|--slice|--env|--dump-features|--out)
      [[ $# -ge 2 ]] || { echo "eval.sh: $1 needs a value" >&2; exit 2; } ;;
  esac
  case $1 in
    --url) url=$2; shift ;;
    --slice) slice=$2; shift ;;
    --env) service_env+=("$2"); shift ;;
    --dump-features) features=$2; shift ;;
    --out) out=$2; shift ;;
    --docs) docs=1 ;;
    --no-build) build=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "eval.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ $slice =~ ^[0-9]+$ ]] || { echo "eval.sh: --slice wants a whole number, not '$slice'" >&2; exit 2; }
for setting in ${service_env[@]+"${service_env[@]}"}; do
  [[ $setting =~ ^[A-Za-z_][A-Za-z0-9_]*=.*$ ]] || { echo "eval.sh: --env wants NAME=VALUE, not '$setting'" >&2; exit 2; }
done
if [[ -n $url && ${#service_env[@]} -gt 0 ]]; then
  echo "eval.sh: --env sets the environment of a service this script starts; it cannot change the one at --url" >&2; exit 2
fi
[[ -n $features && $features != /* ]] && features=$PWD/$features
eval_dir=bench/eval
for file in answerable.jsonl unanswerable.jsonl; do
  [[ -f $eval_dir/$file ]] || { echo "eval.sh: $eval_dir/$file is missing" >&2; exit 1; }
done
[[ -d $eval_dir/corpus ]] || { echo "eval.sh: $eval_dir/corpus is missing (bench/eval/make-corpus.sh builds it)" >&2; exit 1; }
[[ -f $eval_dir/corpus/.complete ]] || echo "eval.sh: warning: $eval_dir/corpus/.complete is missing; the corpus may be unfinished" >&2

work=$(mktemp -d -t groundwork-eval.XXXXXX)
log_tag=eval
keep_work=${EVAL_KEEP_WORK:-}
# shellcheck source=lib/processes.sh
source bench/lib/processes.sh

mkdir -p "$out"
name=eval-$(date -u +%Y-%m-%d-%H%M)
[[ $slice != 0 ]] && name=eval-slice$slice-$(date -u +%Y-%m-%d-%H%M%S)

if [[ -z $url ]]; then
  if [[ $build == 1 ]]; then
    log "building src/Groundwork (Release)"
    dotnet build src/Groundwork -c Release -nologo -v q --disable-build-servers >"$work/build.log" 2>&1 \
      || { cat "$work/build.log" >&2; exit 1; }
  fi
  [[ -f $service_dll ]] || { echo "eval.sh: $service_dll is missing; run without --no-build" >&2; exit 1; }
  port=$($python bench/extra.py free-port)
  base=http://127.0.0.1:$port
  target="a fresh service with the embedded defaults"
  log "service on $base (fresh data folder, local embeddings, model local) ${service_env[*]+env ${service_env[*]}}"
  start service env ${service_env[@]+"${service_env[@]}"} Urls="$base" Storage__Path="$work/data" OPENAI_API_KEY= \
    ANTHROPIC_API_KEY= Logging__LogLevel__Default=Warning dotnet "$root/$service_dll"
  service_pid=$started
  $python bench/extra.py wait-ready "$base" 90 >/dev/null
else
  base=${url%/}
  target="the running service at $base"
  $python bench/extra.py wait-ready "$base" 30 >/dev/null
fi

EVAL_TARGET=$target EVAL_SERVICE_ENV="${service_env[*]+${service_env[*]}}" $python - "$work/meta.json" <<'EOF'
import datetime, json, os, subprocess, sys
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "src"], capture_output=True, text=True).stdout.strip()
json.dump({"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "commit": commit + ("+changes in src" if dirty else ""), "cores": os.cpu_count(),
           "target": os.environ["EVAL_TARGET"], "service_env": os.environ["EVAL_SERVICE_ENV"].split()},
          open(sys.argv[1], "w"))
EOF

driver=(run "$base" --corpus "$eval_dir/corpus" --answerable "$eval_dir/answerable.jsonl"
        --unanswerable "$eval_dir/unanswerable.jsonl" --slice "$slice")
if [[ -n $features ]]; then
  run $python bench/lib/eval_driver.py "${driver[@]}" --dump-features "$features"
  log "features: $features"
  exit 0
fi
run $python bench/lib/eval_driver.py "${driver[@]}" --meta "$work/meta.json" --out "$out/$name"
[[ -n ${service_pid:-} ]] && stop "$service_pid"
[[ $docs == 1 ]] && $python bench/lib/eval_driver.py docs "$out/$name.json" docs/benchmarks.md && log "updated docs/benchmarks.md"
log "results: $out/$name.{json,md}"
