"""The PDF export: choose sections, watch the stages, cancel, see where the file went.

The report is built in a thread worker on its own database connection (sqlite3 connections
belong to the thread that opened them), so the app stays responsive. Progress comes back with
`call_from_thread`; cancelling is cooperative: the service stops at the next stage and writes
nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, ProgressBar, SelectionList, Static
from textual.worker import Worker, WorkerState

from dpo_tui.report.sections import SECTIONS, SHORT_PACK, TITLES

if TYPE_CHECKING:
    from textual.app import App

    from dpo_tui.services.workspace import Workspace


@dataclass(frozen=True)
class Outcome:
    """How a report run ended: the file written (None if not) and what to tell the user."""

    path: Path | None
    message: str
    error: bool = False


class ExportScreen(ModalScreen[Path | None]):
    """Returns the path of the PDF written, or None when closed without one."""

    DEFAULT_CSS = """
    #export-dialog {
        width: 100;
        max-width: 98%;
        height: auto;
        max-height: 98%;
        background: $surface;
        border: thick $primary;
        padding: 1 2;
    }
    #export-body { height: auto; }
    #export-left { width: 46; height: auto; }
    #export-right { width: 1fr; height: auto; padding-left: 2; }
    #export-sections { height: auto; max-height: 13; }
    #export-right Button { width: 100%; margin-bottom: 0; }
    #export-progress Bar { width: 1fr; }
    #export-progress { width: 100%; }
    #export-stage { height: auto; margin-top: 1; }
    #export-result { height: auto; margin-top: 1; }
    #export-result.error { color: $error; text-style: bold; }
    #export-buttons { height: auto; margin-top: 1; }
    #export-buttons Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("escape", "cancel_or_close", "Cancel / close"),
        Binding("ctrl+s", "start", "Create PDF"),
    ]

    def __init__(self, ws: Workspace, org_id: str, org_name: str, *,
                 sections: list[str] | None = None, out: Path | None = None):
        super().__init__()
        self.ws = ws
        self.org_id = org_id
        self.org_name = org_name
        self.initial = set(sections or SECTIONS)
        self.out = out
        self.saved_path: Path | None = None
        self._cancel = threading.Event()
        self._building = False

    def compose(self) -> ComposeResult:
        # Two columns, so the dialog fits a 24-line terminal: sections left, the run right.
        with Vertical(id="export-dialog"):
            yield Static(Text(f"PDF report: {self.org_name}"), classes="dialog-question")
            with Horizontal(id="export-body"):
                with Vertical(id="export-left"):
                    yield Static("Sections (space ticks; contents page added):",
                                 classes="field-help")
                    yield SelectionList[str](
                        *[(TITLES[name], name, name in self.initial) for name in SECTIONS],
                        id="export-sections")
                with Vertical(id="export-right"):
                    yield Button("All sections", id="all")
                    yield Button("Short pack", id="short",
                                 tooltip="Cover, summary, processors and retention: "
                                 "the pack for an accountant")
                    yield Static("", id="export-stage")
                    yield ProgressBar(total=100, show_eta=False, id="export-progress")
                    yield Static("", id="export-result")
            with Horizontal(id="export-buttons"):
                yield Button("Create PDF", variant="primary", id="start")
                yield Button("Cancel", variant="warning", id="cancel", disabled=True)
                yield Button("Close", id="close")

    # ------------------------------------------------------------ choosing

    def chosen_sections(self) -> list[str]:
        selected = set(self.query_one("#export-sections", SelectionList).selected)
        return [name for name in SECTIONS if name in selected]

    def _select(self, names: tuple[str, ...]) -> None:
        selection = self.query_one("#export-sections", SelectionList)
        selection.deselect_all()
        for name in names:
            selection.select(name)

    @on(Button.Pressed, "#all")
    def select_all(self) -> None:
        self._select(SECTIONS)

    @on(Button.Pressed, "#short")
    def select_short(self) -> None:
        self._select(SHORT_PACK)

    # ------------------------------------------------------------ running

    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        if self._building:
            return
        sections = self.chosen_sections()
        if not sections:
            self._result("Tick at least one section.", error=True)
            return
        self._building = True
        self._cancel.clear()
        self.saved_path = None
        self._result("")
        self._set_buttons()
        self._show_progress("starting", 0.0)
        self.build(sections)

    @work(thread=True, exclusive=True, exit_on_error=False, name="report", group="report")
    def build(self, sections: list[str]) -> Outcome:
        """Runs in a thread. Expected ends (saved, cancelled, refused) come back as an Outcome;
        anything else fails the worker and is shown as a message."""
        from dpo_tui.services.report import ReportCancelled, ReportError, build_report

        ws = self.ws.reopen()  # this thread's own connection
        try:
            path = build_report(ws, self.org_id, out=self.out, sections=sections,
                                progress=self._progress_from_thread,
                                cancelled=self._cancel.is_set)
        except ReportCancelled:
            return Outcome(None, "Cancelled: no file was written.")
        except ReportError as exc:
            return Outcome(None, f"The report was not saved: {exc}", error=True)
        finally:
            ws.close()
        return Outcome(path, f"Saved to {path}")

    def _progress_from_thread(self, stage: str, fraction: float) -> None:
        self.app.call_from_thread(self._show_progress, stage, fraction)

    def _show_progress(self, stage: str, fraction: float) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=round(fraction * 100))
        label = "Cancelling after this step…" if self._cancel.is_set() and self._building else \
            f"{stage.capitalize()}…" if stage != "done" else "Done."
        self.query_one("#export-stage", Static).update(Text(label))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "report" or event.state not in (
                WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self._building = False
        self._set_buttons()
        outcome = event.worker.result if event.state == WorkerState.SUCCESS else None
        if outcome is None:  # failed unexpectedly, or the app cancelled the worker
            error = event.worker.error
            outcome = Outcome(None, f"The report was not saved: {error}" if error else
                              "Cancelled: no file was written.", error=error is not None)
        if outcome.path is not None:
            self.saved_path = outcome.path
            self._show_progress("done", 1.0)
            self.app.notify(f"Report saved to {outcome.path}", title="PDF report", timeout=10)
        else:
            self._show_progress("stopped", 0.0)
        self._result(outcome.message, error=outcome.error)

    def _result(self, message: str, *, error: bool = False) -> None:
        result = self.query_one("#export-result", Static)
        result.update(Text(message))
        result.set_class(error, "error")

    def _set_buttons(self) -> None:
        self.query_one("#start", Button).disabled = self._building
        self.query_one("#cancel", Button).disabled = not self._building
        self.query_one("#export-sections", SelectionList).disabled = self._building

    # ------------------------------------------------------------ leaving

    @on(Button.Pressed, "#cancel")
    def request_cancel(self) -> None:
        if self._building:
            self._cancel.set()
            self.query_one("#export-stage", Static).update(Text("Cancelling after this step…"))

    @on(Button.Pressed, "#close")
    def action_cancel_or_close(self) -> None:
        if self._building:
            self.request_cancel()
            return
        self.dismiss(self.saved_path)


def open_export(app: App, *, sections: list[str] | None = None, out: Path | None = None) -> None:
    """Open the export screen for the app's current organisation (bound to a key and the palette)."""
    org = getattr(app, "org", None)
    if org is None:
        app.notify("Create or choose an organisation first.", severity="warning")
        return
    app.push_screen(ExportScreen(app.ws, org.id, org.values.get("name") or "", sections=sections,
                                 out=out))
