#!/usr/bin/env bash
# Build every libFuzzer target with clang (ASan + UBSan) and run each for a bounded time from its
# committed seed corpus, nproc targets at a time. Usage: tools/fuzz.sh [seconds-per-target]
# (default 30). Prints one line per target with its total executions (libFuzzer's final
# stat::number_of_executed_units) and a summary; fails if any target crashes, leaks, hangs past
# -timeout, runs out of memory or breaks one of its properties. Crash inputs and logs stay in
# $PULSE_BUILD_ROOT/fuzz (default build-test/fuzz); reproduce one with `<target> <crash-file>`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tools/install-deps.sh clang libclang-rt-14-dev
secs=${1:-30}
out=${PULSE_BUILD_ROOT:-$root/build-test}/fuzz
start=$(date +%s)
CXX=clang++ cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE= -DPULSE_BUILD_FUZZ=ON \
  -DPULSE_BUILD_TOOLS=OFF -DPULSE_BUILD_EXAMPLES=OFF -DPULSE_TEST_NO_EXCEPTIONS=OFF -DPULSE_CURL=OFF >/dev/null
mapfile -t targets < <(grep -E '^[a-z_]+$' tests/fuzz/targets.list)
cmake --build "$out" -j "$(nproc)" --target "${targets[@]}"
built=$(date +%s)
leaks=$(bash tools/lsan-works.sh)
[ "$leaks" = 1 ] || echo "note: LeakSanitizer cannot run on this machine (ptrace refused); leak checking off"

# One target: a scratch copy of its corpus (new inputs are not kept), its own log and exit status.
run_one() {
  local t=$1 work="$out/run/$1"
  rm -rf "$work" && mkdir -p "$work"
  cp -r "tests/fuzz/corpus/$t/." "$work/" 2>/dev/null || true
  local rc=0
  (cd "$out" && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=$leaks \
      "$out/tests/fuzz/$t" -max_total_time="$secs" -print_final_stats=1 -max_len=65536 -timeout=10 \
      -rss_limit_mb=2048 -artifact_prefix="$out/$t-" "$work" >"$out/$t.log" 2>&1) || rc=$?
  echo "$rc" >"$out/$t.rc"
}

jobs=$(nproc)
for t in "${targets[@]}"; do
  rm -f "$out/$t.rc"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_one "$t" &
done
wait

passed=0; failed=0; total=0
for t in "${targets[@]}"; do
  rc=$(cat "$out/$t.rc" 2>/dev/null || echo 99)
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$out/$t.log" | grep -Eo '[0-9]+$' | tail -1 || true)
  if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
    printf 'fuzz %-20s %10s executions in %ss, no crash\n' "$t" "$runs" "$secs"
    passed=$((passed+1)); total=$((total+runs))
  else
    printf 'fuzz %-20s FAILED (exit %s; log %s)\n' "$t" "$rc" "$out/$t.log"
    grep -E 'property violated|ERROR:|runtime error|SUMMARY|Test unit written' "$out/$t.log" | head -8 || true
    tail -20 "$out/$t.log"
    failed=$((failed+1))
  fi
  rm -rf "$out/run/$t"
done
end=$(date +%s)
echo "fuzz: $passed passed, $failed failed; $total executions in total; build $((built-start)) s, runs $((end-built)) s ($jobs at a time, ${secs} s each)"
[ "$failed" -eq 0 ]
