"""Run every benchmark and write bench/RESULTS.md: machine, date, numbers, targets met or not.

    python bench/run_all.py            (or: make bench)

Numbers go to the report, never to test assertions: they depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import filter as filter_bench  # noqa: E402
import startup  # noqa: E402
from generate import make_database  # noqa: E402
from machine_info import describe  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)
    lines = ["# Benchmark results", "", "Written by `bench/run_all.py`. Medians unless stated; "
             "the machine may have been shared with other work while it ran.", "", "## Machine", ""]
    lines += describe(("textual", "sqlite-utils"))
    with tempfile.TemporaryDirectory() as folder:
        small, big = Path(folder) / "1k.db", Path(folder) / "10k.db"
        print("generating 1,000 activities ...", flush=True)
        made_small = make_database(small, 1000)
        print("generating 10,000 activities ...", flush=True)
        made_big = make_database(big, 10_000)
        lines += ["", "## Generator (bench/generate.py)", "",
                  "| activities | records in all | seconds (one transaction, through the repository) |",
                  "|---|---|---|"]
        for made in (made_small, made_big):
            counts = made.counts
            lines.append(f"| {counts['activity']:,} | {sum(counts.values()):,} "
                         f"({', '.join(f'{n:,} {r}' for r, n in counts.items())}) | "
                         f"{made.seconds:.1f} |")

        print("start-up ...", flush=True)
        result = startup.measure(small, args.repetitions)
        lines += ["", "## Start-up (bench/startup.py)", ""]
        lines += startup.report_lines(result, 1000)

        print("filter ...", flush=True)
        filtered = filter_bench.measure(big, repetitions=5)
        lines += ["", "## Filter as you type (bench/filter.py)", ""]
        lines += filter_bench.report_lines(filtered)

    lines += ["", "## Targets", "",
              f"- Start-up within {startup.TARGET_RATIO}x of a minimal Textual app: "
              f"{'met' if result['target_met'] else 'NOT met'} ({result['ratio']:.2f}x).",
              f"- Filter keystroke under {filter_bench.TARGET_MS:.0f} ms at 10,000 activities: "
              f"{'met' if filtered['target_met'] else 'NOT met'} (worst keystroke "
              f"{filtered['worst_keystroke_median_ms']:.1f} ms, median {filtered['median_ms']:.1f} ms).",
              ""]
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
