"""A process killed with SIGKILL mid-save loses nothing it reported saved and damages nothing.

A child process saves records in a loop through the services (as the app does) and prints each
reference once `save` has returned. It is killed at a random moment. Afterwards the database
passes `PRAGMA integrity_check` and holds every reference the child printed. WAL with
synchronous=FULL makes each returned save durable (PERFORMANCE.md).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from dpo_tui.clock import Clock
from dpo_tui.services import organisations
from dpo_tui.services.workspace import open_workspace

TRIALS = 8
SAVER = textwrap.dedent("""
    import sys
    from dpo_tui.clock import Clock
    from dpo_tui.services import records
    from dpo_tui.services.workspace import open_workspace

    path, org_id, trial = sys.argv[1], sys.argv[2], sys.argv[3]
    ws = open_workspace(path, clock=Clock.from_text("2026-11-22T10:00:00Z"), actor="crash test")
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        saved = records.save(ws, org_id, "action", {
            "what": f"Trial {trial} save {n}", "owner": "Ann", "notes": "n" * (n % 7 * 300)})
        if n % 3 == 0:  # updates too, so a kill can land in the middle of one
            records.save(ws, org_id, "action", {"status": "done"}, record_id=saved.record.id)
        print(saved.record.ref, flush=True)
""")


def test_sigkill_at_random_moments_loses_no_returned_save(tmp_path: Path):
    path = tmp_path / "crash.db"
    ws = open_workspace(path, clock=Clock.from_text("2026-11-22T10:00:00Z"), actor="tester")
    org_id = organisations.create(ws, {"name": "Crash Studio", "dpo_name": "Dee Pio"}).record.id
    ws.close()
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    acknowledged: list[str] = []
    started = time.monotonic()
    for trial in range(TRIALS):
        child = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path), org_id, str(trial)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
        time.sleep(rng.uniform(0.0, 0.6))
        os.kill(child.pid, signal.SIGKILL)
        out, err = child.communicate(timeout=10)
        assert child.returncode == -signal.SIGKILL, err
        # Only whole lines count: the kill may land while a reference is half printed.
        lines = out.split("\n")
        acknowledged += [ref for ref in lines[:-1] if ref]

    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], f"seed {seed}"
        stored = {ref for (ref,) in conn.execute(
            "SELECT ref FROM records WHERE org_id = ? AND register = 'action'", [org_id])}
        history = {ref for (ref,) in conn.execute(
            "SELECT ref FROM history WHERE action = 'insert' AND register = 'action'")}
    finally:
        conn.close()
    missing = [ref for ref in acknowledged if ref not in stored]
    assert not missing, f"lost {missing} (seed {seed})"
    assert set(acknowledged) <= history, f"a saved record without its history (seed {seed})"
    assert len(acknowledged) == len(set(acknowledged)), "a reference was reused"
    assert len(acknowledged) > TRIALS, "the children saved too little to test anything"
    print(f"{len(acknowledged)} saves acknowledged, seed {seed}")
    # The app still opens it and keeps working.
    ws = open_workspace(path, clock=Clock.from_text("2026-11-22T10:00:00Z"), actor="tester")
    ws.close()
    assert time.monotonic() - started < 30
