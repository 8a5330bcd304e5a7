#!/usr/bin/env bash
# WebCrypto and a router, side by side in one run: the same module (Benchmarks/workers/webcrypto)
# served by `switchyard serve --dispatcher` on one executor and by `deno serve`.
# Crypto rows: operations per second inside requests (each request does N operations, one
# request at a time, so one core of JavaScript each: "per executor"). Router row: requests/s
# of a Hono-style router app (params, two middlewares, JSON) at 16 connections; hello row: the
# same for a bare `new Response`, the router row's baseline.
# Loopback only; every process started here is stopped on exit.
#
# Usage: Benchmarks/webcrypto.sh [seconds per run, default 10]
# SWITCHYARD_BINARY=path uses that binary instead of building `.build/release/switchyard`.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
api_port=18940
edge_port=18941
deno_port=18942

source Benchmarks/lib.sh

SWITCHYARD_ADMIN_TOKEN=bench-token "$switchyard" serve --data-dir "$work/data" --api-port "$api_port" \
  --edge-port "$edge_port" --executors 1 --dispatcher Benchmarks/workers/webcrypto >"$work/serve.log" 2>&1 &
pids+=($!)
wait_for_log "$work/serve.log" "Deployed the dispatch worker" "${pids[-1]}"
"$deno" serve --host 127.0.0.1 --port "$deno_port" Benchmarks/workers/webcrypto/worker.js >"$work/deno.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$deno_port/api/users/1" && break; sleep 0.05; done

declare -A rate
# ops ROUTE N PORT: operations per second over one connection for $duration seconds.
ops() {
  local url="http://127.0.0.1:$3$1?n=$2"
  if [ "$(curl -s "$url" | cut -d' ' -f1)" != "$2" ]; then echo "-"; return; fi
  wrk -t1 -c1 -d"${duration}s" "$url" >"$work/wrk.out" 2>&1 || true
  awk -v n="$2" '/Requests\/sec/ {printf "%.0f", $2 * n}' "$work/wrk.out"
}
router() { # PORT [PATH]
  local url="http://127.0.0.1:$1${2:-/api/posts/42/comments/7}"
  wrk -t2 -c16 -d"${duration}s" "$url" >"$work/wrk.out" 2>&1 || true
  if grep -q "Non-2xx" "$work/wrk.out"; then echo "-"; return; fi
  awk '/Requests\/sec/ {printf "%.0f", $2}' "$work/wrk.out"
}

rows="hmac digest aes router hello"
declare -A count=([hmac]=200 [digest]=200 [aes]=4)
for row in $rows; do
  echo "  running $row" >&2
  for server in switchyard deno; do
    port=$edge_port; [ "$server" = deno ] && port=$deno_port
    case $row in
      router) rate[$row/$server]=$(router "$port") ;;
      hello) rate[$row/$server]=$(router "$port" /hello) ;;
      *) rate[$row/$server]=$(ops "/$row" "${count[$row]}" "$port") ;;
    esac
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
echo "machine: $(nproc) cores; switchyard --executors 1; $("$deno" --version | head -1); ${duration}s per run"
printf '%-34s %14s %14s %8s\n' "row" "switchyard" "deno" "ratio"
label() { case $1 in
  hmac) echo "HMAC-SHA-256 sign, 1 KB (ops/s)";; digest) echo "SHA-256 digest, 1 KB (ops/s)";;
  aes) echo "AES-GCM encrypt, 1 MB (ops/s)";; router) echo "router app (req/s, 16 conns)";;
  hello) echo "hello world, its baseline (req/s)";; esac; }
for row in $rows; do
  printf '%-34s %14s %14s %8s\n' "$(label "$row")" "${rate[$row/switchyard]}" "${rate[$row/deno]}" "$(ratio "${rate[$row/switchyard]}" "${rate[$row/deno]}")"
done
