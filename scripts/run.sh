#!/usr/bin/env bash
# Installs what Switchyard needs, builds it, and serves the bundled example worker on
# http://127.0.0.1:8787 (like `wrangler dev`). Extra arguments go to `switchyard dev`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product switchyard
exec .build/release/switchyard dev examples/hello "$@"
