"""Reading in a forked child process while this one loads a large library.

Two slow starts have work beside them that does not need the library: Textual (~150 ms) and
the dashboard's data (tui/start.py), WeasyPrint (~300 ms) and the report's pages
(services/report.py). On a machine with two or more cores they run side by side: the process
forks, the child reads the database on a connection of its own (the parent's must not be used
across a fork), sends its answer back pickled through a pipe and exits, and the parent takes
the answer when it needs it.

`start` returns None where forking would not help or is not safe: no fork on this system, a
single core, or other threads running (a forked child gets only the thread that forked, and
whatever locks the others held). `take` returns None if the child failed or is stuck. In
every such case the caller does the work itself, as it would without this module.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dpo_tui.clock import Clock
    from dpo_tui.services.workspace import Workspace

# How long `take` waits for a child still working. The child does the very work the caller
# would otherwise do, so waiting for it is never slower; the limit is only for a child that
# is stuck (SQLite gives up on a lock after 3 s, and the child then exits).
WAIT_SECONDS = 10.0


class Forked:
    """A child process working; `take` collects its answer once."""

    def __init__(self, pid: int, fd: int):
        self.pid = pid
        self.fd: int | None = fd

    def take(self) -> Any | None:
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
                    break  # late: the caller does the work itself
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
            return pickle.loads(b"".join(chunks))
        except Exception:  # noqa: BLE001 (a child that died half-way through writing)
            return None

    def discard(self) -> None:
        """Not needed after all."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            self._reap(kill=True)

    def _reap(self, *, kill: bool) -> None:
        """Collect the child's exit status, so no zombie is left. Its exit takes a few ms
        (its memory is unmapped), so the wait is left to a thread rather than the caller."""
        if kill:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        threading.Thread(target=_wait_for, args=(self.pid,), name="reap-forked",
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


def start(work: Callable[..., Any], *args: Any) -> Forked | None:
    """Run `work(*args)` in a forked child, or return None (see the module's docstring).

    `work` runs in the child only, and its result must pickle.
    """
    if not hasattr(os, "fork") or _cores() < 2 or threading.active_count() > 1:
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
        _child(work, args, write_fd)
    os.close(write_fd)
    return Forked(pid, read_fd)


def _child(work: Callable[..., Any], args: tuple[Any, ...], write_fd: int) -> None:
    """Work, write the answer, and leave at once: os._exit runs no clean-up that belongs to
    the parent (its database connection, its buffered output)."""
    code = 1
    try:
        payload = pickle.dumps(work(*args), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_fd, "wb") as out:
            out.write(payload)
        code = 0
    except BaseException:  # noqa: BLE001 (the parent does the work itself)
        pass
    finally:
        os._exit(code)


def reader(path: Path, clock: Clock, actor: str) -> Workspace:
    """A workspace on a read-only connection of the child's own, to a database the parent
    has already opened (and so checked and migrated)."""
    from dpo_tui.services.workspace import Workspace
    from dpo_tui.storage.db import open_reader

    return Workspace(db=open_reader(path), path=path, clock=clock, actor=actor)
