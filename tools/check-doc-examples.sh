#!/usr/bin/env bash
# Compile and run every C++ example of the documentation: each ```cpp block that contains `main(`
# in README.md and docs/**/*.md.
#
# Each example is compiled as written with g++ -std=c++20 -O0 against include/ and linked with
# -lboost_json -lboost_url (plus -I adapters/curl and -lcurl when it includes <pulse/curl.hpp> or
# <pulse/curl/...>, -I adapters/beast, OpenSSL and threads for <pulse/beast.hpp> or <pulse/beast/...>,
# -I adapters/webhook and -lcrypto for <pulse/webhook.hpp> or <pulse/webhook/...>). The compiles run in
# parallel, nproc at a time, under nice.
#
# Then each program runs twice, in a scratch directory that holds report.pdf (a copy of
# examples/data/sample.pdf), with at most 60 s per run:
#   - with an empty environment (no PULSE_API_KEY, no PULSE_BASE_URL);
#   - with a bogus PULSE_API_KEY and PULSE_BASE_URL=http://127.0.0.1:9 (a closed port), so an
#     example that talks to the API meets a refused connection and its retries, never the network.
# A run may fail (exit 1 or 2 is what an example without a key or a server should do); it must not
# die of a signal (exit status >= 128), run over the time limit, or print the bogus key.
#
# Snippets without main() are not compiled: keep them accurate by hand.
#
# Prints one line per example and "N passed, N failed"; exits non-zero when any failed.
# Usage: tools/check-doc-examples.sh [--keep] [FILE.md...]
#   --keep     leave the scratch directory (sources, binaries, logs) and print its path
#   FILE.md    check only these files (default: README.md and every .md under docs/)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

keep=0
files=()
for a in "$@"; do
  case "$a" in
    --keep) keep=1 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) files+=("$a") ;;
  esac
done
if [ ${#files[@]} -eq 0 ]; then
  files=(README.md)
  [ -d docs ] && mapfile -t -O 1 files < <(find docs -name '*.md' | LC_ALL=C sort)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pulse-doc-examples.XXXXXX")
cleanup() { if [ $keep -eq 1 ]; then echo "check-doc-examples: kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT
mkdir -p "$tmp/run"
cp examples/data/sample.pdf "$tmp/run/report.pdf"

# 1. Extract: ex_<n>.cpp per example, and index.tsv with "<n>\t<file>:<line>".
python3 - "$tmp" "${files[@]}" <<'PY' || exit 1
import sys, os
out, files = sys.argv[1], sys.argv[2:]
n = 0
with open(os.path.join(out, "index.tsv"), "w") as index:
    for path in files:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        i = 0
        while i < len(lines):
            if lines[i].strip() == "```cpp":
                start = i + 1
                j = start
                while j < len(lines) and lines[j].strip() != "```":
                    j += 1
                body = "\n".join(lines[start:j]) + "\n"
                if "main(" in body:
                    n += 1
                    with open(os.path.join(out, "ex_%d.cpp" % n), "w", encoding="utf-8") as src:
                        src.write(body)
                    index.write("%d\t%s:%d\n" % (n, path, start))
                i = j + 1
            else:
                i += 1
PY
mapfile -t entries <"$tmp/index.tsv"
if [ ${#entries[@]} -eq 0 ]; then
  echo "no C++ example with main() found in: ${files[*]}"
  echo "0 passed, 1 failed"
  exit 1
fi

# 2. Compile, nproc at a time.
compile_one() { # <n>
  local n=$1 src="$tmp/ex_$1.cpp"
  local flags=(-std=c++20 -O0 -I "$root/include") libs=(-lboost_json -lboost_url)
  if grep -qE '#include <pulse/curl[./]' "$src"; then flags+=(-I "$root/adapters/curl"); libs+=(-lcurl); fi
  if grep -qE '#include <pulse/beast[./]' "$src"; then flags+=(-I "$root/adapters/beast"); libs+=(-lssl -lcrypto -pthread); fi
  if grep -qE '#include <pulse/webhook[./]' "$src"; then flags+=(-I "$root/adapters/webhook"); libs+=(-lcrypto); fi
  if nice g++ "${flags[@]}" "$src" -o "$tmp/ex_$n" "${libs[@]}" >"$tmp/ex_$n.compile.log" 2>&1; then
    echo 0 >"$tmp/ex_$n.compile.rc"
  else
    echo 1 >"$tmp/ex_$n.compile.rc"
  fi
}
jobs=$(nproc 2>/dev/null || echo 2)
for e in "${entries[@]}"; do
  n=${e%%$'\t'*}
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
  compile_one "$n" &
done
wait

# 3. Run every compiled example twice, all at once (they spend their time waiting on retries).
key="bogus-doc-check-key-5f3a9c"
run_one() { # <n> <mode>
  local n=$1 mode=$2 rc=0
  local envs=()
  [ "$mode" = keyed ] && envs=(PULSE_API_KEY="$key" PULSE_BASE_URL=http://127.0.0.1:9)
  (cd "$tmp/run" && env -i "${envs[@]}" timeout -k 5 60 "$tmp/ex_$n" </dev/null >"$tmp/ex_$n.$mode.log" 2>&1) || rc=$?
  echo "$rc" >"$tmp/ex_$n.$mode.rc"
}
for e in "${entries[@]}"; do
  n=${e%%$'\t'*}
  [ "$(cat "$tmp/ex_$n.compile.rc")" = 0 ] || continue
  run_one "$n" empty &
  run_one "$n" keyed &
done
wait

# 4. Report.
passed=0 failed=0
for e in "${entries[@]}"; do
  n=${e%%$'\t'*}
  where=${e#*$'\t'}
  if [ "$(cat "$tmp/ex_$n.compile.rc")" != 0 ]; then
    echo "FAIL $where: does not compile"
    head -n 30 "$tmp/ex_$n.compile.log" | sed 's/^/     /'
    failed=$((failed + 1))
    continue
  fi
  problems=()
  for mode in empty keyed; do
    rc=$(cat "$tmp/ex_$n.$mode.rc")
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then problems+=("$mode environment: over the time limit")
    elif [ "$rc" -ge 128 ]; then problems+=("$mode environment: killed by signal $((rc - 128))")
    fi
    if grep -qF "$key" "$tmp/ex_$n.$mode.log"; then problems+=("$mode environment: printed the API key"); fi
  done
  if [ ${#problems[@]} -eq 0 ]; then
    echo "ok   $where (exit $(cat "$tmp/ex_$n.empty.rc") without a key, $(cat "$tmp/ex_$n.keyed.rc") against a closed port)"
    passed=$((passed + 1))
  else
    echo "FAIL $where: ${problems[*]}"
    for mode in empty keyed; do tail -n 10 "$tmp/ex_$n.$mode.log" | sed "s/^/     [$mode] /"; done
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
