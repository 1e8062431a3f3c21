#!/usr/bin/env python3
"""What including and using the library costs a build: compile time and peak compiler memory of a
few translation units, next to the Boost-only baseline measured in the same run.

    python3 tools/measure_compile.py [--runs N] [--compilers g++,clang++] [--only NAME,...] [--no-O2] [--markdown]

Each translation unit is compiled (-c, to /dev/null) --runs times per compiler in a rotating order,
so a drifting machine load spreads over all rows; the median wall time and the median peak RSS of
the compiler (the driver and cc1plus/clang, from wait4) are printed, with the ratio to the baseline
row of the same compiler and flags. Nothing is judged: the figures are for docs/performance.md.

Translation units (written to a temporary folder):
  boost_only          #include <boost/json.hpp> and <boost/url.hpp>, nothing used: the baseline
  nlohmann_parse      #include <nlohmann/json.hpp> and one parse (skipped when not installed)
  pulse_include       #include <pulse/pulse.hpp>, nothing used
  single_header       #include of single_include/pulse/pulse.hpp, nothing used
  decode_result       pulse::decode_json<pulse::extract_result> of a string
  client_extract      one pulse::client<pulse::curl::easy_transport>::extract call
Rows at -O0 for every unit, and at -O2 for the last two. The pulse units are also compiled in
compiled mode (-DPULSE_COMPILED_LIB, docs/integration.md): what a translation unit costs when the
library's instantiations come from the one unit that holds them (not measured here: it is
compiled once per build).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

UNITS = {
    "boost_only": "#include <boost/json.hpp>\n#include <boost/url.hpp>\nint main() { return 0; }\n",
    "nlohmann_parse": ("#include <nlohmann/json.hpp>\n"
                       "int main(int argc, char** argv) {\n"
                       "    auto j = nlohmann::json::parse(argc > 1 ? argv[1] : \"{}\");\n"
                       "    return j.is_object() ? 0 : 1;\n}\n"),
    "pulse_include": "#include <pulse/pulse.hpp>\nint main() { return 0; }\n",
    "single_header": "#include <pulse/pulse.hpp>\nint main() { return 0; }\n",
    "decode_result": ("#include <pulse/schema/extract_result.hpp>\n#include <pulse/schema/stream_decoder.hpp>\n"
                      "int main(int argc, char** argv) {\n"
                      "    auto r = pulse::decode_json<pulse::extract_result>(argc > 1 ? argv[1] : \"{}\");\n"
                      "    return r ? 0 : 1;\n}\n"),
    "client_extract": ("#include <pulse/curl/client.hpp>\n"
                       "int main(int argc, char** argv) {\n"
                       "    auto c = pulse::curl::make_client(pulse::config{});\n"
                       "    auto r = c.extract(pulse::file(argc > 1 ? argv[1] : \"a.pdf\"));\n"
                       "    return r ? 0 : 1;\n}\n"),
}
OPT2 = {"decode_result", "client_extract"}


def include_flags(unit):
    if unit == "single_header":
        return ["-I", os.path.join(ROOT, "single_include")]
    flags = ["-I", os.path.join(ROOT, "include")]
    if unit == "client_extract":
        flags += ["-I", os.path.join(ROOT, "adapters", "curl")]
    return flags


def compile_once(compiler, path, flags):
    """Wall seconds and peak RSS (MiB) of one compile, or None when it failed."""
    cmd = [compiler, "-std=c++20", "-c", path, "-o", os.devnull] + flags
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write("compile failed: %s\n%s\n" % (" ".join(cmd), err[-2000:]))
        return None
    return wall, usage.ru_maxrss / 1024.0


def have_header(compiler, header):
    src = "#include <%s>\n" % header
    r = subprocess.run([compiler, "-std=c++20", "-x", "c++", "-fsyntax-only", "-"], input=src.encode(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--compilers", default="g++,clang++")
    ap.add_argument("--only", default="")
    ap.add_argument("--no-O2", dest="no_o2", action="store_true",
                    help="leave out the -O2 rows (the issue's targets are all at -O0; CI prints these)")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = ap.parse_args()

    compiled_mode = os.path.exists(os.path.join(ROOT, "include", "pulse", "detail", "compiled.hpp"))
    wanted = [u for u in UNITS if not args.only or u in args.only.split(",")]
    compilers = [c for c in args.compilers.split(",") if c]
    with tempfile.TemporaryDirectory(prefix="pulse-compile-") as tmp:
        rows = []  # (compiler, unit, flags label, flags, path)
        for cc in compilers:
            for unit in wanted:
                if unit == "nlohmann_parse" and not have_header(cc, "nlohmann/json.hpp"):
                    continue
                path = os.path.join(tmp, unit + ".cpp")
                with open(path, "w") as f:
                    f.write(UNITS[unit])
                variants = [("-O0", ["-O0"])]
                if unit in OPT2 and not args.no_o2:
                    variants.append(("-O2", ["-O2"]))
                if compiled_mode and unit in ("pulse_include", "decode_result", "client_extract"):
                    variants.append(("-O0 compiled", ["-O0", "-DPULSE_COMPILED_LIB"]))
                if compiled_mode and unit in OPT2 and not args.no_o2:
                    variants.append(("-O2 compiled", ["-O2", "-DPULSE_COMPILED_LIB"]))
                for label, flags in variants:
                    rows.append((cc, unit, label, flags + include_flags(unit), path))
        samples = {i: [] for i in range(len(rows))}
        for run in range(args.runs):
            order = list(range(len(rows)))
            shift = run % max(1, len(order))
            order = order[shift:] + order[:shift]
            for i in order:
                cc, unit, label, flags, path = rows[i]
                r = compile_once(cc, path, flags)
                if r is None:
                    return 1
                samples[i].append(r)
        results = []
        for i, (cc, unit, label, flags, path) in enumerate(rows):
            t = statistics.median(s[0] for s in samples[i])
            m = statistics.median(s[1] for s in samples[i])
            results.append((cc, unit, label, t, m, min(s[0] for s in samples[i]), max(s[0] for s in samples[i])))
        base = {(cc, label.split()[0]): (t, m) for cc, unit, label, t, m, _, _ in results if unit == "boost_only"}
        if args.markdown:
            print("| compiler | translation unit | flags | median time | min-max | vs Boost-only | peak memory |")
            print("|---|---|---|---|---|---|---|")
        for cc, unit, label, t, m, lo, hi in results:
            b = base.get((cc, "-O0"))
            ratio = "%.2fx" % (t / b[0]) if b else "-"
            if args.markdown:
                print("| %s | `%s` | %s | %.2f s | %.2f-%.2f s | %s | %.0f MiB |" % (cc, unit, label, t, lo, hi, ratio, m))
            else:
                print("%-8s %-16s %-13s %6.2f s (%.2f-%.2f)  %6s  %5.0f MiB" % (cc, unit, label, t, lo, hi, ratio, m))
    print("(%d runs per row, median; ratios against boost_only -O0 of the same compiler, same run)" % args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
