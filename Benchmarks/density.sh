#!/usr/bin/env bash
# The long tail: N distinct hello-world user workers behind the built-in dispatcher, requested
# round-robin, then in a Zipf-like mix, then one hot worker (Benchmarks/density.py: requests/s,
# p50 / p99, cold starts/s, warm hit rate, RSS over time and per warm isolate). With
# BASELINE_BINARY (a switchyard built from an older commit), the hot worker is also measured on
# it, side by side, for the "keeps 0.9x of today's throughput" row.
# Usage: Benchmarks/density.sh [workers] [seconds per mix] [budget MB]
set -euo pipefail
cd "$(dirname "$0")/.."
workers=${1:-10000}
seconds=${2:-20}
budget=${3:-4096}
source Benchmarks/lib.sh

wait_for() { # url
  for _ in $(seq 300); do curl -sf "$1" >/dev/null && return; sleep 0.1; done
  echo "nothing answered at $1" >&2; exit 1
}

SWITCHYARD_ADMIN_TOKEN=bench-token "$switchyard" serve --data-dir "$work/data" --api-port 18830 --edge-port 18831 \
  --isolate-memory-budget "$budget" >/dev/null 2>&1 &
pids+=($!)
server=$!
wait_for http://127.0.0.1:18830/client/v4/openapi.json
python3 Benchmarks/density.py --api-port 18830 --edge-port 18831 --token bench-token --pid "$server" \
  --workers "$workers" --seconds "$seconds" --budget-mb "$budget" --work "$work"

if [ -n "${BASELINE_BINARY:-}" ]; then
  SWITCHYARD_ADMIN_TOKEN=bench-token "$BASELINE_BINARY" serve --data-dir "$work/baseline" --api-port 18832 \
    --edge-port 18833 >/dev/null 2>&1 &
  pids+=($!)
  wait_for http://127.0.0.1:18832/client/v4/openapi.json
  SWITCHYARD_API_URL=http://127.0.0.1:18832/client/v4 SWITCHYARD_API_TOKEN=bench-token \
    "$switchyard" deploy Benchmarks/workers/hello.js --dispatch-namespace default --name w0 >/dev/null
  wait_for http://127.0.0.1:18833/w0/
  declare -A best=([now]=0 [baseline]=0)
  for round in 1 2 3; do
    for target in now:18831 baseline:18833; do
      rps=$(wrk -t2 -c32 -d"${seconds}s" "http://127.0.0.1:${target#*:}/w0/" | awk '/Requests\/sec/ {print $2}')
      name=${target%%:*}
      best[$name]=$(awk -v a="${best[$name]}" -v b="$rps" 'BEGIN { print (b > a ? b : a) }')
    done
  done
  awk -v a="${best[now]}" -v b="${best[baseline]}" \
    'BEGIN { printf "one hot worker, best of 3 interleaved rounds: %.0f req/s now, %.0f before (one isolate per executor, no placement): %.2fx\n", a, b, a / b }'
fi
