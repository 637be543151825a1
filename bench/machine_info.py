"""What machine a benchmark ran on: every results file starts with these lines."""

from __future__ import annotations

import os
import platform
import sqlite3
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def code_version() -> str:
    """The commit measured, marked when the checkout has uncommitted changes."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                                capture_output=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "dpo_tui"], cwd=root,
                               text=True, capture_output=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (commit or "unknown") + (" with uncommitted changes" if dirty else "")


def describe(packages: tuple[str, ...] = ()) -> list[str]:
    """Markdown bullet lines: date, CPU and load, OS, Python, SQLite and the given packages."""
    from dpo_tui import __version__

    versions = ", ".join(f"{name} {version(name)}" for name in packages)
    return [
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M')} UTC",
        f"- CPU: {cpu_name()}, {os.cpu_count()} logical cores; load average at start {load_average()}",
        f"- OS: {platform.platform()}",
        f"- Code: commit {code_version()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
        + (f", {versions}" if versions else "") + f", dpo-tui {__version__}",
    ]
