#!/usr/bin/env bash
# TLS at the edge against nginx, side by side in one run, on loopback: `switchyard serve
# --edge-tls-port` answering through its dispatch worker (a fixed 200 from JavaScript) vs nginx
# (Debian's) answering a fixed 200 itself, both with the same P-256 certificate and key as their
# only certificate, TLS 1.3 chosen by the client, no session resumption on either side.
#   handshakes/s:  `openssl s_time -new` (a full handshake and one HTTP/1.0 GET per connection,
#                  never resumed), two clients at once, their connections added up
#   HTTP/1.1 keep-alive requests/s: `h2load --h1` on 16 connections
#   HTTP/2 requests/s: `h2load` on 16 connections, 10 streams each (ALPN h2)
# Best of the interleaved rounds. Every process it starts is stopped on exit.
# Usage: Benchmarks/tls.sh [seconds per run] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
rounds=${2:-2}
source Benchmarks/lib.sh
command -v nginx >/dev/null || { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }
command -v h2load >/dev/null || { apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null; }
nginx=$(command -v nginx)

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj /CN=bench.example \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

mkdir -p "$work/dispatcher"
echo '{"name": "tls-bench", "main": "index.js"}' >"$work/dispatcher/wrangler.json"
echo 'export default { fetch() { return new Response("hello world\n"); } };' >"$work/dispatcher/index.js"
SWITCHYARD_ADMIN_TOKEN=bench-token "$switchyard" serve --data-dir "$work/data" --api-port 18830 --edge-port 18831 \
  --edge-tls-port 18832 --edge-tls-certificate "$work/cert.pem" --edge-tls-key "$work/key.pem" --acme-directory none \
  --dispatcher "$work/dispatcher" >/dev/null 2>&1 &
pids+=($!)

# One worker process a core, as the edge has one event loop a core.
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<EOF
worker_processes $(nproc);
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:18833 ssl http2;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off;
    ssl_session_tickets off;
    location / { return 200 "hello world\n"; }
  }
}
EOF
"$nginx" -c "$work/nginx.conf" -p "$work/nginx" &
pids+=($!)

wait_for() { # url
  for _ in $(seq 600); do curl -skf "$1" >/dev/null && return; sleep 0.1; done
  echo "nothing answered at $1" >&2
  exit 1
}
wait_for https://127.0.0.1:18832/
wait_for https://127.0.0.1:18833/
for port in 18832 18833; do
  [ "$(curl -sk "https://127.0.0.1:$port/")" = "hello world" ] || { echo "port $port does not answer hello world" >&2; exit 1; }
done

handshakes() { # port -> connections per second of two s_time clients at once
  local out1 out2
  out1=$(mktemp -p "$work") out2=$(mktemp -p "$work")
  openssl s_time -connect "127.0.0.1:$1" -new -www / -time "$duration" >"$out1" 2>/dev/null &
  local client1=$!
  openssl s_time -connect "127.0.0.1:$1" -new -www / -time "$duration" >"$out2" 2>/dev/null &
  local client2=$!
  wait "$client1" "$client2" || true
  cat "$out1" "$out2" | awk -v d="$duration" '/connections in [0-9.]+ real seconds/ { n += $1 } END { printf "%.0f", n / d }'
}
h2load_rps() { # arguments -> requests per second (0 if any request failed)
  h2load -D "$duration" -t 1 "$@" 2>/dev/null | awk '
    /^finished in/ { rps = $4 }
    /^requests:/ { failed = $10 + $12 }
    END { printf "%.0f", (failed > 0 ? 0 : rps) }'
}

# Warm both (the isolate, JIT, nginx's workers).
for port in 18832 18833; do h2load --h1 -n 2000 -c 8 "https://127.0.0.1:$port/" >/dev/null 2>&1; done

declare -A hs h1 h2
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$rounds"); do
  for target in switchyard:18832 nginx:18833; do
    name=${target%%:*} port=${target#*:}
    hs[$name]+="$(handshakes "$port") "
    h1[$name]+="$(h2load_rps --h1 -c 16 "https://127.0.0.1:$port/") "
    h2[$name]+="$(h2load_rps -c 16 -m 10 "https://127.0.0.1:$port/") "
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
best() { echo "$1" | tr ' ' '\n' | grep . | sort -g | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }

echo "machine: $(nproc) cores; load average before $load_before, after $load_after; ${duration}s runs, best of $rounds interleaved rounds"
echo "certificate: P-256 ECDSA (the same files for both); TLS 1.3; no session resumption"
printf '%-44s %12s %12s %8s\n' "" "switchyard" "nginx" "ratio"
row() { # label, switchyard's runs, nginx's runs
  local a b
  a=$(best "$2") b=$(best "$3")
  printf '%-44s %12s %12s %8s\n' "$1" "$a" "$b" "$(ratio "$a" "$b")"
}
row "TLS handshakes/s (new connection per request)" "${hs[switchyard]}" "${hs[nginx]}"
row "HTTPS HTTP/1.1 keep-alive requests/s" "${h1[switchyard]}" "${h1[nginx]}"
row "HTTPS HTTP/2 requests/s (16 conns x 10)" "${h2[switchyard]}" "${h2[nginx]}"
