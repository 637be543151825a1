"""Starting the terminal app: open the database, start reading the first screen's data in a
second process, then load Textual and show the dashboard.

Loading Textual is about 150 ms of work before anything is drawn, and reading and checking a
thousand activities for the dashboard about 50 ms more (bench/startup.py). Once the database
is open (checked, and migrated if need be) and before Textual is imported, the dashboard's
overview (due items, findings, record counts) is read in a forked child (dpo_tui/forked.py); the dashboard takes
them when it is first composed. Where that is not possible, or the child fails, the dashboard
reads the data itself, as it does on every refresh.

Nothing here imports Textual: it must not be loaded before the fork.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING

from dpo_tui import forked

if TYPE_CHECKING:
    from dpo_tui.cli import Context
    from dpo_tui.clock import Clock
    from dpo_tui.services.dashboard import Overview
    from dpo_tui.services.workspace import Workspace
    from dpo_tui.tui.app import DpoApp


def read_first_screen(ws: Workspace, org_id: str) -> Overview:
    """What the dashboard shows first: the overview it would read itself."""
    from dpo_tui.services import dashboard

    return dashboard.overview(ws, org_id)


def _read_in_child(path: Path, clock: Clock, actor: str, org_id: str) -> Overview:
    return read_first_screen(forked.reader(path, clock, actor), org_id)


def start_early_read(ws: Workspace, org_id: str | None) -> forked.Forked | None:
    """The first screen read in a child; None without an organisation (the welcome screen
    needs nothing) or where forking is not possible."""
    if org_id is None:
        return None
    return forked.start(_read_in_child, ws.path, ws.clock, ws.actor, org_id)


def make_app(ctx: Context) -> DpoApp:
    """Open the database and make the App, as `dpo-tui` does before its first screen.

    The cycle collector is paused while Textual and the app load: they make a hundred thousand
    objects that live as long as the process, and each full collection meanwhile would walk
    them all (about 20 ms of start-up). Once loaded, they are frozen out of its way for good,
    which keeps it from walking them while the dashboard reads a thousand records (about
    40 ms more).
    """
    gc.disable()
    ws = None
    early = None
    try:
        from dpo_tui.services import organisations

        ws = ctx.open()
        org = organisations.current(ws)
        early = start_early_read(ws, org.id if org else None)
        from dpo_tui.tui.app import DpoApp

        gc.freeze()
        return DpoApp(ws, early)
    except BaseException:
        if early is not None:
            early.discard()
        if ws is not None:
            ws.close()
        raise
    finally:
        gc.enable()


def run(ctx: Context) -> int:
    app = make_app(ctx)
    try:
        app.run()
    finally:
        app.discard_early_read()
        app.ws.close()
    return 0
