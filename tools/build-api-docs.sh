#!/usr/bin/env bash
# The API reference: Doxygen (docs/Doxyfile) over the public headers, HTML into OUT_DIR/html.
#
#     bash tools/build-api-docs.sh [OUT_DIR]      (default: build-apidoc/ in the checkout)
#
# Installs Debian's doxygen when it is missing. Prints the warnings and their count, and fails on
# any warning: an undocumented public entity is one (Doxygen's own check, plus
# tools/apidoc_undocumented.py over the XML for what Doxygen does not check: enumerators). OUT_DIR
# may be anywhere but inside the source tree; inside the checkout only a build*/ folder (ignored by
# git) is accepted.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/build-apidoc}")
case "$out/" in
  "$root"/build*/*) ;;
  "$root"/*) echo "build-api-docs: $out is inside the source tree; give a build*/ folder or one outside it" >&2
             exit 2 ;;
esac
mkdir -p "$out"

if ! command -v doxygen >/dev/null; then
  echo "installing: doxygen"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends doxygen >/dev/null
fi

version=$(sed -nE 's/^#define PULSE_VERSION_STRING "(.*)"/\1/p' "$root/include/pulse/version.hpp")
rm -rf "$out/html" "$out/xml" "$out/warnings.log"
echo "== API reference: doxygen $(doxygen --version) -> $out/html"
rc=0
(cd "$root" && PULSE_APIDOC_OUT="$out" PULSE_APIDOC_VERSION="$version" doxygen docs/Doxyfile) || rc=$?

log="$out/warnings.log"
[ -f "$log" ] || { echo "build-api-docs: doxygen wrote no warning log (exit $rc)" >&2; exit 1; }
# Doxygen reports warnings as "error:" when WARN_AS_ERROR is set; a warning may span several lines.
n=$(grep -cE ': (warning|error): ' "$log" || true)
if [ "$n" -gt 0 ] || [ -s "$log" ]; then sed "s|$root/||" "$log"; fi
undoc_rc=0
undoc=$(python3 "$root/tools/apidoc_undocumented.py" "$out/xml") || undoc_rc=$?
if [ "$undoc_rc" -ne 0 ] && [ -z "$undoc" ]; then
  echo "build-api-docs: tools/apidoc_undocumented.py failed (exit $undoc_rc)" >&2
  exit 1
fi
if [ -n "$undoc" ]; then
  echo "$undoc" | sed "s|$root/||"
  n=$((n + $(echo "$undoc" | wc -l)))
fi
echo "build-api-docs: $n warnings"
if [ "$n" -gt 0 ] || [ -s "$log" ] || [ "$rc" -ne 0 ]; then
  echo "build-api-docs: FAILED (doxygen exit $rc)" >&2
  exit 1
fi
echo "build-api-docs: $out/html/index.html"
