#!/usr/bin/env bash
# The Windows build, proven under Wine. On Debian 12, as root, from the root of a checkout:
#
#     bash tools/test-windows.sh
#
# 1. installs what is missing: the project's packages (tools/install-deps.sh) plus mingw-w64
#    (g++-mingw-w64-x86-64-posix), wine64 and openssl (the test certificates);
# 2. builds pulse-server natively (or takes PULSE_SERVER, e.g. the one tools/test.sh built: .ci/run
#    passes it), then cross-builds for 64-bit Windows with cmake/toolchains/mingw-w64-x86_64.cmake: the unit tests,
#    the WinHTTP integration tests, pulse.exe (the CLI over WinHTTP) and the examples that build on
#    Windows -- -O1, no debug info, each test executable one translation unit, Boost.JSON and
#    Boost.URL compiled once from their src.hpp;
# 3. makes a Wine prefix under the build folder and a test PKI (tests/data/tls/make-certs.sh), and
#    adds the test CA to the prefix's trusted roots (tests/windows/wine_trust_ca.cpp): WinHTTP
#    trusts the Windows certificate store, not a CA file;
# 4. starts the native servers the Windows programs attach to (tests/integration/server_process.hpp:
#    one per profile, listed in PULSE_TEST_SERVERS), and runs under Wine:
#      unit          the unit tests (tests/unit.list) but two that only cost time here (below)
#      winhttp       the transport conformance suite over HTTP and HTTPS, the cases the in-tree
#                    adapters share (adapter_cases.hpp), the certificate cases, proxies, the
#                    asynchronous transport and the driver (winhttp_transport.cpp)
#      fault_matrix  the fault matrix with WinHTTP, the same rows as curl and Beast
#                    (winhttp_fault_matrix.cpp)
#      cli_extract   pulse.exe extract examples/data/sample.pdf: submit, poll, single-use download
#                    (the server delivers even this small result as a large result), then a second
#                    download of the same result, which must be refused (exit 8, gone)
#      extract_md    examples/extract_markdown.exe: the blocking client, one document
#      engine_loop   examples/engine_loop.exe: extractions in a 60 Hz loop over pulse::winhttp::driver
#    and, natively, the hygiene check with mingw-w64's real <windows.h> (check-hygiene.sh windows_h_real:
#    every public header compiles after it), while the Windows programs run.
# Each check prints one line; the last line is "N passed, N failed"; the exit code is non-zero when
# any failed. Logs stay in the build folder ($out/logs). "test-windows: ... at N s" lines give the
# time of each part (packages, builds, tests).
#
# Environment: PULSE_BUILD_ROOT (default build-test/ in the checkout; this script uses its windows/
# folder), PULSE_SERVER (a pulse-server binary built from this checkout, to skip building one),
# PULSE_WINE (the wine64 binary; default: the one Debian's wine64 package installs).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
start=$(date +%s)
stamp() { echo "test-windows: $1 at $(( $(date +%s) - start )) s"; }

bash tools/install-deps.sh g++-mingw-w64-x86-64-posix wine64 openssl || { echo "test-windows: installing packages failed"; exit 1; }
stamp "packages"

out=${PULSE_BUILD_ROOT:-$root/build-test}/windows
logs=$out/logs
mkdir -p "$out" "$logs"
wine=${PULSE_WINE:-}
if [ -z "$wine" ]; then
  wine=$(dpkg -L wine64 2>/dev/null | grep -E '/wine64$' | head -1)
  [ -n "$wine" ] || wine=$(command -v wine64 || true)
fi
[ -x "$wine" ] || { echo "test-windows: no wine64 binary found (dpkg -L wine64)"; exit 1; }
export WINEPREFIX=$out/wineprefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
# Windows paths for files on this machine: Wine maps drive Z: to /.
winpath() { echo "Z:$1"; }

passed=0 failed=0
report() { # <name> <rc> <text>
  if [ "$2" = 0 ]; then passed=$((passed + 1)); printf 'PASS  %-13s %s\n' "$1" "$3"
  else failed=$((failed + 1)); printf 'FAIL  %-13s %s\n' "$1" "$3"; fi
}
finish() {
  stamp "done"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit $?
}

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. the Wine prefix, made while the builds run (wineboot takes a while the first time) -------
( "$wine" wineboot --init >"$logs/wineboot.log" 2>&1 ) &
wineboot_pid=$!

