#!/usr/bin/env bash
# Runs the whole test suite: installs what is needed, builds everything (the tests start the real
# `switchyard` binary), and runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
swift build
swift test --skip-build "$@"
