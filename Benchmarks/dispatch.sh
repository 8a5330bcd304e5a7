#!/usr/bin/env bash
# The dispatch hop, side by side in one run: hello world through `switchyard serve`'s dispatcher
# to a user worker (two isolate calls per request) vs the user worker alone in `switchyard dev`,
# a bare SwiftNIO server and `deno serve`: requests/second at 32 connections, and p50 / p99 at one
# connection (no queueing), whose p50 difference between serve and dev is the hop's cost.
# Every server it starts is stopped on exit. Usage: Benchmarks/dispatch.sh [seconds per run] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
rounds=${2:-2}

bash scripts/setup.sh >/dev/null
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v deno >/dev/null || python3 -m pip install -q --root-user-action=ignore deno
swift build -c release --product switchyard >/dev/null
swift build -c release --product bare-nio-hello >/dev/null

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

wait_for() { # url
  for _ in $(seq 200); do curl -sf "$1" >/dev/null && return; sleep 0.1; done
  echo "nothing answered at $1" >&2; exit 1
}

SWITCHYARD_ADMIN_TOKEN=bench-token .build/release/switchyard serve --data-dir "$work/data" \
  --api-port 18820 --edge-port 18821 >/dev/null 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:18820/client/v4/openapi.json
SWITCHYARD_API_URL=http://127.0.0.1:18820/client/v4 SWITCHYARD_API_TOKEN=bench-token \
  .build/release/switchyard deploy Benchmarks/workers/hello.js --dispatch-namespace default --name hello >/dev/null
wait_for http://127.0.0.1:18821/hello/
.build/release/switchyard dev Benchmarks/workers/hello.js --port 18822 >/dev/null 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:18822/
.build/release/bare-nio-hello 18823 >/dev/null 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:18823/
deno serve --port 18824 Benchmarks/workers/hello.js >/dev/null 2>&1 &
pids+=($!)
wait_for http://127.0.0.1:18824/

targets="dispatch:18821/hello/ dev:18822/ bare-nio:18823/ deno:18824/"
for target in $targets; do wrk -t1 -c32 -d2s "http://127.0.0.1:${target#*:}" >/dev/null; done

declare -A rps p50 p99
micros() { # wrk latency (e.g. 45.00us, 1.20ms) -> microseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /ms$/) n *= 1000; else if (v ~ /s$/ && v !~ /us$/) n *= 1000000; printf "%.1f", n }'
}
for round in $(seq "$rounds"); do
  for target in $targets; do
    name=${target%%:*}; url="http://127.0.0.1:${target#*:}"
    rps[$name]+="$(wrk -t1 -c32 -d"${duration}s" "$url" | awk '/Requests\/sec/ {print $2}') "
    latency=$(wrk -t1 -c1 -d"${duration}s" --latency "$url")
    p50[$name]+="$(micros "$(echo "$latency" | awk '$1 == "50%" {print $2}')") "
    p99[$name]+="$(micros "$(echo "$latency" | awk '$1 == "99%" {print $2}')") "
  done
done
best() { echo "$1" | tr ' ' '\n' | grep . | sort -g | tail -1; }
least() { echo "$1" | tr ' ' '\n' | grep . | sort -g | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

echo "machine: $(nproc) cores; wrk -t1 -d${duration}s; best of $rounds interleaved rounds (rps at 32 connections, latency at 1)"
printf '%-34s %10s %10s %10s\n' "" "requests/s" "p50 (us)" "p99 (us)"
for name in dispatch dev bare-nio deno; do
  printf '%-34s %10.0f %10s %10s\n' "$name" "$(best "${rps[$name]}")" "$(least "${p50[$name]}")" "$(least "${p99[$name]}")"
done
printf '\ndispatcher -> user worker: %s of bare NIO, %s of the user worker alone (dev), %s of deno\n' \
  "$(ratio "$(best "${rps[dispatch]}")" "$(best "${rps[bare-nio]}")")" \
  "$(ratio "$(best "${rps[dispatch]}")" "$(best "${rps[dev]}")")" \
  "$(ratio "$(best "${rps[dispatch]}")" "$(best "${rps[deno]}")")"
awk -v a="$(least "${p50[dispatch]}")" -v b="$(least "${p50[dev]}")" \
  'BEGIN { printf "dispatch hop at p50: %.1f us (p50 through the dispatcher minus p50 of the worker alone)\n", a - b }'
