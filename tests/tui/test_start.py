"""Starting the app (tui/start.py): the first screen's data is read in a forked child while
Textual loads. The dashboard must look exactly as when it reads the data itself, and a child
that fails or is late must change nothing but the time taken.

The launches run in fresh interpreters: forking is refused while other threads run, as they
do in a pytest worker.
"""

from __future__ import annotations

import dataclasses
import threading

from dpo_tui.services import organisations
from dpo_tui.services.dashboard import Overview
from dpo_tui.tui.app import DpoApp
from dpo_tui.tui.start import read_first_screen, start_early_read

AS_OF = "2026-11-22T10:00:00Z"

# Launches the app as `dpo-tui` does, shows the dashboard headless, and compares it with the
# dashboard of an app that reads the data itself. argv: database, mode (ok, fail, late), now.
LAUNCH = r"""
import asyncio, json, os, sys, time
from dpo_tui import cli
import dpo_tui.tui.start as start

db, mode, now = sys.argv[1:4]
if mode == "fail":
    def broken(ws, org_id):
        raise RuntimeError("the child fails")
    start.read_first_screen = broken
elif mode == "late":
    import dpo_tui.forked
    dpo_tui.forked.WAIT_SECONDS = 0.3
    real = start.read_first_screen
    def slow(ws, org_id):
        time.sleep(30)
        return real(ws, org_id)
    start.read_first_screen = slow

ctx = cli.make_context(cli.parse_args(["--db", db, "--as-of", now]))

async def shown(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        return {"summary": str(screen.query_one("#dashboard-summary").render()),
                "review": str(screen.query_one("#dashboard-review").render()),
                "options": [str(o.prompt) for o in screen.query_one("#attention").options]}

began = time.monotonic()
import gc
app = start.make_app(ctx)
collecting = gc.isenabled()  # paused while loading, running again once the App exists
child = app._early.pid if app._early is not None else None
taken = []
take = app.take_first_screen
app.take_first_screen = lambda: taken.append(take()) or taken[-1]
early = asyncio.run(shown(app))
seconds = time.monotonic() - began
reaped = False
for _ in range(200):  # collected by a thread within a few ms; a zombie still answers kill 0
    try:
        os.kill(child, 0)
    except ProcessLookupError:
        reaped = True
        break
    time.sleep(0.01)
app.ws.close()

from dpo_tui.tui.app import DpoApp
ws = ctx.open()
itself = asyncio.run(shown(DpoApp(ws)))
ws.close()
print(json.dumps({"forked": child is not None, "used": taken[0] is not None, "reaped": reaped,
                  "collecting": collecting,
                  "same": early == itself, "options": len(itself["options"]),
                  "seconds": seconds}))
"""


def test_the_dashboard_read_by_the_child_is_the_one_it_reads_itself(demo_file, run_python):
    shown = run_python(LAUNCH, str(demo_file), "ok", AS_OF)
    assert shown["forked"] and shown["used"] and shown["reaped"] and shown["collecting"]
    assert shown["same"] and shown["options"] > 10


def test_a_failing_child_leaves_the_dashboard_to_read_the_data_itself(demo_file, run_python):
    shown = run_python(LAUNCH, str(demo_file), "fail", AS_OF)
    assert shown["forked"] and not shown["used"] and shown["reaped"]
    assert shown["same"]


def test_a_late_child_is_stopped_and_the_dashboard_reads_the_data_itself(demo_file, run_python):
    shown = run_python(LAUNCH, str(demo_file), "late", AS_OF)
    assert shown["forked"] and not shown["used"] and shown["reaped"]
    assert shown["same"] and shown["seconds"] < 5  # waited 0.3 s, not the child's 30 s


def test_no_child_without_an_organisation_or_with_threads_running(ws, org):
    assert start_early_read(ws, None) is None
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert start_early_read(ws, org.id) is None
    finally:
        stop.set()
        thread.join()


class _Early:
    def __init__(self, first: Overview | None):
        self.first = first
        self.taken = 0

    def take(self) -> Overview | None:
        self.taken += 1
        return self.first

    def discard(self) -> None:
        pass


def test_the_app_uses_the_early_read_once_and_only_for_its_current_data(ws, org):
    first = read_first_screen(ws, org.id)
    early = _Early(first)
    app = DpoApp(ws, early)
    assert app.take_first_screen() is first
    assert app.take_first_screen() is None and early.taken == 1  # once

    other = dataclasses.replace(first, org=dataclasses.replace(first.org, id="another organisation"))
    assert DpoApp(ws, _Early(other)).take_first_screen() is None

    stale = DpoApp(ws, _Early(first))
    stale.data_changed()  # something was saved before the dashboard was composed
    assert stale.take_first_screen() is None
    assert organisations.current(ws).id == org.id
