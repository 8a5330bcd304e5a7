#!/usr/bin/env bash
# Runs the whole test suite: installs what is needed, builds everything (the tests start the real
# `switchyard` binary), and runs `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
swift build
# The schemathesis fuzz run (Tests/SwitchyardServerTests/FuzzTests.swift) keeps both cores busy for
# about 2 minutes, so it runs on its own, before the rest (whose summary is the last line).
if [ $# -eq 0 ]; then SWITCHYARD_FUZZ=1 swift test --skip-build --filter FuzzTests; fi
# libFuzzer over the V8 shim (Fuzz/README.md): replays every crash found so far, then fuzzes for
# 90 s; a crash fails the run.
if [ $# -eq 0 ]; then bash scripts/fuzz.sh 90; fi
swift test --skip-build "$@"
