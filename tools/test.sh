#!/usr/bin/env bash
# The test command (README "Run the tests"; .ci/run calls it). On a fresh Debian 12 machine as root:
# installs what is missing, then builds and runs every suite with CMake, with Meson, and the
# -fno-exceptions build of the unit tests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash tools/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
out=${PULSE_BUILD_ROOT:-$root/build-test}

echo "== CMake build (Release, unit + -fno-exceptions + integration tests)"
cmake -S . -B "$out/cmake" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out/cmake" -j "$jobs"
ctest --test-dir "$out/cmake" --output-on-failure

echo "== Meson build (same suites)"
if [ ! -d "$out/meson" ]; then
  meson setup "$out/meson" --buildtype=debugoptimized >/dev/null
fi
meson compile -C "$out/meson" -j "$jobs" >/dev/null
meson test -C "$out/meson" --print-errorlogs

# Embedding checks (each prints one line per check and "N passed, N failed"). All three run; the
# command fails if any of them failed.
embed_rc=0
echo "== Single header up to date with include/"
python3 tools/amalgamate.py --check || embed_rc=1
echo "== Header hygiene (standalone headers, -fno-exceptions/-fno-rtti, hostile macros, two versions, ...)"
bash tools/check-hygiene.sh || embed_rc=1
echo "== Packaging proofs (find_package, add_subdirectory, FetchContent, Meson subproject, pkg-config, single header)"
bash tools/check-packaging.sh || embed_rc=1
exit $embed_rc
