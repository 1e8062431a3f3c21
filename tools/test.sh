#!/usr/bin/env bash
# The test command (README "Run the tests"; .ci/run calls it). On a fresh Debian 12 machine as root:
# installs what is missing, then builds and runs every suite twice (CMake + clang + sanitizers,
# Meson + g++ optimized), checks that neither build printed a compiler warning, then the embedding
# and documentation checks (single header, header hygiene, packaging, the documented examples).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tools/install-deps.sh clang libclang-rt-14-dev

jobs=$(nproc 2>/dev/null || echo 2)
out=${PULSE_BUILD_ROOT:-$root/build-test}

# Two builds, each running every suite (unit, integration against the local server over loopback,
# examples, CLI; the CMake one also the unit tests built with -fno-exceptions). They differ on
# purpose, so that together they cover what one build cannot within the CI's time budget
# (compiling is most of it):
#  - CMake with clang, AddressSanitizer + UndefinedBehaviorSanitizer (library, tests, examples, CLI
#    and the local server all instrumented; leaks reported), -O0: the cheapest sanitized compile;
#    each unit test file compiled alone (the -fno-exceptions copy as one translation unit);
#  - Meson with g++, -O1: the other compiler, optimized, no instrumentation; each test executable
#    one translation unit (-Dtest_unity=true), since -O1 makes every repeated instantiation costly.
# Both run their suites two per core (ctest -j, meson test --num-processes): most suites spend their
# time waiting on the local server's stalls and timeouts, not computing.
echo "== CMake build (clang, ASan+UBSan, every suite)"
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
CXX=clang++ cmake -S . -B "$out/cmake" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
  -DCMAKE_CXX_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$out/cmake" -j "$jobs" 2>&1 | tee "$out/cmake-build.log"
leaks=$(bash tools/lsan-works.sh)
[ "$leaks" = 1 ] || echo "note: LeakSanitizer cannot run on this machine (ptrace refused); leak checking off"
ASAN_OPTIONS=detect_leaks=$leaks:strict_string_checks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$out/cmake" --output-on-failure -j $((jobs * 2))

echo "== Meson build (g++, -O1, same suites)"
if [ ! -d "$out/meson" ]; then
  # (-fno-exceptions unit tests: built once, in the sanitized CMake build above)
  CXX=g++ meson setup "$out/meson" -Doptimization=1 -Ddebug=false -Dno_exceptions_tests=false -Dtest_unity=true -Dcompiled=true >/dev/null
fi
meson compile -C "$out/meson" -j "$jobs" >"$out/meson-build.log" 2>&1 || { tail -n 60 "$out/meson-build.log"; exit 1; }
meson test -C "$out/meson" --print-errorlogs --num-processes $((jobs * 2))

# A quiet build: neither compiler warns about anything the project compiles (library headers,
# tests, examples, CLI, server). A fresh build directory compiles everything, so its log is complete.
echo "== Compiler warnings (clang in the CMake build, g++ in the Meson build)"
warnings=$(grep -hE 'warning:' "$out/cmake-build.log" "$out/meson-build.log" | sort -u || true)
if [ -n "$warnings" ]; then
  echo "$warnings" | head -n 40
  echo "compiler warnings: $(echo "$warnings" | wc -l) (the build must be warning-free)"
  exit 1
fi
echo "compiler warnings: none"

# Embedding and documentation checks (each prints one line per check and "N passed, N failed").
# All run; the command fails if any of them failed.
embed_rc=0
echo "== Single header up to date with include/"
python3 tools/amalgamate.py --check || embed_rc=1
echo "== Header hygiene (standalone headers, -fno-exceptions/-fno-rtti, hostile macros, two versions, ...)"
bash tools/check-hygiene.sh || embed_rc=1
echo "== Packaging proofs (find_package, add_subdirectory, FetchContent, Meson subproject, pkg-config, single header)"
PULSE_SERVER_EXECUTABLE="$out/meson/tools/pulse_server/pulse-server" bash tools/check-packaging.sh || embed_rc=1
echo "== Documentation examples (every C++ example with a main() in README.md and docs/ compiles and runs)"
bash tools/check-doc-examples.sh || embed_rc=1
exit $embed_rc
