#!/usr/bin/env bash
# Bindings from a worker, side by side in one run: Switchyard's KV (kv.sqlite3, each write on disk
# before it is acknowledged), D1 (a point query and an insert on a SQLite file, synchronous = FULL)
# and R2 (1 MB objects in files, synced before the answer) against `deno serve` running the same
# routes on Deno's own stores (Deno.openKv() on a file, node:sqlite with the same pragmas, files).
# Both workers: Benchmarks/workers/bindings/. Switchyard runs the worker as the dispatch worker
# of `switchyard serve --dispatcher` (no dispatch hop: one worker each).
# Per row: requests/second at 16 connections, then p50 / p99 at 1 connection (no queueing).
# Loopback only; every process started here is stopped on exit.
#
# Usage: Benchmarks/bindings.sh [seconds per run, default 10]
# SWITCHYARD_BINARY=path uses that binary instead of building `.build/release/switchyard`.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
api_port=18930
edge_port=18931
deno_port=18932

source Benchmarks/lib.sh

SWITCHYARD_ADMIN_TOKEN=bench-token "$switchyard" serve --data-dir "$work/data" --api-port "$api_port" \
  --edge-port "$edge_port" --dispatcher Benchmarks/workers/bindings >"$work/serve.log" 2>&1 &
pids+=($!)
wait_for_log "$work/serve.log" "Deployed the dispatch worker" "${pids[-1]}"
mkdir -p "$work/deno-r2"
BENCH_KV_PATH="$work/deno-kv.sqlite3" BENCH_D1_PATH="$work/deno-d1.sqlite3" BENCH_R2_DIR="$work/deno-r2" "$deno" serve --unstable-kv --allow-env --allow-read --allow-write \
  --host 127.0.0.1 --port "$deno_port" Benchmarks/workers/bindings/deno.js >"$work/deno.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$deno_port/setup" && break; sleep 0.05; done

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
LUA
# The R2 put rows send a 1 MB body.
cat >"$work/post-1mb.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 1024 * 1024)
LUA

declare -A rps p50 p99 failed
measure() { # measure SERVER ROUTE PORT
  local key="$2/$1" url="http://127.0.0.1:$3$2" args=()
  [[ $2 == */put ]] && args=(-s "$work/post.lua")
  [[ $2 == /r2/put ]] && args=(-s "$work/post-1mb.lua")
  local check method=GET data=()
  [[ $2 == */put ]] && method=POST && data=(--data-binary x)
  check=$(curl -s -o /dev/null -w '%{http_code}' -X "$method" "${data[@]}" "$url" || true)
  if [ "$check" != 200 ]; then failed[$key]="check request: status $check"; return; fi
  wrk -t2 -c16 -d"${duration}s" "${args[@]}" "$url" >"$work/wrk.out" 2>&1 || true
  if grep -q "Non-2xx" "$work/wrk.out"; then failed[$key]="$(grep Non-2xx "$work/wrk.out")"; return; fi
  rps[$key]=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
  wrk -t1 -c1 -d"${duration}s" --latency "${args[@]}" "$url" >"$work/latency.out" 2>&1 || true
  p50[$key]=$(awk '$1 == "50%" {print $2}' "$work/latency.out")
  p99[$key]=$(awk '$1 == "99%" {print $2}' "$work/latency.out")
}

curl -s -o /dev/null "http://127.0.0.1:$edge_port/setup"
routes="/kv/get /kv/put /d1/get /d1/put /r2/get /r2/put"
for route in $routes; do
  echo "  running $route" >&2
  measure switchyard "$route" "$edge_port"
  measure deno "$route" "$deno_port"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
echo "machine: $(nproc) cores; wrk -t2 -c16 for req/s, -t1 -c1 for latency, ${duration}s each; $("$deno" --version | head -1)"
printf '%-28s %-11s %10s %10s %10s\n' "row" "server" "req/s" "p50" "p99"
for route in $routes; do
  for server in switchyard deno; do
    key="$route/$server"
    label=$([ "$server" = switchyard ] && echo "$route" || echo "")
    if [ -n "${failed[$key]:-}" ]; then
      printf '%-28s %-11s FAILED: %s\n' "$label" "$server" "${failed[$key]}"
    else
      printf '%-28s %-11s %10s %10s %10s\n' "$label" "$server" "${rps[$key]}" "${p50[$key]}" "${p99[$key]}"
    fi
  done
  printf '%-28s %-11s %10s\n' "" "sy / deno" "$(ratio "${rps[$route/switchyard]:-}" "${rps[$route/deno]:-}")"
done
