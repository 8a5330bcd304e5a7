#!/usr/bin/env bash
# Installs what Switchyard needs, builds it, and runs the platform: `switchyard serve` with its
# built-in dispatch worker, the dispatch namespace "default", and the example user workers
# (examples/hello, examples/echo) deployed into it through the API. Prints the URLs to try.
# Extra arguments go to `switchyard serve` (for example --dispatcher examples/dispatcher).
# Ctrl-C stops it; the data stays in .switchyard/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product switchyard
bin=.build/release/switchyard
data=.switchyard
mkdir -p "$data"
log=$data/serve.log
"$bin" serve --data-dir "$data" "$@" >"$log" 2>&1 &
serve=$!
trap 'kill "$serve" 2>/dev/null; wait "$serve" 2>/dev/null' INT TERM EXIT
until grep -q "Edge listening" "$log"; do
  kill -0 "$serve" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.2
done
cat "$log"
api=$(sed -n 's|.*API listening on \(http://[^ ]*\).*|\1|p' "$log" | head -1)
edge=$(sed -n 's|^Edge listening on \([^:]*\):\([0-9]*\).*|\2|p' "$log" | head -1)
export SWITCHYARD_API_URL=$api
export SWITCHYARD_API_TOKEN=${SWITCHYARD_ADMIN_TOKEN:-$(cat "$data/admin-token")}
for worker in hello echo; do
  "$bin" deploy "examples/$worker" --dispatch-namespace default --name "$worker" | head -1
done
cat <<TRY

The platform is running. Try:
  curl http://hello.localhost:$edge/          # the built-in dispatcher routes by subdomain...
  curl http://127.0.0.1:$edge/echo/some/path  # ...or by the first path segment
  export SWITCHYARD_API_URL=$api SWITCHYARD_API_TOKEN=\$(cat $data/admin-token)
  $bin deploy examples/hello --dispatch-namespace default --name mine   # then http://mine.localhost:$edge/
Ctrl-C stops it.
TRY
wait "$serve"
