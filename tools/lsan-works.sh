#!/usr/bin/env bash
# Prints 1 when LeakSanitizer can run here, 0 when it cannot. LSan stops the process with ptrace
# at exit; some containers and CI sandboxes forbid that, and then every sanitized program would
# fail with "LeakSanitizer has encountered a fatal error" although nothing leaked. The sanitized
# test and fuzz runs keep leak checking on wherever it works and say so when it does not.
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'int main() { return 0; }\n' >"$dir/probe.cpp"
if ! clang++ -fsanitize=address "$dir/probe.cpp" -o "$dir/probe" 2>/dev/null; then
  echo 0
  exit 0
fi
if ASAN_OPTIONS=detect_leaks=1 "$dir/probe" 2>"$dir/err"; then
  echo 1
elif grep -q "LeakSanitizer" "$dir/err"; then
  echo 0
else
  echo 1 # failed for another reason: leave leak checking on and let the real run report it
fi
