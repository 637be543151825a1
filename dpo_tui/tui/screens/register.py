"""One screen for any register: filter-as-you-type table, detail pane, form, archive, history.

The schema drives the columns, the detail view and the form. The filter runs in SQLite on a
case-folded search column and the table shows a bounded window of matches, so typing stays
fast at 10,000 records (PERFORMANCE.md: refilling 10,000 rows per keystroke costs ~1.4 s).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static

from dpo_tui.domain import registers
from dpo_tui.domain.records import Finding, Record
from dpo_tui.domain.schema import (
    DATETIME,
    LINK,
    RegisterSchema,
    ValidationContext,
    display,
    is_empty,
)
from dpo_tui.services import records as record_service
from dpo_tui.tui.widgets.badges import findings_badge, severity_text
from dpo_tui.tui.widgets.footer import KeyBar

ROW_LIMIT = 200
FILTER_DELAY = 0.12  # seconds of quiet typing before the query runs


def load_suggestions(schema: RegisterSchema) -> dict[str, list[str]]:
    from dpo_tui.domain.vocab import load

    words: dict[str, list[str]] = {}
    for f in schema.fields:
        if f.vocabulary:
            try:
                words[f.name] = [item["label"] for item in load(f"vocabularies/{f.vocabulary}")]
            except (OSError, KeyError, TypeError, ValueError):
                words[f.name] = []
    return words


class RegisterScreen(Screen):
    """Table + detail of one register for the current organisation."""

    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("n", "new", "New"),
        Binding("e", "edit", "Edit"),
        Binding("y", "copy", "Copy"),
        Binding("h", "history", "History"),
        Binding("delete,x", "archive", "Archive"),
        Binding("u", "restore", "Restore", show=False),
        Binding("v", "toggle_archived", "Archived"),
        Binding("l", "link_from", "Link activities"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self, register: str, *, name: str | None = None, id: str | None = None):
        super().__init__(name=name, id=id)
        self.register_name = register
        self.schema = registers.schema(register)
        self.show_archived = False
        self.filter_timer: Timer | None = None
        self.sort_column: str | None = None
        self.loaded_version = -1

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="register"):
            with Horizontal(id="filter-bar"):
                yield Input(placeholder=f"Filter {self.schema.title.lower()}: type any words…",
                            id="filter")
                yield Static("", id="count")
            yield Static("", id="register-note")
            with Horizontal(id="register-main"):
                yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="detail"):
                    yield Static("", id="detail-body")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Ref", key="ref", width=12)
        for f in self.schema.table_fields:
            table.add_column(f.heading, key=f.name, width=f.width or 26)
        table.add_column("Findings", key="findings", width=12)
        self.refresh_view()
        table.focus()

    def on_screen_resume(self) -> None:
        if self.loaded_version != self.app.data_version:
            self.refresh_view()

    # ------------------------------------------------------------ data

    @property
    def ws(self):
        return self.app.ws

    @property
    def org(self) -> Record:
        return self.app.org

    def filter_text(self) -> str:
        return self.query_one("#filter", Input).value

    def refresh_view(self, select: str | None = None) -> None:
        self.loaded_version = self.app.data_version
        self.sub_title = self.schema.title + (" — archived" if self.show_archived else "")
        self.load_rows(select)

    def load_rows(self, select: str | None = None) -> None:
        if self.org is None:
            return
        text = self.filter_text()
        rows, total = record_service.search(self.ws, self.org.id, self.register_name,
                                            archived=self.show_archived, text=text, limit=ROW_LIMIT)
        table = self.query_one(DataTable)
        previous = select or self.current_id()
        table.clear()
        found = self.app.findings_by_record()
        for record in rows:
            cells = [Text(record.ref)]
            for f in self.schema.table_fields:
                cells.append(Text(self.cell_text(f.name, record), no_wrap=True, overflow="ellipsis"))
            cells.append(findings_badge(found.get(record.id or "", [])))
            table.add_row(*cells, key=record.id)
        if self.sort_column:
            table.sort(self.sort_column, key=lambda cell: str(cell).casefold())
        shown = len(rows)
        what = "archived " if self.show_archived else ""
        count = f"{shown} of {total} {what}shown" if shown < total else f"{total} {what}record{'s' if total != 1 else ''}"
        self.query_one("#count", Static).update(Text(count))
        self.query_one("#register-note", Static).update(self.note_text(total))
        if previous and previous in {r.id for r in rows}:
            table.move_cursor(row=table.get_row_index(previous))
        self.show_detail(self.current_id())

    def note_text(self, total: int) -> Text:
        if total == 0 and not self.filter_text():
            if self.show_archived:
                return Text("Nothing archived. Press v to go back.", style="dim")
            return Text(f"No {self.schema.title.lower()} yet. Press n to add one.", style="italic")
        if self.show_archived:
            return Text("Archived records: press u to restore the highlighted one, v to go back.",
                        style="yellow")
        return Text("")

    def cell_text(self, name: str, record: Record) -> str:
        value = record.values.get(name)
        if is_empty(value):
            return ""
        f = self.schema.field(name)
        if f.kind in (LINK, DATETIME):
            return record_service.describe_value(self.ws, self.schema, name, value, self.app.timezone)
        return display(f, value)

    def current_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - cursor outside the rows after a refill
            return None
        return key.value

    # ------------------------------------------------------------ detail

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail(event.row_key.value if event.row_key else None)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        if self.show_archived:
            self.action_restore()
        else:
            self.action_edit()

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.sort_column = event.column_key.value
        self.query_one(DataTable).sort(event.column_key, key=lambda cell: str(cell).casefold())

    def show_detail(self, record_id: str | None) -> None:
        body = self.query_one("#detail-body", Static)
        if not record_id:
            body.update(Text("Nothing selected.", style="dim"))
            return
        record = record_service.get(self.ws, record_id)
        body.update(self.detail_text(record))

    def detail_text(self, record: Record) -> Text:
        text = Text()
        title = record.values.get(self.schema.title_field) or ""
        text.append(f"{record.ref}  ", style="bold")
        text.append(str(title), style="bold")
        text.append("\n")
        if record.archived:
            text.append(f"Archived {record.archived_at[:10]}: {record.archive_reason}\n", style="yellow")
        for line in self.detail_extras(record):
            text.append_text(line)
            text.append("\n")
        found: list[Finding] = self.app.findings_by_record().get(record.id or "", [])
        if found:
            text.append("\nFindings\n", style="bold underline")
            for finding in found:
                text.append_text(severity_text(finding.severity))
                text.append(f" {finding.message}\n")
        for section, fields in self.schema.sections():
            text.append(f"\n{section}\n" if section else "\n", style="bold underline")
            for f in fields:
                value = record.values.get(f.name)
                shown = record_service.describe_value(self.ws, self.schema, f.name, value,
                                                     self.app.timezone)
                text.append(f"{f.label}: ", style="dim")
                if shown:
                    text.append(shown)
                else:
                    text.append("—", style="red" if f.required else "dim")
                text.append("\n")
        linked = record_service.linked_from(self.ws, record.id or "")
        if linked:
            text.append("\nLinked from\n", style="bold underline")
            for _field, source in linked:
                src_schema = registers.schema(source.register)
                text.append(f"{source.ref} {source.values.get(src_schema.title_field) or ''}\n")
        return text

    def detail_extras(self, record: Record) -> list[Text]:
        """Register-specific lines at the top of the detail (countdowns, due dates)."""
        from dpo_tui.tui.screens.extras import detail_lines

        return detail_lines(record, self.org, self.ws.clock.today())

    # ------------------------------------------------------------ filter

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        if self.filter_timer is not None:
            self.filter_timer.stop()
        self.filter_timer = self.set_timer(FILTER_DELAY, self.load_rows)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.load_rows()
        self.query_one(DataTable).focus()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.value:
            box.value = ""
            self.load_rows()
        self.query_one(DataTable).focus()

    # ------------------------------------------------------------ editing

    def validation_context(self) -> ValidationContext:
        return ValidationContext(timezone=self.app.timezone, today=self.ws.clock.today())

    def link_options(self, current: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
        options = {}
        for f in self.schema.link_fields:
            target = registers.schema(f.target or "")
            live = record_service.list_records(self.ws, self.org.id, target.name)
            items = [(r.id, f"{r.ref} {r.values.get(target.title_field) or ''}") for r in live]
            known = {r.id for r in live}
            missing = [i for i in current.get(f.name) or [] if i not in known]
            if missing:  # keep links to archived records visible rather than dropping them
                items += list(record_service.ref_names(self.ws, missing).items())
            options[f.name] = items
        return options

    def open_form(self, values: dict[str, Any], *, record_id: str | None, title: str,
                  errors: dict[str, str] | None = None) -> None:
        form = self.make_form(values, record_id=record_id, title=title, errors=errors)

        def done(result: dict[str, Any] | None) -> None:
            if result is not None:
                self.save(result, record_id=record_id, title=title)

        self.app.push_screen(form, done)

    def make_form(self, values: dict[str, Any], *, record_id: str | None, title: str,
                  errors: dict[str, str] | None):
        from dpo_tui.tui.screens.form import FormScreen

        return FormScreen(self.schema, values, title=title, context=self.validation_context(),
                          link_options=self.link_options(values),
                          suggestions=load_suggestions(self.schema), errors=errors)

    def save(self, values: dict[str, Any], *, record_id: str | None, title: str) -> None:
        from dpo_tui.storage.db import StorageError

        try:
            saved = record_service.save(self.ws, self.org.id, self.register_name, values,
                                        record_id=record_id)
        except record_service.ValidationFailed as exc:
            self.open_form(values, record_id=record_id, title=title, errors=exc.errors)
            return
        except StorageError as exc:
            self.app.notify(str(exc), title="Not saved", severity="error", timeout=10)
            self.open_form(values, record_id=record_id, title=title)
            return
        message = f"Saved {saved.record.ref}"
        for warning in saved.warnings.values():
            self.app.notify(warning, severity="warning")
        self.app.notify(message)
        self.app.data_changed()
        self.refresh_view(select=saved.record.id)

    def action_new(self) -> None:
        if self.show_archived:
            self.action_toggle_archived()
        self.open_form(self.schema.defaults(), record_id=None, title=f"New {self.schema.singular}")

    def action_edit(self) -> None:
        record_id = self.current_id()
        if not record_id:
            self.app.notify(f"No {self.schema.singular} selected.", severity="warning")
            return
        if self.show_archived:
            self.app.notify("Archived records cannot be edited: press u to restore first.",
                            severity="warning")
            return
        record = record_service.get(self.ws, record_id)
        self.open_form(record.values, record_id=record_id, title=f"Edit {record.ref}")

    def action_copy(self) -> None:
        record_id = self.current_id()
        if not record_id:
            return
        values = record_service.copy_values(self.ws, record_id)
        self.open_form(values, record_id=None, title=f"New {self.schema.singular} (copy)")

    def action_history(self) -> None:
        from dpo_tui.tui.screens.dialogs import HistoryScreen

        record_id = self.current_id()
        if not record_id:
            return
        record = record_service.get(self.ws, record_id)
        lines = record_service.history_lines(self.ws, record_id)
        self.app.push_screen(HistoryScreen(record.ref, lines, self.app.timezone))

    def action_archive(self) -> None:
        from dpo_tui.storage.db import StorageError
        from dpo_tui.tui.screens.dialogs import ReasonDialog

        record_id = self.current_id()
        if not record_id or self.show_archived:
            return
        record = record_service.get(self.ws, record_id)
        refusal = getattr(registers.module(self.register_name), "archive_refusal", None)
        if refusal and (message := refusal(record)):
            self.app.notify(message, severity="warning")
            return

        def answered(reason: str | None) -> None:
            if not reason:
                return
            try:
                record_service.archive(self.ws, record_id, reason)
            except (StorageError, record_service.ValidationFailed) as exc:
                self.app.notify(str(exc), title="Not archived", severity="error")
                return
            self.app.notify(f"Archived {record.ref}. Press v to see archived records.")
            self.app.data_changed()
            self.refresh_view()

        self.app.push_screen(ReasonDialog(f"Archive {record.ref}? Why?"), answered)

    def action_restore(self) -> None:
        from dpo_tui.storage.db import StorageError

        record_id = self.current_id()
        if not record_id or not self.show_archived:
            return
        try:
            record = record_service.restore(self.ws, record_id)
        except StorageError as exc:
            self.app.notify(str(exc), severity="error")
            return
        self.app.notify(f"Restored {record.ref}")
        self.app.data_changed()
        self.refresh_view()

    def reverse_link(self) -> tuple[RegisterSchema, str] | None:
        """The activity field that links *to* this register (processors, retention rules)."""
        if self.register_name == "activity" or "activity" not in registers.available():
            return None
        source = registers.schema("activity")
        for f in source.link_fields:
            if f.target == self.register_name:
                return source, f.name
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "link_from":
            return self.reverse_link() is not None
        return True

    def action_link_from(self) -> None:
        """Choose, from this record's side, which records link to it (seen from both sides)."""
        from dpo_tui.storage.db import StorageError
        from dpo_tui.tui.screens.dialogs import PickRecordsDialog

        pair = self.reverse_link()
        record_id = self.current_id()
        if pair is None or not record_id or self.show_archived:
            return
        source, field_name = pair
        record = record_service.get(self.ws, record_id)
        live = record_service.list_records(self.ws, self.org.id, source.name)
        options = [(r.id, f"{r.ref} {r.values.get(source.title_field) or ''}") for r in live]
        chosen = {r.id for f, r in record_service.linked_from(self.ws, record_id)
                  if f == field_name and r.register == source.name}

        def picked(ids: list[str] | None) -> None:
            if ids is None:
                return
            try:
                record_service.set_links_from(self.ws, record_id, source.name, field_name, ids)
            except StorageError as exc:
                self.app.notify(str(exc), title="Not saved", severity="error")
                return
            self.app.notify(f"Links saved for {record.ref}")
            self.app.data_changed()
            self.refresh_view(select=record_id)

        self.app.push_screen(
            PickRecordsDialog(f"{source.title} linked to {record.ref}", options, chosen), picked)

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived
        self.refresh_view()