# --- 2. the builds, one after the other (each uses both cores) -----------------------------------
build_rc=0
server=${PULSE_SERVER:-}
if [ -z "$server" ]; then
  server=$out/server/pulse-server
  { cmake -S tools/pulse_server -B "$out/server" -G Ninja -DCMAKE_BUILD_TYPE=Release &&
    cmake --build "$out/server" -j 2; } >"$logs/server-build.log" 2>&1 || build_rc=1
fi

# The cross compiler sees Boost and doctest through folders holding only their links: never the
# build machine's /usr/include, whose Linux headers would shadow mingw-w64's.
mkdir -p "$out/deps"
ln -sfn /usr/include/boost "$out/deps/boost"
ln -sfn /usr/include/doctest "$out/deps/doctest"
targets=(pulse_unit_tests pulse_integration_tests wine_trust_ca pulse-cli extract_markdown engine_loop)
{
  cmake -S . -B "$out/cross" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/mingw-w64-x86_64.cmake" \
    -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_FLAGS="-O1 -Wa,-mbig-obj" \
    -DPULSE_BOOST_INCLUDE_DIR="$out/deps" -DPULSE_DOCTEST_INCLUDE_DIR="$out/deps" \
    -DPULSE_INSTALL=OFF -DPULSE_TEST_UNITY=ON -DPULSE_TEST_NO_EXCEPTIONS=OFF &&
  cmake --build "$out/cross" -j 2 --target "${targets[@]}"
} >"$logs/cross-build.log" 2>&1 || build_rc=1
stamp "built"
wait "$wineboot_pid" || true
cross=$out/cross
if [ $build_rc = 0 ] && [ -x "$server" ]; then
  report build 0 "cross-built ${targets[*]} (mingw-w64, $(x86_64-w64-mingw32-g++-posix -dumpversion)); pulse-server native"
else
  report build 1 "see $logs/cross-build.log and $logs/server-build.log"
  tail -n 30 "$logs/cross-build.log" "$logs/server-build.log" 2>/dev/null | sed 's/^/      | /'
  finish
fi

# The real-<windows.h> hygiene check needs only the compiler: it runs while the tests below do
# (they mostly wait on the network and on timeouts).
( bash tools/check-hygiene.sh windows_h_real >"$logs/hygiene.log" 2>&1 ) &
hygiene_pid=$!
pids+=("$hygiene_pid")

# --- 3. the test PKI, trusted by the prefix -----------------------------------------------------
pki=$out/pki
rm -rf "$pki" && mkdir -p "$pki"
if ! sh tests/data/tls/make-certs.sh "$pki" >"$logs/pki.log" 2>&1 ||
   ! "$wine" "$cross/tests/wine_trust_ca.exe" "$(winpath "$pki/ca.pem")" >>"$logs/pki.log" 2>&1; then
  report pki 1 "the test CA could not be made or trusted: $logs/pki.log"
  finish
fi

# The build machine's CA-file variables name Linux files; Wine hands them to the Windows programs,
# where config::from_env() would read them as a CA bundle, which WinHTTP refuses (docs/windows.md).
unset CURL_CA_BUNDLE SSL_CERT_FILE

