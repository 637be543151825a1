"""The open database, the clock and the person acting: what every use case needs."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

from dpo_tui.clock import Clock, iso_utc
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import Database, open_database


@dataclass
class Workspace:
    db: Database
    path: Path
    clock: Clock = field(default_factory=Clock)
    actor: str = ""

    def now_iso(self) -> str:
        return iso_utc(self.clock.now())

    @property
    def read_only(self) -> bool:
        return self.db.read_only

    def reopen(self) -> Workspace:
        """A second connection to the same file, for a worker thread (sqlite3 is per thread)."""
        return open_workspace(self.path, clock=self.clock, actor=self.actor)

    def close(self) -> None:
        self.db.close()


def default_actor(db: Database | None = None, environ: dict[str, str] | None = None) -> str:
    """Who is recorded in history: DPO_TUI_USER, else the name set in the app, else the OS user."""
    environ = os.environ if environ is None else environ
    if environ.get("DPO_TUI_USER"):
        return environ["DPO_TUI_USER"]
    if db is not None:
        saved = repo.get_setting(db, "actor")
        if saved:
            return saved
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown user"


def open_workspace(path: Path | str, *, clock: Clock | None = None, actor: str | None = None,
                   create: bool = True, read_only: bool = False) -> Workspace:
    clock = clock or Clock()
    db = open_database(Path(path), now=clock.now(), create=create, read_only=read_only)
    return Workspace(db=db, path=Path(path), clock=clock, actor=actor or default_actor(db))
