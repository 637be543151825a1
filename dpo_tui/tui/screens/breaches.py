"""The breach log: quick entry from anywhere, the countdown, the guided assessment, the timeline.

Modals return drafts; the caller saves them through services.breaches (a modal never writes).
Everything a person typed is shown as rich.text.Text, never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    DataTable,
    Header,
    Input,
    Label,
    Select,
    Static,
    TextArea,
)

from dpo_tui.clock import typed_local
from dpo_tui.domain import breach_assessment as assessment_rules
from dpo_tui.domain import breaches
from dpo_tui.domain import schema as s
from dpo_tui.domain.records import Finding, Record
from dpo_tui.services import breaches as breach_service
from dpo_tui.services import records as record_service
from dpo_tui.tui.screens.register import ROW_LIMIT, RegisterScreen
from dpo_tui.tui.widgets.badges import findings_badge, severity_text
from dpo_tui.tui.widgets.countdown import Countdown, CountdownBoard, clock_cell
from dpo_tui.tui.widgets.footer import KeyBar

if TYPE_CHECKING:
    from textual.app import App

    from dpo_tui.storage.repository import TimelineEntry

KIND_STYLES = {"action": "cyan", "decision": "magenta", "message": "green", "note": "",
               "correction": "bold yellow", "assessment": "bold blue"}


def _input_text(widget: Input | TextArea) -> str:
    return widget.text if isinstance(widget, TextArea) else widget.value


def _show_error(screen: ModalScreen, name: str, message: str) -> None:
    error = screen.query_one(f"#error-{name}", Static)
    error.update(Text(message))
    error.display = bool(message)


# ---------------------------------------------------------------- quick entry


class QuickBreachScreen(ModalScreen[dict[str, str] | None]):
    """Three fields and ctrl+s: logging a breach during an incident takes seconds.

    Dismisses with the typed values {what, aware_at, found_by, how_found} (aware_at as typed,
    in the organisation's zone) once they pass the domain's checks; the caller saves them.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save and start the clock"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, timezone: str, now: datetime, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None):
        super().__init__()
        self.timezone = timezone
        self.now = now
        self.initial = values or {}
        self.initial_errors = errors or {}

    def compose(self) -> ComposeResult:
        with Vertical(id="quick-breach", classes="dialog wide"):
            yield Static(Text("Log a breach", style="bold"), classes="dialog-question")
            yield Static(Text(f"The {breaches.notification_hours()}-hour clock starts when you became "
                              "aware. Fill in the rest later."), classes="field-help")
            yield Label("What happened *", classes="field-label")
            yield Input(self.initial.get("what", ""), id="quick-what", classes="field",
                        placeholder="e.g. class list emailed to the wrong parent")
            yield Static("", id="error-what_happened", classes="field-error")
            yield Label("When did you become aware? *", classes="field-label")
            yield Input(self.initial.get("aware_at") or typed_local(self.now, self.timezone),
                        id="quick-aware", classes="field")
            yield Static(Text(f"YYYY-MM-DD HH:MM, in {self.timezone}; defaults to now"),
                         classes="field-help")
            yield Static("", id="error-aware_at", classes="field-error")
            yield Label("Who found it", classes="field-label")
            yield Input(self.initial.get("found_by", ""), id="quick-found-by", classes="field")
            yield Static("", id="error-found_by", classes="field-error")
            yield Label("How was it found", classes="field-label")
            yield Input(self.initial.get("how_found", ""), id="quick-how", classes="field")
            yield Static("", id="error-how_found", classes="field-error")
            yield Static("ctrl+s: save and start the clock   enter: next field   esc: cancel",
                         classes="field-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="error", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        for name in ("what_happened", "aware_at", "found_by", "how_found"):
            _show_error(self, name, self.initial_errors.get(name, ""))
        first_error = next(iter(self.initial_errors), None)
        target = {"aware_at": "#quick-aware", "found_by": "#quick-found-by",
                  "how_found": "#quick-how"}.get(first_error or "", "#quick-what")
        self.query_one(target, Input).focus()

    def typed(self) -> dict[str, str]:
        return {"what": self.query_one("#quick-what", Input).value,
                "aware_at": self.query_one("#quick-aware", Input).value,
                "found_by": self.query_one("#quick-found-by", Input).value,
                "how_found": self.query_one("#quick-how", Input).value}

    def check(self, typed: dict[str, str]) -> dict[str, str]:
        raw = {"what_happened": typed["what"], "aware_at": typed["aware_at"],
               "found_by": typed["found_by"], "how_found": typed["how_found"]}
        result = s.validate(breaches.SCHEMA, raw, s.ValidationContext(self.timezone, self.now.date()))
        errors = {k: v for k, v in result.errors.items() if k in raw}
        aware = result.values.get("aware_at")
        if "aware_at" not in errors and aware and breaches.hours_between(self.now, aware) > 0:
            errors["aware_at"] = "Aware at is in the future; the clock starts when you became aware"
        return errors

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        typed = self.typed()
        errors = self.check(typed)
        for name in ("what_happened", "aware_at", "found_by", "how_found"):
            _show_error(self, name, errors.get(name, ""))
        if errors:
            target = {"aware_at": "#quick-aware", "found_by": "#quick-found-by",
                      "how_found": "#quick-how"}.get(next(iter(errors)), "#quick-what")
            self.query_one(target, Input).focus()
            return
        self.dismiss(typed)

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if not self.query_one("#quick-what", Input).value.strip():
            self.dismiss(None)
            return
        from dpo_tui.tui.screens.dialogs import ConfirmDialog

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("Discard this breach without logging it?",
                                           yes="Discard", no="Keep it"), answered)


def open_quick_breach(app: App, values: dict[str, str] | None = None,
                      errors: dict[str, str] | None = None) -> None:
    """What ctrl+n does anywhere: ask for three fields, save, then show the running clock."""
    from dpo_tui.storage.db import StorageError

    if app.org is None:
        return
    org_id, timezone = app.org.id, app.timezone

    def saved(typed: dict[str, str] | None) -> None:
        if typed is None:
            return
        try:
            record = breach_service.quick_add(app.ws, org_id, typed["what"],
                                              aware_at=typed["aware_at"],
                                              found_by=typed["found_by"],
                                              how_found=typed["how_found"])
        except record_service.ValidationFailed as exc:
            open_quick_breach(app, typed, exc.errors)
            return
        except StorageError as exc:
            app.notify(str(exc), title="Breach not saved", severity="error", timeout=15)
            open_quick_breach(app, typed)
            return
        state = breaches.clock_state(record.values, app.ws.clock.now())
        app.notify(f"{record.ref} logged. {state.describe(timezone)}. Next: assess it (g).",
                   title="Clock started", severity="warning" if state.warning else "information",
                   timeout=15)
        app.data_changed()
        app.open_record("breach", record.id)

    app.push_screen(QuickBreachScreen(timezone, app.ws.clock.now(), values, errors), saved)


# ---------------------------------------------------------------- assessment


class AssessmentScreen(ModalScreen[dict[str, dict[str, str]] | None]):
    """The ICO's self-assessment questions, each with its reason; shows the outcome as you go.

    Dismisses with the answers {question id: {answer, reason}} for the questions reached.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save assessment"),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = """
    AssessmentScreen .question { height: auto; margin-bottom: 1; }
    AssessmentScreen #assessment-body { height: auto; max-height: 34; }
    AssessmentScreen #assessment-outcome { height: auto; margin-top: 1; padding: 0 1;
                                           border: round $accent; }
    """

    def __init__(self, ref: str, answers: dict[str, Any] | None = None,
                 errors: dict[str, str] | None = None):
        super().__init__()
        self.ref = ref
        self.initial = answers or {}
        self.initial_errors = errors or {}
        self.questions = assessment_rules.questions()

    def compose(self) -> ComposeResult:
        with Vertical(id="assessment", classes="dialog wide"):
            yield Static(Text(f"Assess {self.ref}: does it need reporting?", style="bold"),
                         classes="dialog-question")
            with VerticalScroll(id="assessment-body"):
                for question in self.questions:
                    previous = self.initial.get(question.id) or {}
                    with Vertical(id=f"q-{question.id}", classes="question"):
                        yield Label(Text(question.text), classes="field-label")
                        yield Static(Text(question.help), classes="field-help")
                        options = [(Text(label), value) for value, label in question.options]
                        chosen = previous.get("answer")
                        yield Select(options, id=f"answer-{question.id}", classes="field",
                                     prompt="(choose)",
                                     value=chosen if chosen in dict(question.options) else Select.NULL)
                        yield Label(Text(question.reason_prompt), classes="field-help")
                        yield TextArea(previous.get("reason", ""), id=f"reason-{question.id}",
                                       classes="field longtext", tab_behavior="focus")
                        yield Static("", id=f"error-{question.id}", classes="field-error")
            yield Static("", id="assessment-outcome")
            yield Static("ctrl+s: save the assessment (it is kept in the timeline)   esc: cancel",
                         classes="field-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        for question in self.questions:
            _show_error(self, question.id, self.initial_errors.get(question.id, ""))
        self.update_view()
        self.query_one(f"#answer-{self.questions[0].id}", Select).focus()

    def answers(self) -> dict[str, dict[str, str]]:
        """The answers to the questions reached so far."""
        raw: dict[str, dict[str, str]] = {}
        for question in self.questions:
            value = self.query_one(f"#answer-{question.id}", Select).value
            raw[question.id] = {
                "answer": value if isinstance(value, str) else "",
                "reason": self.query_one(f"#reason-{question.id}", TextArea).text,
            }
        reached = {q.id for q in assessment_rules.asked(raw)}
        return {qid: entry for qid, entry in raw.items() if qid in reached}

    @on(Select.Changed)
    def update_view(self) -> None:
        answers = self.answers()
        for question in self.questions:
            self.query_one(f"#q-{question.id}").display = question.id in answers
        outcome = self.query_one("#assessment-outcome", Static)
        decided = [q for q in self.questions if q.id in answers and answers[q.id]["answer"]]
        if len(decided) < len(answers):
            outcome.update(Text("Outcome: answer the questions above.", style="dim"))
            return
        filled = {qid: {**entry, "reason": entry["reason"] or "-"} for qid, entry in answers.items()}
        result = assessment_rules.assess(filled)
        text = Text("Outcome: ", style="bold")
        text.append(result.outcome_label, style="bold reverse" if result.outcome != breaches.LOG_ONLY
                    else "bold")
        text.append(f"\n{result.next_steps}")
        outcome.update(text)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        answers = self.answers()
        errors = assessment_rules.check(answers)
        for question in self.questions:
            _show_error(self, question.id, errors.get(question.id, ""))
        if errors:
            first = next(iter(errors))
            answer = self.query_one(f"#answer-{first}", Select)
            (answer if answer.value is Select.NULL
             else self.query_one(f"#reason-{first}", TextArea)).focus()
            return
        self.dismiss(answers)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


# ---------------------------------------------------------------- timeline entries


class TimelineEntryScreen(ModalScreen[dict[str, str] | None]):
    """One new timeline entry: what was done, decided or sent, and when. Never an edit."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Add entry"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, ref: str, timezone: str, now: datetime, values: dict[str, str] | None = None,
                 errors: dict[str, str] | None = None):
        super().__init__()
        self.ref, self.timezone, self.now = ref, timezone, now
        self.initial = values or {}
        self.initial_errors = errors or {}

    def compose(self) -> ComposeResult:
        kinds = [(Text(kind.capitalize()), kind) for kind in breach_service.ENTRY_KINDS]
        with Vertical(id="timeline-entry", classes="dialog wide"):
            yield Static(Text(f"Add to the timeline of {self.ref}", style="bold"),
                         classes="dialog-question")
            yield Static("Entries are kept as written. To put one right, add a correction.",
                         classes="field-help")
            yield Label("Kind", classes="field-label")
            yield Select(kinds, id="entry-kind", classes="field", allow_blank=False,
                         value=self.initial.get("kind", "action"))
            yield Static("", id="error-kind", classes="field-error")
            yield Label("What was done, decided or sent *", classes="field-label")
            yield TextArea(self.initial.get("text", ""), id="entry-text", classes="field longtext",
                           tab_behavior="focus")
            yield Static("", id="error-text", classes="field-error")
            yield Label("When", classes="field-label")
            yield Input(self.initial.get("at") or typed_local(self.now, self.timezone),
                        id="entry-at", classes="field")
            yield Static(Text(f"YYYY-MM-DD HH:MM, in {self.timezone}"), classes="field-help")
            yield Static("", id="error-at", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        for name in ("kind", "text", "at"):
            _show_error(self, name, self.initial_errors.get(name, ""))
        self.query_one("#entry-text", TextArea).focus()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        text = self.query_one("#entry-text", TextArea).text
        if not text.strip():
            _show_error(self, "text", "Say what was done, decided or sent")
            self.query_one("#entry-text", TextArea).focus()
            return
        kind = self.query_one("#entry-kind", Select).value
        self.dismiss({"kind": kind if isinstance(kind, str) else "note", "text": text,
                      "at": self.query_one("#entry-at", Input).value})

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def timeline_text(entries: list[TimelineEntry], timezone: str) -> Text:
    """The timeline, oldest first, as plain text (entries are user text: never markup)."""
    text = Text()
    if not entries:
        text.append("No entries yet.", style="dim")
        return text
    by_uid = {e.uid: e for e in entries}
    for entry in entries:
        text.append(breaches.format_in_zone(entry.at, timezone), style="bold")
        text.append("  ")
        text.append(entry.kind, style=KIND_STYLES.get(entry.kind, ""))
        text.append(f"  {entry.actor}", style="dim")
        if entry.logged_at[:16] != entry.at[:16]:
            text.append(f"  (written {breaches.format_in_zone(entry.logged_at, timezone)})", style="dim")
        corrected = by_uid.get(entry.data.get("corrects", "")) if entry.data else None
        if corrected is not None:
            text.append(f"\n  corrects the {corrected.kind} of "
                        f"{breaches.format_in_zone(corrected.at, timezone)}", style="yellow")
        text.append("\n")
        for line in entry.text.splitlines() or [""]:
            text.append(f"  {line}\n")
    text.rstrip()
    return text


# ---------------------------------------------------------------- the breach log


class BreachesScreen(RegisterScreen):
    """The breach log: table with each clock, detail with the countdown and the timeline."""

    BINDINGS = [
        Binding("n", "new", "Log breach"),
        Binding("g", "assess", "Assess"),
        Binding("w", "add_entry", "Timeline entry"),
        Binding("i", "ico_notified", "ICO told"),
        Binding("f", "close_breach", "Close breach"),
    ]
    DEFAULT_CSS = """
    BreachesScreen #timeline-title { margin-top: 1; text-style: bold underline; }
    BreachesScreen #timeline { height: auto; }
    """
    HIDDEN_ACTIONS = {"copy", "toggle_archived", "restore", "link_from"}

    def __init__(self, *, name: str | None = None, id: str | None = None):
        super().__init__("breach", name=name, id=id)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="register"):
            with Horizontal(id="filter-bar"):
                yield Input(placeholder="Filter breaches: type any words…", id="filter")
                yield Static("", id="count")
            yield CountdownBoard(self.clock_now, id="countdowns")
            yield Static("", id="register-note")
            with Horizontal(id="register-main"):
                yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="detail"):
                    yield Countdown(self.clock_now, id="breach-clock")
                    yield Static("", id="detail-body")
                    yield Static("Timeline", id="timeline-title")
                    yield Static("", id="timeline")
        yield KeyBar()

    def clock_now(self) -> datetime:
        return self.ws.clock.now()

    COLUMNS = (("ref", "Ref", 12), ("aware_at", "Aware at", 20), ("status", "Status", 7),
               ("outcome", "Outcome", 18), ("clock", "Deadline / notified", 22),
               ("what_happened", "What happened", 30), ("findings", "Findings", 9))

    def ensure_columns(self, table: DataTable) -> None:
        """The breach table's own columns, in place of the generic ones the base screen adds
        when it mounts (Textual runs every class's on_mount)."""
        if [c.value for c in table.columns] == [key for key, _, _ in self.COLUMNS]:
            return
        table.clear(columns=True)
        for key, label, width in self.COLUMNS:
            table.add_column(label, key=key, width=width)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Breaches are never copied, archived or restored; activities are linked from the breach.
        if action in self.HIDDEN_ACTIONS:
            return False
        return super().check_action(action, parameters)

    # ------------------------------------------------------------ rows and detail

    def load_rows(self, select: str | None = None) -> None:
        if self.org is None:
            return
        tz, now = self.app.timezone, self.clock_now()
        text = self.filter_text()
        rows = record_service.list_records(self.ws, self.org.id, "breach", text=text, limit=ROW_LIMIT)
        total = record_service.count(self.ws, self.org.id, "breach", text=text)
        table = self.query_one(DataTable)
        previous = select or self.current_id()
        self.ensure_columns(table)
        table.clear()
        found = self.app.findings_by_record()
        for record in rows:
            values = record.values
            what = " ".join(str(values.get("what_happened") or "").split())
            table.add_row(
                Text(record.ref),
                Text(breaches.format_in_zone(values.get("aware_at"), tz)),
                Text(breaches.status(values)),
                Text(breaches.outcome_label(values.get("outcome")), no_wrap=True, overflow="ellipsis"),
                clock_cell(breaches.clock_state(values, now)),
                Text(what, no_wrap=True, overflow="ellipsis"),
                findings_badge(found.get(record.id or "", [])),
                key=record.id,
            )
        if self.sort_column:
            table.sort(self.sort_column, key=lambda cell: str(cell).casefold())
        shown = len(rows)
        self.query_one("#count", Static).update(Text(
            f"{shown} of {total} shown" if shown < total else f"{total} breach{'es' if total != 1 else ''}"))
        self.query_one("#register-note", Static).update(self.note_text(total))
        all_breaches = rows if not text and shown == total else record_service.list_records(
            self.ws, self.org.id, "breach")
        self.query_one(CountdownBoard).show(all_breaches, tz)
        if previous and previous in {r.id for r in rows}:
            table.move_cursor(row=table.get_row_index(previous))
        self.show_detail(self.current_id())

    def note_text(self, total: int) -> Text:
        if total == 0 and not self.filter_text():
            return Text("No breaches logged. Press n (or ctrl+n anywhere) to log one: three fields "
                        "and the clock starts.", style="italic")
        return Text("")

    def show_detail(self, record_id: str | None) -> None:
        clock = self.query_one(Countdown)
        timeline = self.query_one("#timeline", Static)
        if not record_id:
            clock.show(None)
            timeline.update("")
            self.query_one("#detail-body", Static).update(Text("Nothing selected.", style="dim"))
            return
        record = record_service.get(self.ws, record_id)
        clock.show(record.values, self.app.timezone)
        self.query_one("#detail-body", Static).update(self.detail_text(record))
        timeline.update(timeline_text(breach_service.timeline(self.ws, record_id), self.app.timezone))

    def detail_text(self, record: Record) -> Text:
        tz = self.app.timezone
        values = record.values
        text = Text()
        text.append(f"{record.ref}  ", style="bold")
        text.append(f"{breaches.status(values)} · {breaches.outcome_label(values.get('outcome'))}",
                    style="bold")
        text.append("\n")
        found: list[Finding] = self.app.findings_by_record().get(record.id or "", [])
        if found:
            text.append("\nFindings\n", style="bold underline")
            for finding in found:
                text.append_text(severity_text(finding.severity))
                text.append(f" {finding.message}\n")
        for section, fields in self.schema.sections():
            text.append(f"\n{section}\n", style="bold underline")
            for f in fields:
                value = values.get(f.name)
                if f.kind == s.DATETIME:
                    shown = breaches.format_in_zone(value, tz)
                else:
                    shown = record_service.describe_value(self.ws, self.schema, f.name, value)
                text.append(f"{f.label}: ", style="dim")
                text.append(shown or "—", style="" if shown else ("red" if f.required else "dim"))
                text.append("\n")
        return text

    # ------------------------------------------------------------ actions

    def action_new(self) -> None:
        open_quick_breach(self.app)

    def selected_breach(self) -> Record | None:
        record_id = self.current_id()
        if not record_id:
            self.app.notify("No breach selected.", severity="warning")
            return None
        return record_service.get(self.ws, record_id)

    def after_change(self, record_id: str, message: str, *, warning: bool = False) -> None:
        self.app.notify(message, severity="warning" if warning else "information", timeout=10)
        self.app.data_changed()
        self.refresh_view(select=record_id)

    def action_assess(self, answers: dict[str, Any] | None = None,
                      errors: dict[str, str] | None = None) -> None:
        record = self.selected_breach()
        if record is None:
            return
        if answers is None:
            done = breach_service.assessments(self.ws, record.id or "")
            answers = done[-1].data.get("answers", {}) if done else {}
        record_id = record.id or ""

        def answered(result: dict[str, Any] | None) -> None:
            if result is None:
                return
            try:
                assessment, saved = breach_service.record_assessment(self.ws, record_id, result)
            except assessment_rules.AssessmentIncomplete as exc:
                self.action_assess(result, exc.errors)
                return
            except record_service.ValidationFailed as exc:
                self.app.notify(str(exc), title="Assessment not saved", severity="error", timeout=15)
                return
            for warning in saved.warnings.values():
                self.app.notify(warning, severity="warning", timeout=10)
            self.after_change(record_id, f"{record.ref}: {assessment.outcome_label}. "
                              f"{assessment.next_steps}",
                              warning=assessment.outcome != breaches.LOG_ONLY)

        self.app.push_screen(AssessmentScreen(record.ref, answers, errors), answered)

    def action_add_entry(self, values: dict[str, str] | None = None,
                         errors: dict[str, str] | None = None) -> None:
        record = self.selected_breach()
        if record is None:
            return
        record_id = record.id or ""

        def added(result: dict[str, str] | None) -> None:
            if result is None:
                return
            try:
                breach_service.add_timeline_entry(self.ws, record_id, result["text"],
                                                  kind=result["kind"], at=result["at"])
            except record_service.ValidationFailed as exc:
                self.action_add_entry(result, exc.errors)
                return
            self.after_change(record_id, f"Added to the timeline of {record.ref}")

        self.app.push_screen(TimelineEntryScreen(record.ref, self.app.timezone, self.clock_now(),
                                                 values, errors), added)

    def _field_form(self, record: Record, fields: tuple[str, ...], title: str,
                    defaults: dict[str, Any], save: Callable[[dict[str, Any]], Any],
                    errors: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> None:
        """A form with a few of the breach's fields, saved through a breach service."""
        from dpo_tui.storage.db import StorageError
        from dpo_tui.tui.screens.form import FormScreen

        draft = values or {**record.values, **{k: v for k, v in defaults.items()
                                               if not record.values.get(k)}}
        form = FormScreen(self.schema, draft, title=title, context=self.validation_context(),
                          fields=fields, errors=errors)

        def done(result: dict[str, Any] | None) -> None:
            if result is None:
                return
            try:
                saved = save(result)
            except record_service.ValidationFailed as exc:
                if set(exc.errors) <= set(fields):
                    self._field_form(record, fields, title, defaults, save, exc.errors,
                                     {**draft, **result})
                else:
                    self.app.notify(str(exc), title="Not saved", severity="error", timeout=15)
                return
            except StorageError as exc:
                self.app.notify(str(exc), title="Not saved", severity="error", timeout=15)
                return
            for warning in saved.warnings.values():
                self.app.notify(warning, severity="warning", timeout=10)
            self.after_change(record.id or "", f"Saved {record.ref}")

        self.app.push_screen(form, done)

    def action_ico_notified(self) -> None:
        record = self.selected_breach()
        if record is None:
            return
        record_id = record.id or ""
        self._field_form(
            record, ("ico_notified_at", "ico_reference", "ico_report_type", "delay_reasons"),
            f"{record.ref}: reported to the {breaches.regulator()}",
            {"ico_notified_at": self.ws.now_iso(), "ico_report_type": "initial"},
            lambda v: breach_service.mark_ico_notified(
                self.ws, record_id, v.get("ico_notified_at"), reference=v.get("ico_reference") or "",
                report_type=v.get("ico_report_type") or "initial",
                delay_reasons=v.get("delay_reasons") or ""))

    def action_close_breach(self) -> None:
        record = self.selected_breach()
        if record is None:
            return
        record_id = record.id or ""
        self._field_form(
            record, ("closed_at", "lessons_learned"), f"Close {record.ref}",
            {"closed_at": self.ws.now_iso()},
            lambda v: breach_service.close(self.ws, record_id,
                                           lessons_learned=v.get("lessons_learned") or "",
                                           at=v.get("closed_at")))
