#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Draw the charts of docs/performance.md from the benchmarks' saved output.

    /usr/bin/python3 tools/plot_performance.py [--data docs/perf-data] [--out docs/img] [--format svg|png]

Reads, from --data:
  e2e_sweep.txt     the output of one bench_e2e run over several documents (--doc ... --doc ...)
  decode_100mb.txt  the output of one bench_decode run
and writes:
  --data/e2e_sweep.csv        one row per document and mode: the medians bench_e2e printed
  --data/decode_100mb.csv     one row per bench_decode variant
  --out/e2e_throughput.svg    MB/s against document size, per mode (median, whiskers min-max)
  --out/e2e_peak_rss.svg      peak RSS against document size, per mode
  --out/decode_100mb.svg      bench_decode's variants: MB/s by CPU time and peak RSS / document

Needs matplotlib (Debian: apt-get install python3-matplotlib; run it with /usr/bin/python3 when
another python3 comes first on PATH). The SVGs are written without a date, so drawing the same data
twice gives the same files.
"""

import argparse
import csv
import os
import re
import sys

# The modes drawn against document size, in legend order, with their labels.
E2E_MODES = [
    ("pulse_typed", "pulse-cpp: typed extract_result (curl adapter)"),
    ("boost_dom", "Boost.JSON DOM parse, bytes already in memory"),
    ("curl_nlohmann", "libcurl into a std::string + nlohmann::json DOM"),
    ("curl_cli", "curl command line -o /dev/null (transport only)"),
    ("spool_null", "pulse-cpp: raw body into a discarding sink"),
]
E2E_STYLE = {
    "pulse_typed": dict(color="#1f5fb4", marker="o", linewidth=2.4),
    "boost_dom": dict(color="#2a9d3a", marker="s", linewidth=1.6),
    "curl_nlohmann": dict(color="#c8371d", marker="^", linewidth=1.6),
    "curl_cli": dict(color="#777777", marker="v", linewidth=1.4, linestyle="--"),
    "spool_null": dict(color="#1f5fb4", marker="D", linewidth=1.4, linestyle=":"),
}

E2E_COLUMNS = ["doc_bytes", "mode", "runs_ok", "runs", "wall_s_median", "wall_s_min", "wall_s_max",
               "mb_per_s_wall", "cpu_s_median", "mb_per_s_cpu", "peak_rss_mib", "peak_rss_per_doc",
               "rss_at_start_mib"]


def parse_e2e(path):
    """The summary table bench_e2e prints for each document, as dicts (see E2E_COLUMNS)."""
    rows = []
    doc_bytes = None
    header = re.compile(r"^== .*\((\d+) bytes\)")
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = header.match(line)
            if m:
                doc_bytes = int(m.group(1))
                continue
            if not line.startswith("| ") or line.startswith("| mode ") or doc_bytes is None:
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) != 16 or cells[2] == "-":
                continue
            ok, runs = cells[1].split("/")
            rows.append({
                "doc_bytes": doc_bytes, "mode": cells[0], "runs_ok": int(ok), "runs": int(runs),
                "wall_s_median": float(cells[2]), "wall_s_min": float(cells[3]),
                "wall_s_max": float(cells[4]), "mb_per_s_wall": float(cells[5]),
                "cpu_s_median": float(cells[6]),
                "mb_per_s_cpu": float(cells[7]) if cells[7] != "-" else "",
                "peak_rss_mib": float(cells[12]), "peak_rss_per_doc": float(cells[13]),
                "rss_at_start_mib": float(cells[14]),
            })
    return rows


DECODE_COLUMNS = ["run", "variant", "mb_per_s_wall", "mb_per_s_cpu", "time_vs_baseline", "time_vs_boost_dom",
                  "cold_mb_per_s", "peak_rss_mb", "peak_rss_per_doc", "rss_above_doc_mb"]


def parse_decode(path):
    """bench_decode's results tables (one per run of the program), as dicts (see DECODE_COLUMNS)."""
    rows = []
    run = 0
    num = lambda s: float(s.rstrip("x")) if s not in ("-", "") else ""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("| variant "):
                run += 1
                continue
            if not line.startswith("| "):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) != 9:
                continue
            rows.append(dict(zip(DECODE_COLUMNS, [run, cells[0]] + [num(c) for c in cells[1:]])))
    return rows


