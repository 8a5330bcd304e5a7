#!/usr/bin/env bash
# Coverage-guided fuzzing of the cv8 shim (Sources/CV8) with libFuzzer: see Fuzz/README.md.
#
#   scripts/fuzz.sh [seconds]     build .build-fuzz/shim_fuzzer, replay Fuzz/regressions/, then fuzz
#                                 for `seconds` (default 90) from Fuzz/corpus/
#
# Environment: FUZZ_JOBS=N runs N fuzzing processes (default 1); FUZZ_KEEP_GOING=1 keeps fuzzing
# after a crash (for long runs: every crash is saved in .build-fuzz/crashes); FUZZ_SANITIZE=undefined
# (UBSan only) or none (no sanitizer) build without ASan: faster, but blind to memory errors; FUZZ_MAX_LEN (default 1024); FUZZ_CV8_DIR
# fuzzes another copy of the shim's sources (for example one with known crashes patched out);
# FUZZ_KEEP_CORPUS=1 lets a short run (300 s or less) use and grow the long runs' working corpus.
# Exits non-zero if a regression input or a fuzzed input crashes; prints the crashing program.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-90}
jobs=${FUZZ_JOBS:-1}
sanitize=${FUZZ_SANITIZE:-address}
max_len=${FUZZ_MAX_LEN:-1024}
build=$root/.build-fuzz
cv8=${FUZZ_CV8_DIR:-Sources/CV8}
case $cv8 in /*) ;; *) cv8=$root/$cv8 ;; esac
clang=${CLANG:-/opt/swift/usr/bin/clang++}
[ -x "$clang" ] || clang=$(command -v clang++ || true)
libnode=$root/.deps/libnode
if [ -z "$clang" ]; then echo "fuzz: no clang++ with libFuzzer (set CLANG)" >&2; exit 2; fi
if [ ! -f "$libnode/lib/libnode.so" ]; then bash scripts/setup.sh; fi

# MARK: build (only when a source changed)
mkdir -p "$build"
binary=$build/shim_fuzzer-$sanitize
[ "$cv8" = "$root/Sources/CV8" ] || binary=$binary-$(basename "$cv8")
sources=(Fuzz/shim_fuzzer.cc Fuzz/program.cc "$cv8"/*.cc)
rebuild=0
[ -x "$binary" ] || rebuild=1
if [ $rebuild -eq 0 ]; then
  for f in "${sources[@]}" Fuzz/program.h "$cv8"/internal.h "$cv8"/include/cv8.h scripts/fuzz.sh; do
    if [ "$f" -nt "$binary" ]; then rebuild=1; break; fi
  done
fi
if [ $rebuild -eq 1 ]; then
  cv8_sources=("$cv8"/*.cc)
  harness_sources=("$root/Fuzz/shim_fuzzer.cc" "$root/Fuzz/program.cc")
  flags=(-std=c++17 -fno-rtti -O1 -g -fno-omit-frame-pointer -Wno-deprecated-declarations
    -I"$libnode/include" -I"$cv8" -I"$cv8/include"
    -DFUZZ_RUNTIME_DIR="\"$root/Sources/SwitchyardRuntime/JavaScript\"")
  sanitizers=()
  if [ "$sanitize" = address ]; then
    # -fsanitize-address-use-after-return=never: V8 compares the addresses of TryCatch scopes with
    # its stack, which ASan's fake stacks would break. vptr needs RTTI, which V8 is built without.
    sanitizers=(-fsanitize=address,undefined -fno-sanitize=vptr -fsanitize-address-use-after-return=never
      -fno-sanitize-recover=undefined)
  elif [ "$sanitize" = undefined ]; then
    sanitizers=(-fsanitize=undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined)
  fi
  echo "fuzz: building $binary"
  objects=$build/obj-$(basename "$binary")
  rm -rf "$objects" && mkdir -p "$objects"
  # Coverage instrumentation for the shim only: the harness's and the program generator's own
  # branches would otherwise count as coverage (statement outcomes are features of their own).
  (cd "$objects" && "$clang" "${flags[@]}" "${sanitizers[@]}" -fsanitize=fuzzer-no-link -c "${cv8_sources[@]}" &&
    "$clang" "${flags[@]}" "${sanitizers[@]}" -c "${harness_sources[@]}")
  "$clang" "${flags[@]}" "${sanitizers[@]}" -fsanitize=fuzzer "$objects"/*.o -L"$libnode/lib" \
    -Wl,-rpath,"$libnode/lib" -lnode -licuuc -lz -o "$binary.tmp" 2> >(grep -v "warning: Cannot export local symbol" >&2)
  mv "$binary.tmp" "$binary"
fi

# The runtime's JavaScript as the runtime loads it: the files, plus core/01_host_ops.js, which the
# runtime generates from its HostOperation enum (HostOperation.swift), generated here the same way.
runtime=$build/runtime
rm -rf "$runtime" && cp -r "$root/Sources/SwitchyardRuntime/JavaScript" "$runtime"
python3 - "$root/Sources/SwitchyardRuntime/HostOperation.swift" >"$runtime/core/01_host_ops.js" <<'PY'
import re, sys
cases = re.findall(r"^\s*case (\w+) = (\d+)$", open(sys.argv[1]).read(), re.M)
print("internals.hostOp = Object.freeze({ __proto__: null, " + ", ".join(f"{n}: {v}" for n, v in cases) + " });")
PY
export SHIM_FUZZ_RUNTIME_DIR=$runtime

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1:handle_abort=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
symbolizer=$(dirname "$clang")/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH=$symbolizer
common=(-rss_limit_mb=4096 -malloc_limit_mb=2048 -detect_leaks=0 -len_control=10 -timeout=30 -max_len="$max_len" -print_final_stats=1)

signature() {  # the fatal message and the first frame in the shim, from a crash log
  { grep -aE "==shim_fuzzer==|# Check failed|ERROR: (AddressSanitizer|libFuzzer: (out-of-memory|timeout))|runtime error:" "$1" |
      grep -v "ABRT on unknown address" | head -2
    grep -aE "#[0-9]+ .* in .*(Sources/CV8|$cv8)/" "$1" | head -1 | sed -E 's/^ *#[0-9]+ 0x[0-9a-f]+ in //'; } || true
}

show_crash() {  # prints a crashing input's program and its report
  local input=$1
  echo "fuzz: crashing input $input; its program and the crash:"
  SHIM_FUZZ_PRINT=1 "$binary" "${common[@]}" "$input" 2>&1 | grep -v "^INFO:" | head -c 20000 || true
}

# MARK: regressions first: every crash found so far
failed=0
shopt -s nullglob
regressions=(Fuzz/regressions/*)
for input in "${regressions[@]}"; do
  if ! "$binary" "${common[@]}" "$input" >"$build/regression.log" 2>&1; then
    echo "fuzz: REGRESSION $input crashes:"
    signature "$build/regression.log" | sed 's/^/    /'
    failed=1
  fi
done
echo "fuzz: replayed ${#regressions[@]} regression inputs ($([ $failed -eq 0 ] && echo "all pass" || echo "some crash"))"
[ "$seconds" -gt 0 ] || exit $failed

# MARK: fuzz from the seed corpus; the working corpus and crashes stay in .build-fuzz
# A short run (CI) starts afresh from the committed seeds; a long one keeps what it learns.
corpus=$build/corpus
if [ "$seconds" -le 300 ] && [ "${FUZZ_KEEP_CORPUS:-0}" != 1 ]; then corpus=$build/corpus-short; rm -rf "$corpus"; fi
crashes=$build/crashes
mkdir -p "$corpus" "$crashes"
log=$build/fuzz.log
start=$(date +%s)
before=$(ls "$crashes" | wc -l)
parallel=()
[ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
: >"$log"
status=0
while :; do
  left=$(( seconds - ($(date +%s) - start) ))
  [ "$left" -gt 0 ] || break
  set +e
  "$binary" "${common[@]}" "${parallel[@]}" -max_total_time="$left" -artifact_prefix="$crashes/" \
    "$corpus" Fuzz/corpus >>"$log" 2>&1
  status=$?
  set -e
  [ "$jobs" -gt 1 ] && cat fuzz-*.log >>"$log" 2>/dev/null && rm -f fuzz-*.log
  # FUZZ_KEEP_GOING=1: a crash ends one libFuzzer run; note it and start another on the same corpus.
  [ $status -ne 0 ] && [ "${FUZZ_KEEP_GOING:-0}" = 1 ] || break
  latest=$(ls -t "$crashes" | head -1)
  [ "$latest" != "${previous:-}" ] || break  # the same input again: a seed crashes at start-up
  previous=$latest
  echo "fuzz: crash after $(( $(date +%s) - start ))s: $latest; going on"
done
elapsed=$(( $(date +%s) - start ))
stats=$(grep -aE "^#[0-9]+" "$log" | tail -1 || true)
runs=$(grep -aoE "stat::number_of_executed_units: *[0-9]+" "$log" | awk '{s+=$2} END {print s+0}')
[ "$runs" -gt 0 ] || runs=$(grep -aoE "^#[0-9]+" "$log" | tail -1 | tr -d '#')
new=$(( $(ls "$crashes" | wc -l) - before ))
echo "fuzz: ${elapsed}s, ${runs} runs, last status: ${stats:-none}, new crash files: $new"
if [ $status -ne 0 ] || [ $new -gt 0 ]; then
  if [ $new -gt 1 ]; then
    echo "fuzz: the new crashes (newest first):"
    for input in $(ls -t "$crashes"/* | head -n "$new" | head -20); do
      "$binary" "${common[@]}" "$input" >"$build/replay.log" 2>&1 || true
      echo "  $(basename "$input"): $(signature "$build/replay.log" | tr '\n' ' ' | cut -c1-300)"
    done
  fi
  for input in $(ls -t "$crashes"/* 2>/dev/null | head -1); do show_crash "$input"; done
  echo "fuzz: FAILED (log: $log, crashes: $crashes)"
  exit 1
fi
exit $failed
