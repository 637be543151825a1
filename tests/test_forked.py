"""dpo_tui/forked.py: work in a forked child while this process loads a library.

The child must give exactly what the work gives in this process, a failed or stuck child must
change nothing but the time taken, and no child may be left behind. Each case runs in a fresh
interpreter: forking is refused while other threads run, as they do in a pytest worker.
"""

from __future__ import annotations

import subprocess
import sys
import threading

from dpo_tui import forked

AS_OF = "2026-11-22T10:00:00Z"

# argv: database, mode (ok, fail, late). Prints what the report's child made, compared with
# the same work done here, and whether the child was collected.
CHILD_REPORT = r"""
import json, os, sys, time
from dpo_tui import forked
from dpo_tui.clock import Clock
from dpo_tui.services import organisations
from dpo_tui.services import report
from dpo_tui.services.workspace import open_workspace
from dpo_tui.report.html import render_html

db, mode, now = sys.argv[1:4]
if mode == "fail":
    def broken(*args):
        raise RuntimeError("the child fails")
    report.made_in_child = broken
elif mode == "late":
    forked.WAIT_SECONDS = 0.3
    def slow(*args):
        time.sleep(30)
    report.made_in_child = slow

children = []
start = forked.start
def recording_start(*args):
    early = start(*args)
    children.append(early.pid if early else None)
    return early
forked.start = recording_start

ws = open_workspace(db, clock=Clock.from_text(now), actor="tester", create=False)
org = organisations.current(ws)
began = time.monotonic()
made = report._made_while_weasyprint_loads(ws, org.id, None)
seconds = time.monotonic() - began
here = (render_html(report.gather_context(ws, org.id)), report._export_slice(ws, org.id))
reaped = False
for _ in range(200):  # collected by a thread within a few ms; a zombie still answers kill 0
    try:
        os.kill(children[0], 0)
    except ProcessLookupError:
        reaped = True
        break
    time.sleep(0.01)
print(json.dumps({"forked": children[0] is not None, "made": made is not None,
                  "same": made is not None and tuple(made) == here, "reaped": reaped,
                  "seconds": seconds, "html": len(here[0])}))
"""


def test_the_report_pages_made_in_the_child_are_the_ones_made_here(demo_file, run_python):
    out = run_python(CHILD_REPORT, str(demo_file), "ok", AS_OF)
    assert out["forked"] and out["made"] and out["same"] and out["reaped"]
    assert out["html"] > 10_000


def test_a_failing_child_gives_nothing_and_is_collected(demo_file, run_python):
    out = run_python(CHILD_REPORT, str(demo_file), "fail", AS_OF)
    assert out["forked"] and not out["made"] and out["reaped"]


def test_a_stuck_child_is_stopped_and_collected(demo_file, run_python):
    out = run_python(CHILD_REPORT, str(demo_file), "late", AS_OF)
    assert out["forked"] and not out["made"] and out["reaped"]
    assert out["seconds"] < 5  # waited 0.3 s, not the child's 30 s


def test_no_fork_while_other_threads_run():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert forked.start(len, "abc") is None
    finally:
        stop.set()
        thread.join()


def test_a_report_is_still_made_when_no_child_can_be_started(tmp_path, demo_file):
    """The CLI's own path: in a fresh interpreter the child is used; with it failing, the
    report is made in process and is the same file but for its timestamps."""
    code = r"""
import sys
from dpo_tui.services import report
if sys.argv[2] == "fail":
    report.made_in_child = lambda *args: 1 / 0
from dpo_tui.cli import main
sys.exit(main(["--db", sys.argv[1], "--as-of", sys.argv[3], "report", "--out", sys.argv[4]]))
"""
    from pypdf import PdfReader

    texts = []
    for mode in ("ok", "fail"):
        out = tmp_path / f"{mode}.pdf"
        result = subprocess.run([sys.executable, "-c", code, str(demo_file), mode, AS_OF, str(out)],
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        reader = PdfReader(out)
        texts.append(([page.extract_text() for page in reader.pages],
                      next(iter(reader.attachments.values()))[0]))
    assert texts[0] == texts[1]
    assert "Little Larks Music Studio Ltd" in texts[0][0][0]