# --- 4. the servers, one per profile the Windows tests ask for -----------------------------------
# A server's stdin is a FIFO this script holds open for writing: whatever ends the script, the
# servers see end of file and stop (--exit-on-stdin-eof), as with the POSIX test harness.
lifeline=$out/lifeline
rm -f "$lifeline" && mkfifo "$lifeline"
exec 9<>"$lifeline"
servers=""
start_server() { # <host for the URL> <name> <api key> [args...]; sets port
  local host=$1 name=$2 key=$3 scheme=http
  shift 3
  local a skip=0 profile=$key
  for a in "$@"; do
    [ "$a" = --tls-cert ] && scheme=https
    # The profile: the key and the arguments, paths reduced to file names, --large-url-base left out.
    if [ $skip = 1 ]; then skip=0; continue; fi
    if [ "$a" = --large-url-base ]; then skip=1; continue; fi
    profile="$profile ${a##*/}"
  done
  "$server" --exit-on-stdin-eof --port 0 --quiet --api-key "$key" "$@" <"$lifeline" >"$logs/server-$name.out" 2>"$logs/server-$name.err" &
  pids+=($!)
  port=""
  local i
  for i in $(seq 100); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$logs/server-$name.out")
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "test-windows: pulse-server ($name) did not start"; cat "$logs/server-$name.err"; return 1; }
  servers="${servers:+$servers;}$scheme://$host:$port $profile"
}
# HTTPS servers are named "localhost": Wine matches certificates by DNS name only (not IP:127.0.0.1).
start_server 127.0.0.1 plain test-key &&
start_server 127.0.0.1 matrix fm-secret-key-4711 --threads 2 &&
start_server localhost tls test-key --tls-cert "$pki/server.pem" --tls-key "$pki/server.key" --large-url-base https://localhost:PORT &&
start_server localhost tls-other test-key --tls-cert "$pki/other.pem" --tls-key "$pki/other.key" --large-url-base https://localhost:PORT &&
start_server localhost tls-wrong-host test-key --tls-cert "$pki/wrong-host.pem" --tls-key "$pki/wrong-host.key" --large-url-base https://localhost:PORT &&
start_server 127.0.0.1 cli cli-key --large-threshold 1k && cli_port=$port ||
  { report servers 1 "see $logs/server-*.err"; finish; }
export PULSE_TEST_SERVERS="$servers" PULSE_TEST_PKI_DIR="$(winpath "$pki")"
stamp "servers up"

# Runs a doctest executable under Wine; reports its summary line.
run_doctest() { # <name> <exe> [doctest args...]
  local name=$1 exe=$2 rc
  shift 2
  ( cd "$out" && timeout 600 "$wine" "$exe" "$@" ) >"$logs/$name.log" 2>&1
  rc=$?
  local summary
  summary=$(grep -a '^\[doctest\] test cases:' "$logs/$name.log" | tail -1 | sed 's/^\[doctest\] //; s/  */ /g')
  if ! grep -aq '^\[doctest\] Status: SUCCESS' "$logs/$name.log" && [ "$rc" = 0 ]; then rc=1; fi
  report "$name" "$rc" "${summary:-no summary (exit $rc)}; log: $logs/$name.log"
  if [ "$rc" != 0 ]; then grep -a -A12 'ERROR\|FATAL\|Unhandled' "$logs/$name.log" | head -n 40 | sed 's/^/      | /'; fi
}

# --- 5. unit tests -------------------------------------------------------------------------------
# All but two, left out for CI's time budget only: they decode large generated results (5 MB results
# over several seeds; one large synthetic result), pure computation that the Linux suites run
# as they are, and under Wine they took most of this run (about 40 of 50 s).
heavy='stream_decoder: generated 5 MB results*,extract_result: a large synthetic result*'
echo "      (unit: 2 cases left out for time, run in the Linux suites: ${heavy//\*/})"
run_doctest unit "$cross/tests/pulse_unit_tests.exe" "--test-case-exclude=$heavy"

# --- 6. WinHTTP: conformance, TLS, proxies, async transport, driver; then the fault matrix -------
run_doctest winhttp "$cross/tests/pulse_integration_tests.exe" "--test-case-exclude=fault matrix*"
run_doctest fault_matrix "$cross/tests/pulse_integration_tests.exe" "--test-case=fault matrix*"
for f in winhttp fault_matrix; do # what Wine cannot represent, as the tests said it
  grep -a 'left out:\|ran alone\|under Wine a rejected' "$logs/$f.log" | sed 's/^.*MESSAGE: /      note: /' | cut -c1-300
done
stamp "tests run"

