"""Time the PDF report at 10, 100 and 1,000 activities, and the demo organisation's full report.

Each report is made in a fresh Python process (so WeasyPrint's import is counted, as a user
pays it) that reports its own wall time per stage and its peak memory (getrusage ru_maxrss).
The demo is timed as a user runs it: `dpo-tui demo`, then `dpo-tui report`. Then a straight
line t = a + b * activities is fitted to see whether time and memory grow linearly. Numbers
are appended to bench/RESULTS-report.md, never asserted: they depend on the machine and its
load.

    python bench/report_bench.py [--sizes 10,100,1000] [--repeat 3] [--repeat-large 1]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if __package__ in (None, ""):  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))

from generate import BENCH_NOW, make_database  # noqa: E402
from machine_info import code_version, cpu_name, load_average  # noqa: E402

RESULTS = HERE / "RESULTS-report.md"
DEMO_TARGET_SECONDS = 2.0

# Runs in the child process: one report, its stages, its pages, its peak memory.
CHILD = r"""
import json, resource, sys, time
start = time.perf_counter()
from pathlib import Path
from dpo_tui.clock import Clock
from dpo_tui.services import organisations
from dpo_tui.services.report import build_report
from dpo_tui.services.workspace import open_workspace
db, out, now = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
ws = open_workspace(db, clock=Clock.from_text(now), actor="bench", create=False)
org = organisations.current(ws)
marks = []
path = build_report(ws, org.id, out=out,
                    progress=lambda stage, f: marks.append((stage, time.perf_counter() - start)))
ws.close()
end = time.perf_counter() - start
try:
    from pypdf import PdfReader
    pages = len(PdfReader(path).pages)
except ImportError:  # pypdf comes with the test extras
    pages = 0
stages = {}
for (name, at), (_, following) in zip(marks, marks[1:] + [("end", end)]):
    if name != "done":
        stages[name] = following - at
