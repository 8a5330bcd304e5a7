#!/usr/bin/env bash
# Noisy neighbours, side by side in one run: a well-behaved user worker's throughput behind the
# built-in dispatcher alone, then while three runaway user workers are requested without pause
# (a CPU loop stopped by its 50 ms cpu_ms, a memory bomb stopped at 128 MB, a subrequest storm
# stopped at 10,000 subrequests). Every answer of the well-behaved worker is checked.
# Usage: Benchmarks/noisy.sh [seconds per run] [rounds]
# SWITCHYARD_BINARY=path uses that binary instead of building `.build/release/switchyard`.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
rounds=${2:-2}
source Benchmarks/lib.sh
bin=$switchyard
SWITCHYARD_ADMIN_TOKEN=bench-token "$bin" serve --data-dir "$work/data" --api-port 18830 --edge-port 18831 \
  >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 200); do curl -sf http://127.0.0.1:18830/client/v4/openapi.json >/dev/null && break; sleep 0.1; done
export SWITCHYARD_API_URL=http://127.0.0.1:18830/client/v4 SWITCHYARD_API_TOKEN=bench-token
"$bin" deploy Benchmarks/workers/hello.js --dispatch-namespace default --name good >/dev/null
for runaway in spin bomb storm; do
  mkdir -p "$work/$runaway"
  cp "Benchmarks/workers/noisy/$runaway.js" "$work/$runaway/worker.js"
  printf '{"name":"%s","main":"worker.js","limits":{"cpu_ms":50}}\n' "$runaway" >"$work/$runaway/wrangler.json"
  "$bin" deploy "$work/$runaway" --dispatch-namespace default >/dev/null
done
expected=$(curl -s http://127.0.0.1:18831/good/)

# wrk checks every answer: a non-2xx or a different body counts as an error.
cat >"$work/check.lua" <<LUA
local expected = [[$expected]]
bad = 0
response = function(status, headers, body) if status ~= 200 or body ~= expected then bad = bad + 1 end end
done = function(summary, latency, requests) io.write(string.format("wrong answers: %d\n", bad)) end
LUA
measure() { wrk -t1 -c16 -d"${duration}s" -s "$work/check.lua" http://127.0.0.1:18831/good/; }
wrk -t1 -c16 -d2s http://127.0.0.1:18831/good/ >/dev/null
neighbours() {
  for runaway in spin bomb storm; do
    (while :; do curl -s -o /dev/null "http://127.0.0.1:18831/$runaway/"; done) &
    pids+=($!)
  done
}
stop_neighbours() { for pid in "${pids[@]:1}"; do kill "$pid" 2>/dev/null || true; done; pids=("${pids[0]}"); }

solo=(); noisy=(); wrong=0
for round in $(seq "$rounds"); do
  out=$(measure); solo+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
  wrong=$((wrong + $(echo "$out" | awk '/wrong answers/ {print $3}')))
  neighbours
  out=$(measure); noisy+=("$(echo "$out" | awk '/Requests\/sec/ {print $2}')")
  wrong=$((wrong + $(echo "$out" | awk '/wrong answers/ {print $3}')))
  stop_neighbours
done
best() { printf '%s\n' "$@" | sort -g | tail -1; }
s=$(best "${solo[@]}"); n=$(best "${noisy[@]}")
echo "machine: $(nproc) cores; wrk -t1 -c16 -d${duration}s; best of $rounds interleaved rounds"
printf 'well-behaved worker alone:                  %10.0f req/s\n' "$s"
printf 'with three runaway neighbours:              %10.0f req/s  (%s of solo)\n' "$n" \
  "$(awk -v a="$n" -v b="$s" 'BEGIN { printf "%.2fx", a / b }')"
echo "wrong answers of the well-behaved worker: $wrong"
