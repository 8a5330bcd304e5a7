#!/usr/bin/env bash
# Side-by-side benchmarks, in one run on this machine:
#   1. hello world: `switchyard dev` vs a bare SwiftNIO HTTP/1 server vs `deno serve` (wrk), plus
#      the bare server with hand-encoded responses (the ceiling for the edge's own encoder)
#   2. a CPU-bound handler: `switchyard dev` vs `deno serve` (wrk)
#   3. cold start of a new isolate, and memory of 1,000 idle isolates (switchyard-isolate-bench)
# Every server it starts is stopped on exit. Usage: Benchmarks/run.sh [seconds per run] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
rounds=${2:-2}
connections=32

bash scripts/setup.sh >/dev/null
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v deno >/dev/null || python3 -m pip install -q --root-user-action=ignore deno
swift build -c release --product switchyard >/dev/null
swift build -c release --product bare-nio-hello >/dev/null
swift build -c release --product switchyard-isolate-bench >/dev/null

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start() { # name port command...
  local port=$2; shift 2
  "$@" >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null && return; sleep 0.1; done
  echo "server on port $port did not start" >&2; exit 1
}

rps() { # url -> requests/second
  wrk -t1 -c$connections -d"${duration}s" "$1" | awk '/Requests\/sec/ {print $2}'
}

best() { sort -g | tail -1; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t1 -c$connections -d${duration}s, best of $rounds interleaved rounds after a 2 s warm-up each"
start switchyard 18801 .build/release/switchyard dev Benchmarks/workers/hello.js --port 18801
start bare-nio 18802 .build/release/bare-nio-hello 18802
start bare-nio-raw 18808 .build/release/bare-nio-hello 18808 "$(nproc)" --raw
start deno 18803 deno serve --port 18803 Benchmarks/workers/hello.js
start switchyard-cpu 18804 .build/release/switchyard dev Benchmarks/workers/cpu.js --port 18804
start deno-cpu 18805 deno serve --port 18805 Benchmarks/workers/cpu.js
start deno-cpu-parallel 18806 deno serve --parallel --port 18806 Benchmarks/workers/cpu.js
start switchyard-cpu-1 18807 .build/release/switchyard dev Benchmarks/workers/cpu.js --port 18807 --executors 1

targets="switchyard:18801 bare-nio:18802 bare-nio-raw:18808 deno:18803 switchyard-cpu:18804 deno-cpu:18805 deno-cpu-parallel:18806 switchyard-cpu-1:18807"
# Warm-up, unmeasured: every server gets its JIT tiers and caches settled the same way.
for target in $targets; do wrk -t1 -c$connections -d2s "http://127.0.0.1:${target##*:}/" >/dev/null; done

declare -A results
for round in $(seq "$rounds"); do
  for target in $targets; do
    results[${target%%:*}]+="$(rps "http://127.0.0.1:${target##*:}/") "
  done
done
value() { echo "${results[$1]}" | tr ' ' '\n' | grep . | best; }
sy=$(value switchyard); nio=$(value bare-nio); nioraw=$(value bare-nio-raw); deno=$(value deno)
sycpu=$(value switchyard-cpu); denocpu=$(value deno-cpu)
denopar=$(value deno-cpu-parallel); sycpu1=$(value switchyard-cpu-1)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
printf '\nhello world (requests/s)\n'
printf '  switchyard dev   %10.0f   %s of bare NIO, %s of deno\n' "$sy" "$(ratio "$sy" "$nio")" "$(ratio "$sy" "$deno")"
printf '  bare SwiftNIO    %10.0f   %s of deno\n' "$nio" "$(ratio "$nio" "$deno")"
printf '  deno serve       %10.0f\n' "$deno"
printf '  bare NIO, raw    %10.0f   responses hand-encoded as the edge does; switchyard dev is %s of it\n' \
  "$nioraw" "$(ratio "$sy" "$nioraw")"
printf '\nCPU-bound handler: 300 JSON records built, serialized, parsed, sorted (requests/s)\n'
printf '  switchyard dev (%d executors)      %10.0f   %s of deno serve\n' "$(nproc)" "$sycpu" "$(ratio "$sycpu" "$denocpu")"
printf '  deno serve (one thread)            %10.0f\n' "$denocpu"
printf '  switchyard dev --executors 1       %10.0f   %s of deno serve (same thread count)\n' "$sycpu1" "$(ratio "$sycpu1" "$denocpu")"
printf '  deno serve --parallel              %10.0f   switchyard dev is %s of it\n' "$denopar" "$(ratio "$sycpu" "$denopar")"
cleanup
pids=()
printf '\n'
.build/release/switchyard-isolate-bench cold-start 200
.build/release/switchyard-isolate-bench idle-memory 1000