print(json.dumps({"seconds": end, "startup": marks[0][1] if marks else 0.0, "stages": stages,
                  "pages": pages, "bytes": path.stat().st_size,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(db: Path, out: Path) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", CHILD, str(db), str(out), BENCH_NOW],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"report failed for {db}:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak memory MB) of one command, measured from outside (os.wait4)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed")
    return seconds, usage.ru_maxrss / 1024


def fit(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Least-squares line y = a + b x through the points, and R²."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    b = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    a = mean_y - b * mean_x
    total = sum((y - mean_y) ** 2 for y in ys)
    residual = sum((y - (a + b * x)) ** 2 for x, y in points)
    return a, b, 1 - residual / total if total else 1.0


def machine() -> str:
    subset = "yes" if any(Path(p).exists() for p in (
        "/usr/lib/x86_64-linux-gnu/libharfbuzz-subset.so.0",
        "/usr/lib/aarch64-linux-gnu/libharfbuzz-subset.so.0")) else "no"
    return (f"{cpu_name()}, {os.cpu_count()} logical cores; load average at start {load_average()}; "
            f"Python {platform.python_version()}, WeasyPrint {version('weasyprint')}, "
            f"libharfbuzz-subset0 installed: {subset}; code: commit {code_version()}")

def bench_sizes(sizes: list[int], repeat: int, repeat_large: int, work: Path) -> list[dict]:
    rows = []
    for n in sizes:
        db = work / f"bench-{n}.db"
        made = make_database(db, n)
        out = work / f"out-{n}"
        out.mkdir()
        runs = [run_child(db, out) for _ in range(repeat if n < 1000 else repeat_large)]
        best = min(runs, key=lambda r: r["seconds"])
        rows.append({"activities": n, "counts": made.counts, "runs": runs, "best": best,
                     "median": statistics.median(r["seconds"] for r in runs)})
        print(f"{n:>5} activities: {best['pages']} pages, median {rows[-1]['median']:.2f} s, "
              f"peak {best['max_rss_mb']:.0f} MB", flush=True)
    return rows


def bench_demo(repeat: int, work: Path) -> dict[str, Any]:
    db = work / "demo.db"
    cli = [sys.executable, "-m", "dpo_tui", "--db", str(db), "--as-of", BENCH_NOW]
    subprocess.run([*cli, "demo"], cwd=ROOT, check=True, capture_output=True)
    out = work / "demo-out"
    out.mkdir()
    runs = [run_timed([*cli, "report", "--out", str(out)]) for _ in range(repeat)]
    detail = run_child(db, out)
    result = {"runs": runs, "median": statistics.median(s for s, _ in runs),
              "best": min(s for s, _ in runs), "max_rss_mb": max(m for _, m in runs),
              "detail": detail}
    print(f"demo: {detail['pages']} pages, median {result['median']:.2f} s "
          f"(target {DEMO_TARGET_SECONDS:.0f} s), peak {result['max_rss_mb']:.0f} MB", flush=True)
    return result


def write_results(rows: list[dict], demo: dict[str, Any], started: str, host: str) -> str:
    lines = [f"## Run of {started}", "", f"- Machine: {host}", ""]
    lines += ["### Demo organisation, full report (`dpo-tui demo`, then `dpo-tui report`)", ""]
    d = demo["detail"]
    verdict = "met" if demo["median"] < DEMO_TARGET_SECONDS else "NOT met"
    lines += [f"- {d['pages']} pages, {d['bytes'] / 1024:.0f} KB. Whole command, {len(demo['runs'])}"
              f" runs: median {demo['median']:.2f} s, best {demo['best']:.2f} s, peak memory "
              f"{demo['max_rss_mb']:.0f} MB. Target under {DEMO_TARGET_SECONDS:.0f} s: {verdict}.",
              "- Where the time goes (one run, seconds): start-up and imports "
              f"{d['startup']:.2f}, " + ", ".join(f"{k} {v:.2f}" for k, v in d["stages"].items())
              + " (WeasyPrint loads while a child process gathers the data and builds the "
              "pages, so gathering includes loading it).", ""]
    if rows:
        lines += ["### Synthetic organisations (bench/generate.py)", "",
                  "| activities | records (processors, retention, breaches) | pages | "
                  "time (median) | laying out | writing | peak memory |",
                  "|---|---|---|---|---|---|---|"]
    for row in rows:
        best, counts = row["best"], row["counts"]
        lines.append(
            f"| {row['activities']:,} | {counts.get('processor', 0)}, {counts.get('retention', 0)}, "
            f"{counts.get('breach', 0)} | {best['pages']:,} | {row['median']:.2f} s "
            f"({len(row['runs'])} run{'s' if len(row['runs']) > 1 else ''}) | "
            f"{best['stages'].get('laying out', 0):.2f} s | {best['stages'].get('writing', 0):.2f} s "
            f"| {best['max_rss_mb']:.0f} MB |")
    if len(rows) >= 3:
        a, b, r2 = fit([(r["activities"], r["median"]) for r in rows])
        ma, mb, mr2 = fit([(r["activities"], r["best"]["max_rss_mb"]) for r in rows])
        pa, pb, _ = fit([(r["activities"], r["best"]["pages"]) for r in rows])
        per = [(r2_["median"] - r1["median"]) / (r2_["activities"] - r1["activities"])
               for r1, r2_ in zip(rows, rows[1:], strict=False)]
        lines += ["", "### Growth", "",
                  f"- Time: t ≈ {a:.2f} s + {b * 1000:.1f} ms × activities (R² {r2:.4f}). Cost of "
                  "each extra activity between successive sizes: "
                  + ", ".join(f"{p * 1000:.1f} ms" for p in per) + ".",
                  f"- Memory: ≈ {ma:.0f} MB + {mb:.2f} MB × activities (R² {mr2:.4f}).",
                  f"- Pages: ≈ {pa:.0f} + {pb:.2f} × activities.",
                  "- Linear if R² is close to 1 and the per-activity costs agree; a rising "
                  "per-activity cost would mean super-linear growth."]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="activities per synthetic "
                        "organisation, comma-separated; empty for the demo alone")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size below 1,000")
    parser.add_argument("--repeat-large", type=int, default=1, help="runs at 1,000 and more")
    parser.add_argument("--demo-repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    # As installing the package does; else, with PYTHONDONTWRITEBYTECODE set, every run would
    # compile dpo_tui from source while WeasyPrint, installed by pip, loads compiled.
    compileall.compile_dir(ROOT / "dpo_tui", quiet=1)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    host = machine()
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        work = Path(tmp)
        demo = bench_demo(args.demo_repeat, work)
        rows = bench_sizes(sizes, args.repeat, args.repeat_large, work)
    text = write_results(rows, demo, started, host)
    header = "" if RESULTS.exists() else (
        "# PDF report benchmark\n\nWritten by `bench/report_bench.py`, one section per run "
        "(newest last). Numbers depend on the machine and its load; they are written down, "
        "not asserted.\n\n")
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(header + text + "\n")
    print(f"appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
