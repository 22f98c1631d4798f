#!/usr/bin/env bash
# Bulk ingestion throughput with the default local embedding model (all-MiniLM-L6-v2 on ONNX Runtime):
# 10,000 short paragraphs, once as 10,000 documents and once as one document, each into a fresh data folder.
#
#   bench/ingest.sh [--paragraphs N] [--no-build]
#
# Writes bench/results/ingest-<timestamp>.json and prints it. Listens on 127.0.0.1 only.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
paragraphs=10000
build=1
while [[ $# -gt 0 ]]; do
  case $1 in
    --paragraphs) paragraphs=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "usage: $0 [--paragraphs N] [--no-build]" >&2; exit 2 ;;
  esac
done

if [[ $build == 1 ]]; then
  dotnet build src/Groundwork -c Release -v quiet -nologo >/dev/null
fi
work=$(mktemp -d -t groundwork-ingest.XXXXXX)
log_tag=ingest
# shellcheck source=lib/processes.sh
source bench/lib/processes.sh

port=$(python3 bench/extra.py free-port)
results=()
for shape in documents single; do
  rm -rf "$work/data"
  start "service-$shape" env Urls=http://127.0.0.1:$port Storage__Path=$work/data OPENAI_API_KEY= ANTHROPIC_API_KEY= \
    dotnet "$service_dll"
  service=$started
  python3 bench/extra.py wait-ready "http://127.0.0.1:$port" 60 >/dev/null
  log "$shape: $paragraphs paragraphs, load $(load_average)"
  results+=("$(run python3 bench/lib/bulk_ingest.py "http://127.0.0.1:$port" --paragraphs "$paragraphs" --shape "$shape")")
  stop "$service"
done

out=bench/results/ingest-$(date -u +%Y-%m-%d-%H%M%S).json
printf '{"machine": "%s cores, %s", "runs": [%s]}\n' "$(nproc)" "$(uname -m)" "$(IFS=,; echo "${results[*]}")" | python3 -m json.tool > "$out"
cat "$out"