# --- 7. pulse.exe extract: a whole extraction against the native server ---------------------------
cli_out=$out/cli
rm -rf "$cli_out" && mkdir -p "$cli_out"
cli_check() {
  local base=http://127.0.0.1:$cli_port rc
  ( cd "$cli_out" && PULSE_API_KEY=cli-key PULSE_BASE_URL=$base timeout 120 "$wine" "$cross/tools/cli/pulse.exe" \
      extract "$(winpath "$root/examples/data/sample.pdf")" --out "$(winpath "$cli_out/result.json")" ) >"$logs/cli.log" 2>&1
  rc=$?
  [ $rc = 0 ] || { echo "pulse.exe extract exited $rc"; return 1; }
  # The server's view: one job, its result delivered as a large result and taken (single use).
  python3 - "$base" "$cli_out/result.json" "$root/examples/data/sample.pdf" >>"$logs/cli.log" 2>&1 <<'EOF' || { echo "the server's record does not match (see $logs/cli.log)"; return 1; }
import json, os, sys, urllib.request
base, path, pdf = sys.argv[1], sys.argv[2], sys.argv[3]
jobs = json.load(urllib.request.urlopen(base + "/__jobs"))
assert len(jobs) == 1, jobs
info = json.load(urllib.request.urlopen(base + "/__jobs/" + jobs[0]["job_id"]))
body = open(path, "rb").read()
doc = json.loads(body)
# The PDF went up whole (the server's byte count and FNV-1a of the file part).
data = open(pdf, "rb").read()
h = 0xcbf29ce484222325
for b in data:
    h = ((h ^ b) * 0x100000001b3) % (1 << 64)
assert info["files"][0]["filename"] == "sample.pdf", info["files"]
assert info["upload_bytes"] == len(data) and info["upload_fnv1a64"] == "%016x" % h, info
# Its result came as a large result, downloaded once, every byte in the file.
assert info["large"] and info["consumed"], info
assert info["requests"]["submit"] == 1 and info["requests"]["download"] == 1, info["requests"]
assert len(body) == info["result_bytes"], (len(body), info["result_bytes"])
assert "markdown" in doc, list(doc)
print("job", jobs[0]["job_id"], "large result of", len(body), "bytes, downloaded once;", info["requests"]["poll"], "polls")
open(path + ".job", "w").write(jobs[0]["job_id"])
EOF
  # Single use: a second download of the same result is refused (410, exit code 8).
  local job
  job=$(cat "$cli_out/result.json.job")
  ( cd "$cli_out" && PULSE_API_KEY=cli-key PULSE_BASE_URL=$base timeout 60 "$wine" "$cross/tools/cli/pulse.exe" \
      download "$job" --out "$(winpath "$cli_out/again.json")" ) >>"$logs/cli.log" 2>&1
  rc=$?
  [ $rc = 8 ] || { echo "a second download exited $rc, not 8 (gone)"; return 1; }
  grep -a 'job .* large result of' "$logs/cli.log" | tail -1
}
msg=$(cli_check)
rc=$?
report cli_extract $rc "${msg:-see $logs/cli.log}; then a second download: 410, exit 8"
[ $rc = 0 ] || tail -n 20 "$logs/cli.log" | sed 's/^/      | /'

# --- 8. the examples: extract_markdown (the blocking client), engine_loop (pulse::winhttp::driver) --
( cd "$out" && PULSE_API_KEY=cli-key PULSE_BASE_URL="http://127.0.0.1:$cli_port" timeout 60 "$wine" \
    "$cross/examples/extract_markdown.exe" "$(winpath "$root/examples/data/sample.pdf")" ) >"$logs/extract_markdown.log" 2>"$logs/extract_markdown.err"
rc=$?
# The server's built-in result (tools/pulse_server/fixtures.cpp): its markdown starts with this title.
if [ $rc = 0 ] && [ "$(head -1 "$logs/extract_markdown.log" | tr -d '\r')" != "# Quarterly Report" ]; then rc=1; fi
report extract_md $rc "$(wc -c <"$logs/extract_markdown.log") bytes of markdown for sample.pdf: $(head -1 "$logs/extract_markdown.log" | cut -c1-60)"

( cd "$out" && PULSE_API_KEY=cli-key PULSE_DOCUMENT_URL=https://files.example/doc.pdf timeout 120 \
    "$wine" "$cross/examples/engine_loop.exe" "http://127.0.0.1:$cli_port" 8 ) >"$logs/engine_loop.log" 2>&1
rc=$?
report engine_loop $rc "$(grep -a 'succeeded' "$logs/engine_loop.log" | tail -1) in a 60 Hz loop over pulse::winhttp::driver"

wait "$hygiene_pid"
rc=$?
report hygiene $rc "$(grep -a '^PASS\|^FAIL' "$logs/hygiene.log" | head -1 | cut -c7- | sed 's/  */ /g')"
[ $rc = 0 ] || tail -n 30 "$logs/hygiene.log" | sed 's/^/      | /'

finish
