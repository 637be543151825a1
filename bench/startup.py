"""Start-up: time from launch to the first screen ready, dpo-tui versus a minimal Textual app.

Each measurement is a fresh process, timed from spawn until it prints "ready" — Python start,
imports, opening the database, and the first screen mounted and settled, headless through
`App.run_test()`. dpo-tui starts the way `dpo-tui --db FILE` does (parse the command line, open
the database) on a database with 1,000 activities; the minimal app is a Header, a Static and a
Footer. Both run on the same machine in the same run, alternating, several times; medians.
Target (issue 2): dpo-tui within 1.3x of the minimal app.

    python bench/startup.py                    # generates the 1,000-activity database first
    python bench/startup.py --db /tmp/b.db --repetitions 9
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
TARGET_RATIO = 1.3
SIZE = (120, 40)


# ---------------------------------------------------------------- the two children


async def settle(app, pilot) -> None:
    """The same for both apps: the first screen mounted, any background work it started done,
    and what that work changed painted."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def child_minimal() -> None:
    import asyncio

    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Minimal(App):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("Hello")
            yield Footer()

    async def main() -> None:
        app = Minimal()
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            print("ready", flush=True)

    asyncio.run(main())


def child_dpo(db: str) -> None:
    import asyncio

    from dpo_tui import cli

    args = cli.parse_args(["--db", db, "--as-of", "2026-11-22T10:00:00Z"])  # as `main` does
    ctx = cli.make_context(args)
    from dpo_tui.tui.start import make_app  # what `dpo-tui` runs before App.run()

    app = make_app(ctx)

    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            print(f"ready {type(app.screen).__name__}", flush=True)

    asyncio.run(main())


# ---------------------------------------------------------------- the parent


def launch(kind: str, db: Path | None) -> tuple[float, str]:
    """Seconds from spawn to the child's "ready" line, and what it said."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    if db is not None:
        command += ["--db", str(db)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=CHECKOUT)
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - started
    _, err = child.communicate(timeout=60)
    if not line.startswith("ready"):
        raise RuntimeError(f"{kind} did not start: {err.strip()[-2000:]}")
    return elapsed, line.strip()


def compile_bytecode() -> None:
    """Byte-compile the checkout, as installing the package does: without it (for example with
    PYTHONDONTWRITEBYTECODE set) every run would compile dpo_tui from source while textual,
    installed by pip, loads compiled."""
    import compileall

    compileall.compile_dir(CHECKOUT / "dpo_tui", quiet=1)


def measure(db: Path, repetitions: int = 7) -> dict[str, Any]:
    compile_bytecode()
    launch("minimal", None)  # warm the OS file cache for both, untimed
    _, screen = launch("dpo", db)
    minimal: list[float] = []
    dpo: list[float] = []
    for n in range(repetitions):
        order = (("minimal", None), ("dpo", db)) if n % 2 == 0 else (("dpo", db), ("minimal", None))
        for kind, path in order:
            seconds, _ = launch(kind, path)
            (minimal if kind == "minimal" else dpo).append(seconds * 1000)
    ratio = statistics.median(dpo) / statistics.median(minimal)
    return {
        "repetitions": repetitions,
        "first_screen": screen.removeprefix("ready ").strip(),
        "minimal_ms": minimal,
        "dpo_ms": dpo,
        "minimal_median_ms": statistics.median(minimal),
        "dpo_median_ms": statistics.median(dpo),
        "ratio": ratio,
        "target_ratio": TARGET_RATIO,
        "target_met": ratio <= TARGET_RATIO,
    }


def report_lines(result: dict[str, Any], activities: int) -> list[str]:
    verdict = "met" if result["target_met"] else "NOT met"
    return [
        f"Launch to first screen ready (headless run_test, {result['repetitions']} runs each, "
        "alternating, medians):",
        "",
        "| app | median ms | min ms | max ms |",
        "|---|---|---|---|",
        f"| minimal Textual app | {result['minimal_median_ms']:.0f} | {min(result['minimal_ms']):.0f} | "
        f"{max(result['minimal_ms']):.0f} |",
        f"| dpo-tui, {activities:,} activities ({result['first_screen']}) | "
        f"{result['dpo_median_ms']:.0f} | {min(result['dpo_ms']):.0f} | {max(result['dpo_ms']):.0f} |",
        "",
        f"Ratio {result['ratio']:.2f}x; target <= {TARGET_RATIO}x: **{verdict}**.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="a database made by bench/generate.py (default: make one)")
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--child", choices=("minimal", "dpo"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "minimal":
        child_minimal()
        return 0
    if args.child == "dpo":
        sys.path.insert(0, str(CHECKOUT))
        child_dpo(args.db)
        return 0
    sys.path.insert(0, str(CHECKOUT))
    sys.path.insert(0, str(HERE))
    from generate import make_database

    with tempfile.TemporaryDirectory() as folder:
        db = Path(args.db) if args.db else Path(folder) / "bench.db"
        if not args.db:
            make_database(db, args.activities)
        result = measure(db, args.repetitions)
        print("\n".join(report_lines(result, args.activities)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
