"""Starting the terminal app: open the database, start reading the first screen's data in a
second process, then load Textual and show the dashboard.

Loading Textual is about 150 ms of work before anything is drawn, and reading and checking a
thousand activities for the dashboard about 50 ms more (bench/startup.py). On a machine with
two or more cores they run side by side: once the database is open (checked, and migrated if
need be) and before Textual is imported, the process forks. The child opens its own
read-only connection, builds the dashboard's overview and record counts, sends them back
pickled through a pipe and exits; the dashboard takes them when it is first composed.

Should anything go wrong (no fork on this system, one core, threads already running, the
child failing or late), the dashboard reads the data itself, as it does on every refresh.

Nothing here imports Textual: it must not be loaded before the fork.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dpo_tui.cli import Context
    from dpo_tui.services.dashboard import Overview
    from dpo_tui.services.workspace import Workspace
    from dpo_tui.tui.app import DpoApp

# How long the dashboard waits for a child still reading. The child does the very work the
# dashboard would otherwise do, so waiting for it is never slower; the limit is only for a
# child that is stuck (SQLite gives up on a lock after 3 s, and the child then exits).
WAIT_SECONDS = 10.0


@dataclass
class FirstScreen:
    """The dashboard's data for one organisation, as read by the child."""

    org_id: str
    overview: Overview
    counts: dict[str, int]  # live records per register


def read_first_screen(ws: Workspace, org_id: str) -> FirstScreen:
    """What the dashboard shows first: the same calls the dashboard makes itself."""
    from dpo_tui.domain import registers
    from dpo_tui.services import dashboard, records

    return FirstScreen(org_id=org_id, overview=dashboard.overview(ws, org_id),
                       counts={name: records.count(ws, org_id, name)
                               for name in registers.available()})


class EarlyRead:
    """A child process reading the first screen; `take` collects its answer once."""

    def __init__(self, pid: int, fd: int):
        self.pid = pid
        self.fd: int | None = fd

    def take(self) -> FirstScreen | None:
        """The child's answer, waiting at most WAIT_SECONDS; None if it failed or is late."""
        if self.fd is None:
            return None
        fd, self.fd = self.fd, None
        chunks: list[bytes] = []
        deadline = time.monotonic() + WAIT_SECONDS
        complete = False
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([fd], [], [], left)[0]:
                    break  # late: the dashboard reads the data itself
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    complete = True
                    break
                chunks.append(chunk)
        finally:
            os.close(fd)
            self._reap(kill=not complete)
        if not complete or not chunks:
            return None
        try:
            first = pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 (a child that died half-way through writing)
            return None
        return first if isinstance(first, FirstScreen) else None

    def discard(self) -> None:
        """Not needed after all (the app stopped before its first screen)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            self._reap(kill=True)

    def _reap(self, *, kill: bool) -> None:
        """Collect the child's exit status, so no zombie is left. Its exit takes a few ms
        (its memory is unmapped), so the wait is left to a thread rather than the screen."""
        if kill:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        threading.Thread(target=_wait_for, args=(self.pid,), name="reap-early-read",
                         daemon=True).start()


def _wait_for(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def start_early_read(ws: Workspace, org_id: str | None) -> EarlyRead | None:
    """Fork a child that reads the first screen, or None where that would not help or is not
    safe: no organisation yet (the welcome screen needs nothing), no fork, a single core, or
    other threads running (a forked child gets only this one, and any lock they held)."""
    if org_id is None or not hasattr(os, "fork") or _cores() < 2 \
            or threading.active_count() > 1:
        return None
    read_fd, write_fd = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        _child(ws, org_id, write_fd)
    os.close(write_fd)
    return EarlyRead(pid, read_fd)


def _child(ws: Workspace, org_id: str, write_fd: int) -> None:
    """Read on a connection of its own (the parent's must not be used across a fork), write
    the answer, and leave at once: os._exit runs no clean-up that belongs to the parent."""
    code = 1
    try:
        from dpo_tui.services.workspace import Workspace
        from dpo_tui.storage.db import open_reader

        reader = Workspace(db=open_reader(ws.path), path=ws.path, clock=ws.clock, actor=ws.actor)
        payload = pickle.dumps(read_first_screen(reader, org_id), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_fd, "wb") as out:
            out.write(payload)
        code = 0
    except BaseException:  # noqa: BLE001 (the parent reads the data itself)
        pass
    finally:
        os._exit(code)


def make_app(ctx: Context) -> DpoApp:
    """Open the database and make the App, as `dpo-tui` does before its first screen.

    The cycle collector is paused until the App exists (`prepare` freezes what was loaded and
    starts it again): loading Textual and the app makes a hundred thousand objects that live
    as long as the process, and each full collection meanwhile would walk them all (about
    20 ms of start-up).
    """
    gc.disable()
    from dpo_tui.services import organisations

    ws = None
    early = None
    try:
        ws = ctx.open()
        org = organisations.current(ws)
        early = start_early_read(ws, org.id if org else None)
        from dpo_tui.tui.app import prepare

        return prepare(ws, early)
    except BaseException:
        gc.enable()
        if early is not None:
            early.discard()
        if ws is not None:
            ws.close()
        raise


def run(ctx: Context) -> int:
    app = make_app(ctx)
    try:
        app.run()
    finally:
        app.discard_early_read()
        app.ws.close()
    return 0
