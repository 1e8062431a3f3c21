#!/usr/bin/env bash
# Build every libFuzzer target with clang (ASan + UBSan) and run each for a bounded time from its
# committed seed corpus. Usage: tools/fuzz.sh [seconds-per-target] (default 30).
# Prints one line per target with its total executions, and fails on any crash.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tools/install-deps.sh clang libclang-rt-14-dev
secs=${1:-30}
out=${PULSE_BUILD_ROOT:-$root/build-test}/fuzz
CXX=clang++ cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPULSE_BUILD_FUZZ=ON \
  -DPULSE_BUILD_TOOLS=OFF -DPULSE_BUILD_EXAMPLES=OFF -DPULSE_TEST_NO_EXCEPTIONS=OFF -DPULSE_CURL=OFF >/dev/null
targets=$(grep -E '^[a-z_]+$' tests/fuzz/targets.list)
cmake --build "$out" -j "$(nproc)" --target $targets
passed=0; failed=0
for t in $targets; do
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$t/." "$work/" 2>/dev/null || true
  log="$out/$t.log"
  if (cd "$out" && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
        "$out/tests/fuzz/$t" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 "$work" >"$log" 2>&1); then
    runs=$(grep -Eo 'Done [0-9]+ runs' "$log" | grep -Eo '[0-9]+' | tail -1)
    echo "fuzz $t: ${runs:-?} executions in ${secs}s, no crash"
    passed=$((passed+1))
  else
    echo "fuzz $t: FAILED (log: $log)"; tail -40 "$log"
    failed=$((failed+1))
  fi
  rm -rf "$work"
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