def write_csv(path, columns, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(r)


def setup_matplotlib():
    try:
        import matplotlib
    except ImportError:
        sys.exit("plot_performance.py: matplotlib is missing (Debian: apt-get install python3-matplotlib; "
                 "run with /usr/bin/python3)")
    matplotlib.use("svg")
    matplotlib.rcParams["svg.hashsalt"] = "pulse-cpp"  # stable ids: the same data gives the same file
    matplotlib.rcParams["font.size"] = 10
    import matplotlib.pyplot as plt
    return plt


FORMAT = "svg"


def save(fig, path):
    if FORMAT == "png":
        fig.savefig(path[:-4] + ".png", format="png", dpi=110, bbox_inches="tight")
    else:
        fig.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")
        # No trailing blanks (matplotlib ends path lines with one; whitespace there is insignificant).
        with open(path, encoding="utf-8") as f:
            text = "\n".join(line.rstrip() for line in f.read().split("\n"))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def size_axis(ax, sizes):
    ax.set_xscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{s / 1e6:.0f}" for s in sizes])
    ax.minorticks_off()
    ax.set_xlabel("document size, MB (10^6 bytes)")
    ax.grid(True, which="major", color="#dddddd", linewidth=0.8)


def log_axis(ax, ticks):
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    ax.set_yticks([t for t in ticks if lo <= t <= hi])
    ax.set_yticklabels([f"{t:g}" for t in ticks if lo <= t <= hi])
    ax.minorticks_off()


def plot_e2e(plt, rows, out_dir):
    sizes = sorted({r["doc_bytes"] for r in rows})
    by = {(r["mode"], r["doc_bytes"]): r for r in rows}

    # Throughput: document bytes over the wall time (median; whiskers: fastest and slowest run), and
    # over the process's CPU time in the measured region (median).
    fig, (aw, ac) = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True)
    for mode, label in E2E_MODES:
        pts = [(s, by[(mode, s)]) for s in sizes if (mode, s) in by]
        if not pts:
            continue
        xs = [s for s, _ in pts]
        mid = [s / 1e6 / r["wall_s_median"] for s, r in pts]
        lo = [m - s / 1e6 / r["wall_s_max"] for (s, r), m in zip(pts, mid)]
        hi = [s / 1e6 / r["wall_s_min"] - m for (s, r), m in zip(pts, mid)]
        aw.errorbar(xs, mid, yerr=[lo, hi], label=label, capsize=3, **E2E_STYLE[mode])
        cpu = [(s, s / 1e6 / r["cpu_s_median"]) for s, r in pts if r["cpu_s_median"] > 0]
        ac.plot([s for s, _ in cpu], [v for _, v in cpu], label=label, **E2E_STYLE[mode])
    for ax in (aw, ac):
        size_axis(ax, sizes)
        log_axis(ax, [10, 20, 50, 100, 200, 500, 1000, 2000])
    aw.set_ylabel("MB/s (log scale)")
    aw.set_title("by the wall clock (median; whiskers: range)", fontsize=10)
    ac.set_title("by the process's CPU time (median)", fontsize=10)
    handles, labels = aw.get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, loc="upper center", ncol=3, bbox_to_anchor=(0.5, 0.02))
    fig.suptitle("A large result end to end over loopback: throughput", fontsize=11)
    save(fig, os.path.join(out_dir, "e2e_throughput.svg"))
    plt.close(fig)

    # Peak RSS of the process that did the work (median), with the document's own size for scale.
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    for mode, label in E2E_MODES:
        pts = [(s, by[(mode, s)]) for s in sizes if (mode, s) in by]
        if not pts:
            continue
        ax.plot([s for s, _ in pts], [r["peak_rss_mib"] * 1048576 / 1e6 for _, r in pts], label=label,
                **E2E_STYLE[mode])
    ax.plot(sizes, [s / 1e6 for s in sizes], color="black", linewidth=0.8, linestyle="-.",
            label="the document's size (1.0x)")
    size_axis(ax, sizes)
    log_axis(ax, [10, 30, 100, 300, 1000, 3000, 10000])
    ax.set_ylabel("peak RSS of the process, MB (log scale)")
    ax.set_title("A large result end to end over loopback: peak memory")
    ax.legend(fontsize=8, loc="upper left")
    save(fig, os.path.join(out_dir, "e2e_peak_rss.svg"))
    plt.close(fig)


