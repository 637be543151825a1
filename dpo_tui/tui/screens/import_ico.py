"""Import the ICO documentation spreadsheet from the TUI: pick the file, see the preview, commit.

The preview and the commit run in a thread worker with their own database connection (sqlite3
connections belong to one thread), so a 5,000-row file never freezes the screen. The modal
writes nothing itself: the service does, in one transaction, after the person presses Import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, DataTable, Input, Static

from dpo_tui.services import ico_xlsx

TABLE_LIMIT = 1000  # rows shown; beyond this only the rows to look at are listed

STATUS_STYLE = {
    ico_xlsx.READY: "green",
    ico_xlsx.WARNING: "yellow",
    ico_xlsx.INVALID: "bold red",
    ico_xlsx.DUPLICATE: "cyan",
    ico_xlsx.SKIPPED: "dim",
}


class ImportIcoScreen(ModalScreen["ico_xlsx.ImportSummary | None"]):
    """Path -> preview (every row with its status and reason) -> Import or Cancel."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    #import-dialog { height: 90%; }
    #import-path-bar { height: auto; }
    #import-path { width: 1fr; }
    #import-summary { height: auto; margin: 1 0; }
    #import-rows { height: 1fr; }
    """

    def __init__(self, org_id: str | None, org_name: str = ""):
        super().__init__()
        self.org_id = org_id
        self.org_name = org_name
        self.plan: ico_xlsx.ImportPlan | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="import-dialog", classes="dialog wide"):
            where = f" into {self.org_name}" if self.org_name else " into a new organisation"
            yield Static(Text(f"Import the ICO documentation spreadsheet{where}"),
                         classes="dialog-question")
            yield Static("The ICO's controller template (.xlsx) or your own copy of it. Nothing is "
                         "written until you press Import; then every row lands, or none.",
                         classes="field-help")
            with Horizontal(id="import-path-bar"):
                yield Input(placeholder="Path to the .xlsx file, e.g. ~/Documents/record.xlsx",
                            id="import-path")
                yield Button("Preview", id="preview")
            yield Checkbox("Update activities already recorded (same business function and "
                           "purpose) instead of skipping them", id="update")
            yield Static("", id="import-summary")
            yield DataTable(id="import-rows", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Import", variant="primary", id="commit", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        table = self.query_one("#import-rows", DataTable)
        table.add_column("Row", key="row", width=6)
        table.add_column("Status", key="status", width=10)
        table.add_column("Activity", key="activity", width=34)
        table.add_column("Reason", key="reason", width=60)
        self.query_one("#import-path", Input).focus()

    # ------------------------------------------------------------ state

    @property
    def on_duplicate(self) -> str:
        return ico_xlsx.UPDATE if self.query_one("#update", Checkbox).value else ico_xlsx.SKIP

    def say(self, text: str, style: str = "") -> None:
        self.query_one("#import-summary", Static).update(Text(text, style=style))

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.query_one("#preview", Button).disabled = busy
        self.query_one("#commit", Button).disabled = busy or not self._can_commit()

    def _can_commit(self) -> bool:
        if self.plan is None:
            return False
        actions = self.plan.actions(self.on_duplicate)
        return bool(actions[ico_xlsx.CREATE] or actions[ico_xlsx.UPDATE] or self.plan.org_is_new)

    # ------------------------------------------------------------ preview

    @on(Input.Submitted, "#import-path")
    @on(Button.Pressed, "#preview")
    def action_preview(self) -> None:
        if self.busy:
            return
        text = self.query_one("#import-path", Input).value.strip()
        if not text:
            self.say("Type the path of the .xlsx file first.", "bold red")
            return
        self.plan = None
        self.query_one("#import-rows", DataTable).clear()
        self.set_busy(True)
        self.say("Reading the spreadsheet…")
        self.run_preview(str(Path(text).expanduser()), self.on_duplicate)

    @work(thread=True, exclusive=True, group="import-ico")
    def run_preview(self, path: str, on_duplicate: str) -> None:
        ws = self.app.ws.reopen()
        try:
            plan = ico_xlsx.preview_import(ws, self.org_id, path, on_duplicate=on_duplicate)
        except ico_xlsx.SpreadsheetError as exc:
            self.app.call_from_thread(self.failed, str(exc))
            return
        except Exception as exc:  # shown to the person, never a traceback
            self.app.call_from_thread(self.failed, f"Could not read the file: {exc}")
            return
        finally:
            ws.close()
        self.app.call_from_thread(self.show_plan, plan)

    def failed(self, message: str) -> None:
        self.plan = None
        self.set_busy(False)
        self.say(message, "bold red")

    def show_plan(self, plan: ico_xlsx.ImportPlan) -> None:
        self.plan = plan
        self.fill_table()
        self.show_summary()
        self.set_busy(False)
        self.query_one("#import-rows", DataTable).focus()

    def show_summary(self) -> None:
        if self.plan is None:
            return
        lines = self.plan.summary_lines(self.on_duplicate)
        lines += [f"Warning: {w}" for w in self.plan.file_warnings]
        if len(self.plan.rows) > TABLE_LIMIT:
            lines.append(f"The table lists the rows to look at (first {TABLE_LIMIT:,}).")
        self.query_one("#import-summary", Static).update(Text("\n".join(lines)))

    def fill_table(self) -> None:
        table = self.query_one("#import-rows", DataTable)
        table.clear()
        if self.plan is None:
            return
        rows = self.plan.rows if len(self.plan.rows) <= TABLE_LIMIT else self.plan.problems()
        choice = self.on_duplicate
        for row in rows[:TABLE_LIMIT]:
            status = row.status
            if status == ico_xlsx.DUPLICATE and row.action(choice) == ico_xlsx.UPDATE:
                status = "update"
            table.add_row(Text(str(row.row_number)),
                          Text(status, style=STATUS_STYLE.get(row.status, "")),
                          Text(row.title), Text(row.reason(choice)),
                          key=str(row.row_number))

    @on(Checkbox.Changed, "#update")
    def _update_changed(self) -> None:
        if self.plan is not None:
            self.fill_table()
            self.show_summary()
            self.set_busy(self.busy)

    # ------------------------------------------------------------ commit

    @on(Button.Pressed, "#commit")
    def action_commit(self) -> None:
        if self.busy or not self._can_commit():
            return
        self.set_busy(True)
        self.say("Importing…")
        self.run_commit(self.plan, self.on_duplicate)

    @work(thread=True, exclusive=True, group="import-ico")
    def run_commit(self, plan: Any, on_duplicate: str) -> None:
        from dpo_tui.storage.db import StorageError

        ws = self.app.ws.reopen()
        try:
            summary = ico_xlsx.commit_import(ws, self.org_id, plan, on_duplicate)
        except (ico_xlsx.SpreadsheetError, StorageError, ValueError) as exc:
            self.app.call_from_thread(self.failed, f"Nothing was imported: {exc}")
            return
        finally:
            ws.close()
        self.app.call_from_thread(self.dismiss, summary)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)


def open_import(app: App) -> None:
    """Open the import modal for the current organisation (or a new one when there is none);
    when it commits, refresh what the app shows and say what happened."""
    org = getattr(app, "org", None)
    org_id = org.id if org is not None else None
    org_name = (org.values.get("name") or "") if org is not None else ""

    def done(summary: ico_xlsx.ImportSummary | None) -> None:
        if summary is None:
            return
        if summary.org_created and hasattr(app, "set_org"):
            app.set_org(summary.org_id)
        else:
            app.data_changed()
            refresh = getattr(app.screen, "refresh_view", None)
            if refresh:
                refresh()
        app.notify(" ".join(summary.lines()), title="Spreadsheet imported", timeout=10)

    if getattr(app.ws, "read_only", False):
        app.notify("This database is read-only: nothing can be imported.", severity="warning")
        return
    app.push_screen(ImportIcoScreen(org_id, org_name), done)
