"""First run (welcome) and switching between organisations."""

from __future__ import annotations

import importlib.util

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Header, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from dpo_tui.services import organisations
from dpo_tui.tui.widgets.footer import KeyBar

WELCOME = """\
Welcome to dpo-tui.

It keeps the records UK GDPR asks of your business: what personal data you process and why \
(Art 30), who processes it for you, how long you keep it, and every breach — and prints them \
as a report for your quarterly review or your accountant.

Everything stays in one file on this computer, readable only by you.
"""


def templates_available() -> bool:
    return importlib.util.find_spec("dpo_tui.services.templates") is not None


def demo_available() -> bool:
    return importlib.util.find_spec("dpo_tui.services.demo") is not None


class WelcomeScreen(Screen[str | None]):
    """Asked once, on an empty database: name the organisation and choose how to start."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="welcome", classes="dialog wide"):
            yield Static(WELCOME)
            yield Static("Your organisation's name", classes="field-label")
            yield Input(placeholder="e.g. Riverside Dance Studio Ltd", id="org-name")
            yield Static("", id="welcome-error", classes="field-error")
            if templates_available():
                from dpo_tui.services import templates

                options = [(Text(f"{t.label} ({t.activity_count} activities)"), t.name)
                       for t in templates.list_templates()]
                yield Static("Start from a template of typical activities (optional)",
                             classes="field-label")
                yield Select(options, id="template", prompt="(no template: start empty)")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start", variant="primary", id="start")
                if demo_available():
                    yield Button("Open the demo instead", id="demo")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#org-name", Input).focus()

    @on(Input.Submitted, "#org-name")
    @on(Button.Pressed, "#start")
    def start(self) -> None:
        from dpo_tui.services.records import ValidationFailed
        from dpo_tui.storage.db import StorageError

        name = self.query_one("#org-name", Input).value
        try:
            saved = organisations.create(self.app.ws, {"name": name, "dpo_not_appointed_reason": ""})
        except ValidationFailed as exc:
            message = exc.errors.get("name") or next(iter(exc.errors.values()))
            self.query_one("#welcome-error", Static).update(Text(message))
            return
        except StorageError as exc:
            self.query_one("#welcome-error", Static).update(Text(str(exc)))
            return
        org_id = saved.record.id
        template = self.query("#template")
        if template and template.first().value is not Select.NULL:
            from dpo_tui.services import templates

            summary = templates.add_from_template(self.app.ws, org_id, template.first().value)
            self.app.notify(str(summary))
        self.dismiss(org_id)

    @on(Button.Pressed, "#demo")
    def open_demo(self) -> None:
        from dpo_tui.services import demo

        org = demo.load_demo(self.app.ws)
        self.dismiss(org.id)


class NameDialog(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("New organisation: its name")
            yield Input(id="name")
            yield Static("", id="name-error", classes="field-error")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#name-error", Static).update("A name is required.")
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


NEW = "__new__"


class OrgSwitcher(ModalScreen[str | None]):
    """Choose which organisation to work on (an outside DPO serves several)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        current = self.app.org
        with Vertical(classes="dialog"):
            yield Static("Switch organisation", classes="dialog-question")
            options = []
            for org in organisations.all(self.app.ws):
                label = Text(org.values.get("name") or "(unnamed)")
                if current and org.id == current.id:
                    label.append("  (current)", style="dim")
                options.append(Option(label, id=org.id))
            options.append(Option(Text("+ New organisation…", style="bold"), id=NEW))
            yield OptionList(*options, id="orgs")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id != NEW:
            self.dismiss(event.option.id)
            return

        def named(name: str | None) -> None:
            if not name:
                return
            from dpo_tui.services.records import ValidationFailed

            try:
                saved = organisations.create(self.app.ws, {"name": name})
            except ValidationFailed as exc:
                self.app.notify(str(exc), severity="error")
                return
            self.dismiss(saved.record.id)

        self.app.push_screen(NameDialog(), named)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ArchivedOrgsDialog(ModalScreen[str | None]):
    """Pick an archived organisation to restore."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, archived):
        super().__init__()
        self.archived = archived

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Restore which organisation?", classes="dialog-question")
            options = []
            for org in self.archived:
                label = Text(org.values.get("name") or "(unnamed)")
                label.append(f"  — archived: {org.archive_reason}", style="dim")
                options.append(Option(label, id=org.id))
            yield OptionList(*options, id="archived-orgs")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