# bench_decode's variant names, shortened for the chart (the table in the page has the full ones).
DECODE_LABELS = [
    ("pulse::stream_decoder, one write()", "stream_decoder, one write"),
    ("pulse::stream_decoder, 64 KiB writes + size hint", "stream_decoder, 64 KiB + size hint"),
    ("pulse::stream_decoder, 64 KiB writes, no hint", "stream_decoder, 64 KiB, no hint"),
    ("baseline: Boost DOM (monotonic) + pulse::decode", "Boost DOM + pulse::decode (baseline)"),
    ("pulse DOM, exact doubles (monotonic) + pulse::decode", "pulse DOM (exact doubles) + decode"),
    ("Boost.JSON parse, DOM only (monotonic)", "Boost.JSON DOM only"),
    ("Boost basic_parser, null handler (parse floor, no output)", "Boost parser, null handler"),
    ("nlohmann::json::parse, DOM only", "nlohmann DOM only"),
    ("simdjson dom::parser::parse, DOM only", "simdjson DOM, new parser"),
    ("simdjson, parser reused across runs (warm buffers)", "simdjson DOM, warm parser"),
]


def median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def plot_decode(plt, rows, out_dir):
    names = dict(DECODE_LABELS)
    variants = [v for v, _ in DECODE_LABELS if any(r["variant"] == v for r in rows)]
    if not variants:
        return
    cpu = {v: [r["mb_per_s_cpu"] for r in rows if r["variant"] == v] for v in variants}
    rss = {v: [r["peak_rss_per_doc"] for r in rows if r["variant"] == v] for v in variants}
    labels = [names[v] for v in variants]
    colors = ["#1f5fb4" if l.startswith("stream_decoder") else ("#6b8fc9" if "decode" in l else "#999999")
              for l in labels]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
    ys = list(range(len(variants)))[::-1]
    mid = [median(cpu[v]) for v in variants]
    err = [[m - min(cpu[v]) for m, v in zip(mid, variants)], [max(cpu[v]) - m for m, v in zip(mid, variants)]]
    a1.barh(ys, mid, xerr=err, color=colors, capsize=2)
    a1.set_yticks(ys)
    a1.set_yticklabels(labels, fontsize=8)
    runs = len({r["run"] for r in rows})
    a1.set_xlabel(f"MB/s by CPU time (median of {runs} runs, range)")
    a1.grid(True, axis="x", color="#dddddd")
    a2.barh(ys, [median(rss[v]) for v in variants], color=colors)
    a2.axvline(1.0, color="black", linewidth=0.8, linestyle="-.")
    a2.set_xlabel("peak RSS / document size (document included)")
    a2.grid(True, axis="x", color="#dddddd")
    fig.suptitle("bench_decode, a 104 MB result in memory (blue: a typed result, dark: the stream decoder; grey: DOM or parse only)",
                 fontsize=10)
    save(fig, os.path.join(out_dir, "decode_100mb.svg"))
    plt.close(fig)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.path.join(root, "docs", "perf-data"))
    ap.add_argument("--out", default=os.path.join(root, "docs", "img"))
    ap.add_argument("--format", choices=["svg", "png"], default="svg", help="svg (the committed charts) or png")
    a = ap.parse_args()
    global FORMAT
    FORMAT = a.format
    os.makedirs(a.out, exist_ok=True)

    e2e = parse_e2e(os.path.join(a.data, "e2e_sweep.txt"))
    if not e2e:
        sys.exit("plot_performance.py: no bench_e2e table in e2e_sweep.txt")
    write_csv(os.path.join(a.data, "e2e_sweep.csv"), E2E_COLUMNS, e2e)
    decode = parse_decode(os.path.join(a.data, "decode_100mb.txt"))
    write_csv(os.path.join(a.data, "decode_100mb.csv"), DECODE_COLUMNS, decode)

    plt = setup_matplotlib()
    plot_e2e(plt, e2e, a.out)
    plot_decode(plt, decode, a.out)
    print(f"wrote {len(e2e)} bench_e2e rows and {len(decode)} bench_decode rows; charts in {a.out}")


if __name__ == "__main__":
    main()
