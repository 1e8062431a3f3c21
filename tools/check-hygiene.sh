#!/usr/bin/env bash
# Build-hygiene checks: the library must be pleasant and safe to drop into other people's builds.
#
#   standalone        every header under include/pulse/ (and adapters/*/pulse/) compiles on its own,
#                     included twice, with -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion
#                     -Wshadow -Werror (g++; the umbrella also with clang++)
#   umbrella          every header under include/pulse/ is reachable from <pulse/pulse.hpp> (so the
#                     umbrella and the single header are complete)
#   no_exceptions     the umbrella compiles with -fno-exceptions -fno-rtti, and a program using it links
#                     and runs (only boost::throw_exception is supplied, as documented)
#   no_throw_rtti     no throw/try/catch/typeid/dynamic_cast in include/ outside comments and strings
#   hostile_macros    min/max/small/ERROR/DELETE/interface/near/far/OPTIONAL/IN/OUT and what
#                     <windows.h> and <X11/Xlib.h> define (TRUE, None, Status, Bool, CreateFile,
#                     Yield(), ...) active when our headers are parsed (g++ and clang++)
#   windows_h_first   a <windows.h> stand-in before everything, then <pulse/pulse.hpp>
#   windows_h_real    mingw-w64's real <windows.h> first (the same -W... -Werror): then every core
#                     header and every WinHTTP adapter header; after <winsock2.h> + <windows.h> (the
#                     order Windows needs for sockets) the libcurl and Beast adapters; each WinHTTP
#                     header alone, included twice. Needs g++-mingw-w64-x86-64-posix (SKIP without
#                     it). Runs only when named: tools/test-windows.sh installs mingw-w64 and names
#                     it, so CI compiles these once, not also in tools/test.sh's run of this script
#   core_deps         the core's full include closure has no curl, Beast, windows.h or asio header
#   macro_prefix      every macro defined in include/ starts with PULSE_
#   two_versions      two copies with different versions (0.1.0 and 9.9.9, the latter also changed
#                     in layout and behaviour) in one program: both behave as their own version, and
#                     -flto -Wodr reports no ODR violation; a control build WITHOUT the version bump
#                     must be caught (so the check has teeth)
#
# Prints one line per check and "N passed, N failed"; exits non-zero when any failed.
# Usage: tools/check-hygiene.sh [--keep] [check...]   (--keep leaves the temp dir; names pick checks)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keep=0
only=()
for a in "$@"; do
  case "$a" in --keep) keep=1 ;; *) only+=("$a") ;; esac
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pulse-hygiene.XXXXXX")
cleanup() { if [ $keep -eq 1 ]; then echo "check-hygiene: kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT
mkdir -p "$tmp/logs" "$tmp/tu"

cxx=${CXX:-g++}
clang=$(command -v clang++ || true)
jobs=$(nproc 2>/dev/null || echo 2)
std=(-std=c++20)
warn=(-Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror)
inc=(-I "$root/include")
adapter_incs=()
for d in "$root"/adapters/*/; do [ -d "$d/pulse" ] && adapter_incs+=(-I "$d"); done

core_headers=()
mapfile -t core_headers < <(cd "$root/include" && find pulse -name '*.hpp' | LC_ALL=C sort)
# Adapter headers for the host compiler; the WinHTTP adapter needs Windows' own headers, so it is
# compiled by windows_h_real (mingw-w64) only.
adapter_headers=()
windows_headers=()
for d in "$root"/adapters/*/; do
  [ -d "$d/pulse" ] || continue
  while IFS= read -r h; do
    case "$h" in pulse/winhttp/*|pulse/winhttp.hpp) windows_headers+=("$h") ;; *) adapter_headers+=("$h") ;; esac
  done < <(cd "$d" && find pulse -name '*.hpp' | LC_ALL=C sort)
done

# Hostile macros (Azure's macro_guard_test idea): the classic list, then what <windows.h> (winnt.h,
# wingdi.h, winbase.h, winuser.h, rpcndr.h, minwindef.h) and <X11/Xlib.h> really define that has bitten
# C++ libraries. windows.hpp is the <windows.h> stand-in alone, for the "windows.h first" order.
cat >"$tmp/windows.hpp" <<'EOF'
#define min(a, b) (((a) < (b)) ? (a) : (b))
#define max(a, b) (((a) > (b)) ? (a) : (b))
#define small char
#define ERROR 0
#define DELETE (0x00010000L)
#define interface struct
#define near
#define far
#define OPTIONAL
#define IN
#define OUT
#define pascal __stdcall
#define cdecl
#define CONST const
#define VOID void
#define CALLBACK
#define WINAPI
#define hyper long long
#define TRUE 1
#define FALSE 0
#define NO_ERROR 0L
#define IGNORE 0
#define INFINITE 0xFFFFFFFF
#define ABSOLUTE 1
#define RELATIVE 2
#define TRANSPARENT 1
#define OPAQUE 2
#define DIFFERENCE 11
#define STRICT 1
#define CreateFile CreateFileA
#define DeleteFile DeleteFileA
#define CopyFile CopyFileA
#define MoveFile MoveFileA
#define GetObject GetObjectA
#define GetMessage GetMessageA
#define SendMessage SendMessageA
#define PostMessage PostMessageA
#define LoadImage LoadImageA
#define DrawText DrawTextA
#define GetCurrentTime() GetTickCount()
#define Yield()
EOF
{
  cat "$tmp/windows.hpp"
  cat <<'EOF'
// <X11/Xlib.h>, <X11/X.h> (Boost.JSON itself has a template parameter named Bool, so X11 must come
// after Boost in any program; here it does)
#define Bool int
#define Status int
#define True 1
#define False 0
#define None 0L
#define Success 0
#define Always 2
#define Expose 12
#define KeyPress 2
#define Complex 0
#define Convex 2
#define CurrentTime 0L
#define DestroyAll 0
EOF
} >"$tmp/hostile.hpp"

echo '#include <pulse/pulse.hpp>' >"$tmp/tu/umbrella.cpp"

# compile <log> <tu> <flags...>: -fsyntax-only
compile() { local log=$1 tu=$2; shift 2; "$@" -fsyntax-only "$tu" >>"$log" 2>&1; }

check_standalone() {
  local h tu n=0 list="$tmp/standalone.list"
  : >"$list"
  for h in "${core_headers[@]}" "${adapter_headers[@]}"; do
    tu="$tmp/tu/$(echo "$h" | tr '/.' '__').cpp"
    printf '#include <%s>\n#include <%s> // twice: the include guard must hold\n' "$h" "$h" >"$tu"
    echo "$tu" >>"$list"
    n=$((n + 1))
  done
  # One compiler process per header, in parallel; a failing header's diagnostics go to the log.
  if ! xargs -P "$jobs" -I{} bash -c 'out=$(mktemp); if ! "$@" -fsyntax-only {} >"$out" 2>&1; then echo "FAILED: {}"; cat "$out"; rm -f "$out"; exit 1; fi; rm -f "$out"' _ \
      "$cxx" "${std[@]}" "${warn[@]}" "${inc[@]}" "${adapter_incs[@]}" <"$list"; then
    return 1
  fi
  if [ -n "$clang" ]; then
    "$clang" "${std[@]}" "${warn[@]}" "${inc[@]}" -fsyntax-only "$tmp/tu/umbrella.cpp" || return 1
  fi
  echo "result: $n headers alone with $cxx${clang:+, the umbrella with clang++}"
}

check_umbrella() {
  python3 -B - "$root" <<'EOF'
import os, sys
root = sys.argv[1]
sys.path.insert(0, os.path.join(root, 'tools'))
import amalgamate
text, unreached = amalgamate.generate(root)
for u in unreached:
    print('include/%s is not reachable from include/pulse/pulse.hpp: add it there (or to its layer\'s '
          'sub-umbrella), then run python3 tools/amalgamate.py' % u)
if unreached:
    sys.exit(1)
print('result: all headers reachable from <pulse/pulse.hpp>')
EOF
}

check_no_exceptions() {
  local flags=(-fno-exceptions -fno-rtti)
  compile /dev/stdout "$tmp/tu/umbrella.cpp" "$cxx" "${std[@]}" "${warn[@]}" "${flags[@]}" "${inc[@]}" || return 1
  if [ -n "$clang" ]; then
    compile /dev/stdout "$tmp/tu/umbrella.cpp" "$clang" "${std[@]}" "${warn[@]}" "${flags[@]}" "${inc[@]}" || return 1
  fi
  # Link and run a program: only the two boost::throw_exception overloads are supplied.
  cat >"$tmp/noexc.cpp" <<'EOF'
#include <pulse/pulse.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
namespace boost {
void throw_exception(std::exception const&) { std::abort(); }
void throw_exception(std::exception const&, boost::source_location const&) { std::abort(); }
} // namespace boost
int main() {
    auto r = pulse::decode_json<pulse::extract_result>(R"({"markdown": "m", "page_count": 1, "x": [1]})");
    auto bad = pulse::decode_json<pulse::extract_result>(R"({"page_count": true})");
    auto u = pulse::http::join_url("https://h/v1", {"job", "a b"});
    if (!r || bad || !u) return 1;
    std::printf("result: linked and ran with -fno-exceptions -fno-rtti: %s | %s\n", pulse::to_json(*r).c_str(),
                bad.error().to_string().c_str());
    return 0;
}
EOF
  "$cxx" "${std[@]}" "${flags[@]}" "${inc[@]}" -O1 "$tmp/noexc.cpp" -o "$tmp/noexc" -lboost_json -lboost_url &&
  "$tmp/noexc"
}

check_no_throw_rtti() {
  python3 - "$root" <<'EOF'
import os, re, sys
root = sys.argv[1]
# Strip comments, string and character literals (raw strings too) before looking for keywords.
token = re.compile(r'''//[^\n]*|/\*.*?\*/|R"([^(\s]*)\(.*?\)\1"|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\b(throw|try|catch|typeid|dynamic_cast)\b''', re.S)
bad = 0
for base in ['include'] + [os.path.join('adapters', d) for d in sorted(os.listdir(os.path.join(root, 'adapters')))
                           if os.path.isdir(os.path.join(root, 'adapters', d))] if os.path.isdir(os.path.join(root, 'adapters')) else ['include']:
    for dirpath, _, files in sorted(os.walk(os.path.join(root, base))):
        for f in sorted(files):
            if not f.endswith(('.hpp', '.h', '.ipp')):
                continue
            path = os.path.join(dirpath, f)
            text = open(path, encoding='utf-8').read()
            for m in token.finditer(text):
                if m.group(2):
                    line = text.count('\n', 0, m.start()) + 1
                    print('%s:%d: `%s` in library code (errors are values; Boost misuse goes through '
                          'boost::throw_exception)' % (os.path.relpath(path, root), line, m.group(2)))
                    bad += 1
if bad:
    sys.exit(1)
print('result: none in include/ or adapters/')
EOF
}

# Every non-pulse header the library includes, each behind __has_include.
external_includes() {
  grep -rhE '^\s*#\s*include\s*<' "$root/include" "$root"/adapters/*/pulse 2>/dev/null |
    sed -E 's/^\s*#\s*include\s*<([^>]+)>.*/\1/' | grep -v '^pulse/' | LC_ALL=C sort -u |
    while read -r h; do printf '#if __has_include(<%s>)\n#include <%s>\n#endif\n' "$h" "$h"; done
}

check_hostile() { # <name> <prelude> <externals first: yes|no>
  local name=$1 prelude=$2 tu="$tmp/tu/$1.cpp" cc h
  : >"$tu"
  [ "$3" = yes ] && external_includes >>"$tu"
  printf '#include "%s"\n#include <pulse/pulse.hpp>\n' "$prelude" >>"$tu"
  for h in "${adapter_headers[@]}"; do echo "#include <$h>" >>"$tu"; done
  for cc in "$cxx" $clang; do
    compile /dev/stdout "$tu" "$cc" "${std[@]}" "${warn[@]}" "${inc[@]}" "${adapter_incs[@]}" || return 1
  done
}

check_core_deps() {
  # The core's real include closure, as the preprocessor sees it (not a grep of our own lines).
  "$cxx" "${std[@]}" "${inc[@]}" -M "$tmp/tu/umbrella.cpp" >"$tmp/umbrella.d" || return 1
  local bad
  bad=$(tr ' \\' '\n\n' <"$tmp/umbrella.d" | grep -E '(^|/)(curl/|boost/beast|boost/asio|windows\.h|winhttp\.h|openssl/)' | sort -u)
  if [ -n "$bad" ]; then echo "the core's include closure contains:"; echo "$bad"; return 1; fi
  # And no core header names them, even under an #if the build above did not take.
  if grep -rnE '#\s*include\s*[<"](curl/|boost/beast|boost/asio|windows\.h)' "$root/include"; then return 1; fi
  echo "result: $(tr ' \\' '\n\n' <"$tmp/umbrella.d" | grep -c '\.h') headers in the closure, none from curl/Beast/Asio/windows.h"
}

check_macro_prefix() {
  local bad dirs=("$root/include")
  for d in "$root"/adapters/*/pulse; do [ -d "$d" ] && dirs+=("$d"); done
  bad=$(grep -rnE '^\s*#\s*(define|undef)\s+' "${dirs[@]}" | grep -vE '#\s*(define|undef)\s+PULSE_[A-Z0-9_]*\b')
  if [ -n "$bad" ]; then echo "macros without the PULSE_ prefix:"; echo "$bad"; return 1; fi
  echo "result: $(grep -rhE '^\s*#\s*define\s+' "${dirs[@]}" | wc -l) macros in include/${adapter_headers:+ and adapters/}, all PULSE_*"
}

check_two_versions() {
  # v2: a copy of include/ at 9.9.9 whose error struct has another layout and whose to_string(errc)
  # answers differently. If the versioned inline namespace did not keep the copies apart, the linker
  # would merge the inline functions (one answer for both) and LTO would see two layouts of one type.
  make_copy() { # <dir> <bump version: yes|no>
    mkdir -p "$1" && cp -r "$root/include" "$1/" || return 1
    local v="$1/include/pulse/version.hpp" e="$1/include/pulse/error.hpp"
    if [ "$2" = yes ]; then
      sed -i -E 's/(#define PULSE_VERSION_(MAJOR|MINOR|PATCH)) [0-9]+/\1 9/; s/(#define PULSE_VERSION_STRING) ".*"/\1 "9.9.9"/' "$v"
    fi
    sed -i 's/case errc::gone: return "gone";/case errc::gone: return "gone (copy 2)";/' "$e"
    sed -i 's/^    errc code = errc::ok;$/    errc code = errc::ok;\n    long long copy2_extra = 42;/' "$e"
    grep -q 'copy2_extra' "$e" && grep -q '"gone (copy 2)"' "$e" || { echo "could not modify the copy (error.hpp changed shape?)"; return 1; }
  }
  cat >"$tmp/odr_use.cpp" <<'EOF'
#include <pulse/pulse.hpp>
#include <string>
#define PULSE_ODR_STR2(x) #x
#define PULSE_ODR_STR(x) PULSE_ODR_STR2(x)
// Uses inline functions, templates, a class with virtual functions and the error struct's layout.
std::string ENTRY() {
    pulse::error e(pulse::errc::gone, "m");
    e.http_status = 410;
    auto r = pulse::decode_json<pulse::extract_result>(R"({"page_count": "x"})");
    auto u = pulse::http::join_url("https://h", {"job", "j"});
    return std::string(PULSE_VERSION_STRING) + " " + PULSE_ODR_STR(PULSE_ABI_NAMESPACE) + " " +
           std::string(pulse::to_string(e.code)) + " " + std::to_string(sizeof(pulse::error)) + " " +
           (r ? std::string("?") : r.error().path) + " " + (u ? *u : std::string("?"));
}
EOF
  cat >"$tmp/odr_main.cpp" <<'EOF'
#include <cstdio>
#include <string>
std::string entry_a();
std::string entry_b();
int main() { std::printf("%s\n%s\n", entry_a().c_str(), entry_b().c_str()); }
EOF
  # build <mode> <flags...>: copy 1 (the checkout), copy 2 (v9: bumped; same: not bumped), two programs.
  build() {
    local m=$1; shift
    "$cxx" "${std[@]}" "$@" -I "$root/include" -DENTRY=entry_a -c "$tmp/odr_use.cpp" -o "$tmp/$m.a.o" &&
    "$cxx" "${std[@]}" "$@" -I "$tmp/v9/include" -DENTRY=entry_b -c "$tmp/odr_use.cpp" -o "$tmp/$m.v9.o" &&
    "$cxx" "${std[@]}" "$@" -I "$tmp/same/include" -DENTRY=entry_b -c "$tmp/odr_use.cpp" -o "$tmp/$m.same.o" &&
    "$cxx" "${std[@]}" "$@" "$tmp/odr_main.cpp" "$tmp/$m.a.o" "$tmp/$m.v9.o" -o "$tmp/$m.v9" -lboost_json -lboost_url \
      >"$tmp/$m.v9.link.log" 2>&1 &&
    { "$cxx" "${std[@]}" "$@" "$tmp/odr_main.cpp" "$tmp/$m.a.o" "$tmp/$m.same.o" -o "$tmp/$m.same" -lboost_json -lboost_url \
      >"$tmp/$m.same.link.log" 2>&1 || true; }
  }
  make_copy "$tmp/v9" yes && make_copy "$tmp/same" no || return 1
  # -O0 keeps inline functions out of line (COMDAT), so merged copies would show as one answer for
  # both; -flto -Wodr lets the link-time ODR checker compare both copies' types and vtables.
  local out caught=""
  build lto -O0 -flto=auto -Wodr || { cat "$tmp/lto.v9.link.log"; return 1; }
  if grep -q 'One Definition Rule\|\[-Wodr\]' "$tmp/lto.v9.link.log"; then cat "$tmp/lto.v9.link.log"; return 1; fi
  out=$("$tmp/lto.v9") || return 1
  echo "$out"
  case "$out" in
    "0.1.0 v0_1 gone "*$'\n'"9.9.9 v9_9 gone (copy 2) "*) ;;
    *) echo "the two copies did not keep their own behaviour"; return 1 ;;
  esac
  # Control: same version (same namespace), different code. The same two detectors must fire.
  grep -q 'One Definition Rule' "$tmp/lto.same.link.log" && caught="-Wodr at link"
  if [ -x "$tmp/lto.same" ] && [ "$("$tmp/lto.same" 2>&1 | grep -c 'copy 2')" != 1 ]; then
    caught="${caught:+$caught, }merged inline functions"
  fi
  [ -n "$caught" ] || { echo "the control WITHOUT the version bump was not caught: the check has no teeth"; cat "$tmp"/*.same.link.log; return 1; }
  echo "result: 0.1.0 and 9.9.9 in one program, each its own behaviour, -flto -Wodr clean; control without the bump caught ($caught)"
}

checks=(standalone umbrella no_exceptions no_throw_rtti hostile_macros windows_h_first core_deps macro_prefix two_versions)
# Run only when named (see the header comment).
named_only=(windows_h_real)
# libstdc++'s <bits/c++config.h> #undefs min and max, so macros defined before the first standard
# header would be gone before our code is parsed (MSVC's STL does not do that). Here the standard and
# Boost headers come first, then the macros, then ours: this tests OUR code against the macros.
check_hostile_macros() {
  check_hostile hostile_macros "$tmp/hostile.hpp" yes &&
  echo "result: $(grep -c '^#define' "$tmp/hostile.hpp") min/max/DELETE/ERROR/windows.h/X11 macros active for <pulse/pulse.hpp>${adapter_headers:+ and the adapters}; $cxx${clang:+, clang++}"
}
# The realistic order on Windows: <windows.h> before everything (Boost and the standard library are
# parsed under these macros too).
check_windows_h_first() {
  check_hostile windows_h_first "$tmp/windows.hpp" no &&
  echo "result: <windows.h> stand-in ($(grep -c '^#define' "$tmp/windows.hpp") macros) first, then <pulse/pulse.hpp>${adapter_headers:+ and the adapters}; $cxx${clang:+, clang++}"
}

# The real <windows.h>: mingw-w64's headers, Boost and doctest through folders holding only their
# links (never the build machine's /usr/include on the target compiler's path), curl's and
# OpenSSL's headers likewise (OpenSSL's configuration header is the build machine's: a syntax check).
mingw=$(command -v x86_64-w64-mingw32-g++-posix || true)
check_windows_h_real() {
  if [ -z "$mingw" ]; then echo "skip: g++-mingw-w64-x86-64-posix is not installed (tools/test-windows.sh installs it)"; return 0; fi
  local links="$tmp/winlinks" tu n=0
  mkdir -p "$links/boost" "$links/curl" "$links/ssl" "$links/sslconf"
  ln -sfn /usr/include/boost "$links/boost/boost"
  [ -d /usr/include/x86_64-linux-gnu/curl ] && ln -sfn /usr/include/x86_64-linux-gnu/curl "$links/curl/curl"
  [ -d /usr/include/openssl ] && ln -sfn /usr/include/openssl "$links/ssl/openssl"
  [ -d /usr/include/x86_64-linux-gnu/openssl ] && ln -sfn /usr/include/x86_64-linux-gnu/openssl "$links/sslconf/openssl"
  local wflags=("${std[@]}" "${warn[@]}" -isystem "$links/boost" -isystem "$links/curl" -isystem "$links/ssl"
                -isystem "$links/sslconf" "${inc[@]}" "${adapter_incs[@]}")
  local h list="$tmp/windows.list"
  : >"$list"
  tu="$tmp/tu/windows_real_core.cpp"
  { echo '#include <windows.h>'; for h in "${core_headers[@]}" "${windows_headers[@]}"; do echo "#include <$h>"; done; } >"$tu"
  echo "$tu" >>"$list"
  local which
  for which in curl beast; do
    tu="$tmp/tu/windows_real_$which.cpp"
    { echo '#include <winsock2.h>'; echo '#include <windows.h>'
      for h in "${adapter_headers[@]}"; do case "$h" in "pulse/$which/"*) echo "#include <$h>" ;; esac; done; } >"$tu"
    echo "$tu" >>"$list"
  done
  for h in "${windows_headers[@]}"; do
    tu="$tmp/tu/windows_alone_$(echo "$h" | tr '/.' '__').cpp"
    printf '#include <%s>\n#include <%s> // twice: the include guard must hold\n' "$h" "$h" >"$tu"
    echo "$tu" >>"$list"
    n=$((n + 1))
  done
  if ! xargs -P "$jobs" -I{} bash -c 'out=$(mktemp); if ! "$@" -fsyntax-only {} >"$out" 2>&1; then echo "FAILED: {}"; cat "$out"; rm -f "$out"; exit 1; fi; rm -f "$out"' _ \
      "$mingw" "${wflags[@]}" <"$list"; then
    return 1
  fi
  echo "result: real <windows.h> (mingw-w64 $("$mingw" -dumpversion)) first: ${#core_headers[@]} core + ${#windows_headers[@]} WinHTTP headers; after <winsock2.h>: the curl and Beast adapters; $n WinHTTP headers alone"
}

[ ${#only[@]} -gt 0 ] && checks=("${only[@]}")
for c in "${checks[@]}" "${named_only[@]}"; do
  declare -F "check_$c" >/dev/null || { echo "check-hygiene: no check named $c"; exit 2; }
done

start=$(date +%s)
# standalone uses all cores itself; the rest are single compiles, run $jobs at a time.
run() { local c=$1; ( set -x; "check_$c" ) >"$tmp/logs/$c.log" 2>&1; echo $? >"$tmp/logs/$c.rc"; }
rest=()
for c in "${checks[@]}"; do
  if [ "$c" = standalone ]; then run standalone; else rest+=("$c"); fi
done
n=0
for c in "${rest[@]}"; do
  run "$c" &
  n=$((n + 1))
  if [ $((n % jobs)) -eq 0 ]; then wait; fi
done
wait

passed=0 failed=0
for c in "${checks[@]}"; do
  if [ "$(cat "$tmp/logs/$c.rc")" = 0 ] && grep -q '^skip: ' "$tmp/logs/$c.log"; then
    printf 'SKIP  %-16s %s\n' "$c" "$(grep -m1 '^skip: ' "$tmp/logs/$c.log" | sed 's/^skip: //' | cut -c1-110)"
  elif [ "$(cat "$tmp/logs/$c.rc")" = 0 ]; then
    passed=$((passed + 1))
    printf 'PASS  %-16s %s\n' "$c" "$(grep -m1 '^result: ' "$tmp/logs/$c.log" | sed 's/^result: //' | cut -c1-110)"
  else
    failed=$((failed + 1))
    printf 'FAIL  %-16s (last lines of the log below)\n' "$c"
    grep -v '^+' "$tmp/logs/$c.log" | tail -n 30 | sed 's/^/      | /'
  fi
done
echo "check-hygiene: $passed passed, $failed failed ($(( $(date +%s) - start )) s)"
[ $failed -eq 0 ]
