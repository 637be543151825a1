"""Filter-as-you-type over 10,000 activities: the query behind each keystroke.

For each prefix of a typed word ("m", "ma", "mar", ...) time what the register screen asks for
on a keystroke: the first 100 matches and their total (services.records.search, one query) and the
Several repetitions; medians per keystroke.
Target: under 50 ms a keystroke, so typing never waits for the table.

    python bench/filter.py                       # generates a 10,000-activity database first
    python bench/filter.py --db /tmp/bench10k.db # or reuses one made by bench/generate.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import BENCH_NOW, make_database  # noqa: E402

from dpo_tui.clock import Clock  # noqa: E402
from dpo_tui.services import organisations, records  # noqa: E402
from dpo_tui.services.workspace import open_workspace  # noqa: E402

TARGET_MS = 50.0
# Words a DPO types: common (many matches), medium, rare, and one that matches nothing.
WORDS = ("marketing", "newsletter", "safeguarding", "payroll", "glasgow", "zzyzx")
PAGE = 100


def measure(db_path: Path, *, words: tuple[str, ...] = WORDS, repetitions: int = 5) -> dict[str, Any]:
    ws = open_workspace(db_path, clock=Clock.from_text(BENCH_NOW), actor="bench")
    try:
        org = organisations.current(ws)
        assert org is not None, "the database has no organisation"
        total = records.count(ws, org.id, "activity")
        per_word: dict[str, list[dict[str, Any]]] = {}
        all_medians: list[float] = []
        for word in words:
            keystrokes = []
            for end in range(1, len(word) + 1):
                text = word[:end]
                times = []
                for _ in range(repetitions):
                    started = time.perf_counter()
                    shown, matches = records.search(ws, org.id, "activity", text=text, limit=PAGE)
                    times.append((time.perf_counter() - started) * 1000)
                median = statistics.median(times)
                all_medians.append(median)
                keystrokes.append({"text": text, "median_ms": median, "max_ms": max(times),
                                   "shown": len(shown), "matches": matches})
            per_word[word] = keystrokes
    finally:
        ws.close()
    worst = max(all_medians)
    return {
        "activities": total,
        "repetitions": repetitions,
        "words": per_word,
        "median_ms": statistics.median(all_medians),
        "worst_keystroke_median_ms": worst,
        "target_ms": TARGET_MS,
        "target_met": worst < TARGET_MS,
    }


def report_lines(result: dict[str, Any]) -> list[str]:
    lines = [
        f"Filter-as-you-type over {result['activities']:,} activities "
        f"(first {PAGE} matches + count per keystroke, median of {result['repetitions']}):",
        "",
        "| word | keystrokes | median ms (all keystrokes) | worst keystroke ms | matches for the whole word |",
        "|---|---|---|---|---|",
    ]
    for word, keystrokes in result["words"].items():
        medians = [k["median_ms"] for k in keystrokes]
        lines.append(f"| {word} | {len(keystrokes)} | {statistics.median(medians):.1f} | "
                     f"{max(medians):.1f} | {keystrokes[-1]['matches']:,} |")
    verdict = "met" if result["target_met"] else "NOT met"
    lines += ["", f"Median keystroke {result['median_ms']:.1f} ms; worst keystroke "
                  f"{result['worst_keystroke_median_ms']:.1f} ms; target < {TARGET_MS:.0f} ms: "
                  f"**{verdict}**."]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a database made by bench/generate.py (default: make one)")
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db = Path(args.db) if args.db else Path(folder) / "bench.db"
        if not args.db:
            made = make_database(db, args.activities)
            print(f"generated {args.activities:,} activities in {made.seconds:.1f} s")
        print("\n".join(report_lines(measure(db, repetitions=args.repetitions))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
