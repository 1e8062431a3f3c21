#!/usr/bin/env bash
# The quick-start demo (README "Quick start"). On a fresh Debian 12 machine, as root, in a clone of
# this repository:
#
#     bash tools/demo.sh
#
# 1. installs the Debian packages that are missing (tools/install-deps.sh);
# 2. builds only what the demo needs, Release: pulse-server (the local Pulse-compatible server)
#    and pulse-cli (the `pulse` command-line tool);
# 3. has pulse-server write an 8 MB synthetic result (--write-sample) and starts it on an ephemeral
#    loopback port serving that result, so it arrives the way big results do on the real API: as a
#    pointer to the single-use GET /large_results/{id};
# 4. runs `pulse extract examples/data/sample.pdf` end to end -- submit, poll, download -- with its
#    progress on stderr (a live line on a terminal, plain lines in a log), the summary (pages,
#    markdown length, tables, words), and prints the first lines of the markdown;
# 5. stops the server (also on failure or Ctrl-C).
#
# Environment: PULSE_BUILD_ROOT (default: build-demo/ in the checkout), PULSE_DEMO_MB (size of the
# generated result, default 8).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
start=$(date +%s)

bash tools/install-deps.sh

out=${PULSE_BUILD_ROOT:-$root/build-demo}
mb=${PULSE_DEMO_MB:-8}
jobs=$(nproc 2>/dev/null || echo 2)

echo "== Building pulse-server and pulse (Release) in $out"
cmake -S . -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DPULSE_BUILD_TESTS=OFF -DPULSE_BUILD_EXAMPLES=OFF -DPULSE_BUILD_TOOLS=ON >/dev/null
cmake --build "$out" -j "$jobs" --target pulse-server pulse-cli
server_bin="$out/tools/pulse_server/pulse-server"
pulse_bin="$out/tools/cli/pulse"

demo="$out/demo"
mkdir -p "$demo"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== Writing a ${mb} MB synthetic result (pulse-server --write-sample)"
"$server_bin" --write-sample "$mb" "$demo/sample-result.json"
server_args=(--result "$demo/sample-result.json")

export PULSE_API_KEY="demo-key-$(date +%s)"
echo "== Starting pulse-server on an ephemeral port"
"$server_bin" --port 0 --api-key "$PULSE_API_KEY" --quiet "${server_args[@]}" >"$demo/server.out" 2>"$demo/server.err" &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$demo/server.out" 2>/dev/null || true)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$demo/server.err" >&2; echo "pulse-server did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "pulse-server did not report its port" >&2; exit 1; }
export PULSE_BASE_URL="http://127.0.0.1:$port"
echo "   listening on $PULSE_BASE_URL"

echo "== pulse extract examples/data/sample.pdf --out $demo/result.json"
"$pulse_bin" extract examples/data/sample.pdf --out "$demo/result.json"

echo "== The first lines of the markdown"
python3 - "$demo/result.json" <<'PY'
import json, sys
md = json.load(open(sys.argv[1], encoding="utf-8")).get("markdown") or ""
lines = md.splitlines()
for line in lines[:12]:
    print("   " + (line if len(line) <= 100 else line[:97] + "..."))
if len(lines) > 12:
    print("   ... (%d more lines)" % (len(lines) - 12))
PY

echo "== Done in $(( $(date +%s) - start )) s. The whole result: $demo/result.json"
echo "   Try: $pulse_bin --help"
