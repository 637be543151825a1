"""The App: navigation, the current organisation, and the findings cache. Screens do the rest."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from dpo_tui.domain import registers
from dpo_tui.domain.records import Finding, Record, Snapshot
from dpo_tui.services import organisations
from dpo_tui.services import records as record_service
from dpo_tui.services.dashboard import Overview
from dpo_tui.services.workspace import Workspace

if TYPE_CHECKING:
    from dpo_tui.forked import Forked

# Register screens reached from the keyboard: key, register, label.
NAVIGATION = (
    ("a", "activity", "Activities"),
    ("c", "client_processing", "Client processing"),
    ("p", "processor", "Processors"),
    ("r", "retention", "Retention"),
    ("b", "breach", "Breaches"),
    ("t", "action", "Actions"),
)


def register_screen(register: str) -> Screen:
    """The screen for a register: a specialised one when the register has it, else the generic."""
    special = {
        "breach": ("dpo_tui.tui.screens.breaches", "BreachesScreen"),
    }
    if register in special and importlib.util.find_spec(special[register][0]) is not None:
        module = importlib.import_module(special[register][0])
        return getattr(module, special[register][1])()
    from dpo_tui.tui.screens.register import RegisterScreen

    return RegisterScreen(register)


class DpoApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "dpo-tui"
    BINDINGS = [
        Binding("d", "go('dashboard')", "Dashboard"),
        *[Binding(key, f"go('{register}')", label, show=register not in ("client_processing", "action"))
          for key, register, label in NAVIGATION],
        Binding("ctrl+n", "new_breach", "Log breach", priority=True),
        Binding("w", "review", "Review"),
        Binding("ctrl+r", "export_report", "PDF report", priority=True),
        Binding("o", "edit_organisation", "Organisation"),
        Binding("s", "switch_organisation", "Switch org"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, ws: Workspace, early: Forked | None = None):
        super().__init__()
        self.ws = ws
        self.org: Record | None = organisations.current(ws)
        self._early = early
        self.data_version = 0
        self._snapshot: Snapshot | None = None
        self._findings: list[Finding] | None = None
        self._by_record: dict[str, list[Finding]] | None = None

    # ------------------------------------------------------------ state

    @property
    def timezone(self) -> str:
        return (self.org.values.get("timezone") if self.org else None) or "Europe/London"

    def data_changed(self) -> None:
        """Something was saved: findings and every screen's rows are stale."""
        self.data_version += 1
        self._snapshot = None
        self._findings = None
        self._by_record = None
        if self.org is not None:
            self.org = organisations.get(self.ws, self.org.id)
            self.title = f"dpo-tui — {self.org.values.get('name')}"

    def take_first_screen(self) -> Overview | None:
        """The dashboard's overview read while Textual loaded (tui/start.py): once, and only
        while it is still the current organisation's data."""
        early, self._early = self._early, None
        first = early.take() if early is not None else None
        if not isinstance(first, Overview) or self.org is None \
                or first.org.id != self.org.id or self.data_version:
            return None
        return first

    def discard_early_read(self) -> None:
        if self._early is not None:
            self._early.discard()
            self._early = None

    def snapshot(self) -> Snapshot | None:
        """The current organisation's live records, read once per change of data."""
        if self._snapshot is None and self.org is not None:
            self._snapshot = record_service.snapshot(self.ws, self.org.id)
        return self._snapshot

    def findings(self) -> list[Finding]:
        if self._findings is None:
            snap = self.snapshot()
            self._findings = record_service.findings(self.ws, self.org.id, snap) if snap else []
        return self._findings

    def findings_by_record(self) -> dict[str, list[Finding]]:
        if self._by_record is None:
            self._by_record = record_service.findings_by_record(self.findings())
        return self._by_record

    def set_org(self, org_id: str) -> None:
        organisations.select(self.ws, org_id)
        self.org = organisations.get(self.ws, org_id)
        self.data_changed()
        refresh = getattr(self.screen, "refresh_view", None)
        if refresh:
            refresh()

    # ------------------------------------------------------------ start

    def on_mount(self) -> None:
        if self.ws.read_only:
            self.notify("This database is read-only: you can look, but changes cannot be saved.",
                        severity="warning", timeout=10)
        if self.org is not None:
            self.title = f"dpo-tui — {self.org.values.get('name')}"
        if self.org is None:
            from dpo_tui.tui.screens.organisations import WelcomeScreen

            self.push_screen(WelcomeScreen(), self.welcome_done)

    def get_default_screen(self) -> Screen:
        # The dashboard is the bottom of the stack itself: pushing it above Textual's empty
        # default screen cost a second screen's mount and layout (bench/startup.py: ~90 ms).
        from dpo_tui.tui.screens.dashboard import DashboardScreen

        return DashboardScreen()

    def welcome_done(self, org_id: str | None) -> None:
        if org_id:
            self.set_org(org_id)

    # ------------------------------------------------------------ navigation

    def action_go(self, where: str) -> None:
        if self.org is None:
            return
        if where != "dashboard" and where not in registers.available():
            self.notify(f"{where} is not available in this version.", severity="warning")
            return
        if where != "dashboard" and not self.is_screen_installed(where):
            self.install_screen(register_screen(where), where)
        self.switch_to(where)

    def switch_to(self, name: str) -> None:
        # A flat stack: the dashboard at the bottom and at most one register screen above it.
        base = 1
        while len(self.screen_stack) > base + 1:
            self.pop_screen()
        if name == "dashboard":
            if len(self.screen_stack) == base + 1:
                self.pop_screen()
            return
        if len(self.screen_stack) == base + 1:
            self.switch_screen(name)
        else:
            self.push_screen(name)

    def open_record(self, register: str, record_id: str | None) -> None:
        """Jump to a record from anywhere (the dashboard's lines, links)."""
        if register == "organisation":
            self.action_edit_organisation()
            return
        self.action_go(register)
        screen = self.get_screen(register)
        if record_id and hasattr(screen, "refresh_view"):
            self.call_after_refresh(screen.refresh_view, record_id)

    def action_help(self) -> None:
        from dpo_tui.tui.screens.dialogs import HelpScreen

        self.push_screen(HelpScreen())

    # ------------------------------------------------------------ organisation

    def action_edit_organisation(self) -> None:
        if self.org is None:
            return
        from dpo_tui.domain.organisation import SCHEMA
        from dpo_tui.domain.schema import ValidationContext
        from dpo_tui.tui.screens.form import FormScreen

        org_id = self.org.id

        def open_form(values, errors=None):
            form = FormScreen(SCHEMA, values, title="Organisation profile and settings",
                              context=ValidationContext(timezone=self.timezone), errors=errors)
            self.push_screen(form, lambda result: saved(result))

        def saved(values):
            from dpo_tui.storage.db import StorageError

            if values is None:
                return
            try:
                result = organisations.update(self.ws, org_id, values)
            except record_service.ValidationFailed as exc:
                open_form(values, exc.errors)
                return
            except StorageError as exc:
                self.notify(str(exc), title="Not saved", severity="error", timeout=10)
                open_form(values)
                return
            for warning in result.warnings.values():
                self.notify(warning, severity="warning", timeout=8)
            self.notify("Organisation saved")
            self.data_changed()
            refresh = getattr(self.screen, "refresh_view", None)
            if refresh:
                refresh()

        open_form(self.org.values)

    def action_switch_organisation(self) -> None:
        from dpo_tui.tui.screens.organisations import OrgSwitcher

        def chosen(org_id: str | None) -> None:
            if org_id:
                self.set_org(org_id)
                self.notify(f"Now working on {self.org.values.get('name')}")

        self.push_screen(OrgSwitcher(), chosen)

    def action_archive_organisation(self) -> None:
        """Archive the current organisation (with a reason); its records stay, untouched."""
        from dpo_tui.storage.db import StorageError
        from dpo_tui.tui.screens.dialogs import ReasonDialog

        if self.org is None:
            return
        org = self.org

        def answered(reason: str | None) -> None:
            if not reason:
                return
            try:
                organisations.archive(self.ws, org.id, reason)
            except (StorageError, record_service.ValidationFailed) as exc:
                self.notify(str(exc), title="Not archived", severity="error")
                return
            self.notify(f"Archived {org.values.get('name')}. The palette can restore it.")
            remaining = organisations.all(self.ws)
            if remaining:
                self.set_org(remaining[0].id)
                return
            from dpo_tui.tui.screens.organisations import WelcomeScreen

            self.org = None
            self.data_changed()
            self.push_screen(WelcomeScreen(), self.welcome_done)

        self.push_screen(ReasonDialog(f"Archive {org.values.get('name')}? Why?"), answered)

    def action_restore_organisation(self) -> None:
        from dpo_tui.tui.screens.organisations import ArchivedOrgsDialog

        archived = [o for o in organisations.all(self.ws, include_archived=True) if o.archived]
        if not archived:
            self.notify("No organisation is archived.")
            return

        def chosen(org_id: str | None) -> None:
            if org_id:
                organisations.restore(self.ws, org_id)
                self.set_org(org_id)
                self.notify(f"Restored {self.org.values.get('name')}")

        self.push_screen(ArchivedOrgsDialog(archived), chosen)

    def action_history_of_organisation(self) -> None:
        from dpo_tui.tui.screens.dialogs import HistoryScreen

        if self.org is None:
            return
        lines = record_service.history_lines(self.ws, self.org.id)
        self.push_screen(HistoryScreen(self.org.values.get("name", ""), lines, self.timezone))

    # ------------------------------------------------------------ breaches

    def action_new_breach(self) -> None:
        if self.org is None:
            return
        if importlib.util.find_spec("dpo_tui.tui.screens.breaches") is None:
            self.notify("The breach log is not available in this version.", severity="warning")
            return
        from dpo_tui.tui.screens.breaches import open_quick_breach

        open_quick_breach(self)

    def action_review(self) -> None:
        if self.org is None:
            return
        from dpo_tui.tui.screens.review import open_review

        open_review(self)

    def action_export_report(self) -> None:
        if self.org is None:
            return
        from dpo_tui.tui.screens.export import open_export

        open_export(self)

    def action_export_accountant_pack(self) -> None:
        if self.org is None:
            return
        from dpo_tui.tui.screens.export import open_export

        open_export(self, sections=["cover", "summary", "processors", "retention"])

    def action_import_spreadsheet(self) -> None:
        if self.org is None:
            return
        from dpo_tui.tui.screens.import_ico import open_import

        open_import(self)

    # ------------------------------------------------------------ palette

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Dashboard", "What needs attention", lambda: self.action_go("dashboard"))
        for _key, register, _label in NAVIGATION:
            if register in registers.available():
                schema = registers.schema(register)
                yield SystemCommand(schema.title, f"Open the {schema.title.lower()} register",
                                    lambda r=register: self.action_go(r))
        yield SystemCommand("Log a breach now", "Quick entry; starts the 72-hour clock",
                            self.action_new_breach)
        yield SystemCommand("Quarterly review", "Start or carry on the quarterly compliance review",
                            self.action_review)
        yield SystemCommand("PDF report", "The full ICO-style report, for the review or an auditor",
                            self.action_export_report)
        yield SystemCommand("PDF report: accountant's pack",
                            "Cover, summary, processors and retention only",
                            self.action_export_accountant_pack)
        yield SystemCommand("Import the ICO spreadsheet",
                            "Add activities from the ICO's documentation template (.xlsx)",
                            self.action_import_spreadsheet)
        yield SystemCommand("Organisation profile", "Edit the organisation and its settings",
                            self.action_edit_organisation)
        yield SystemCommand("Organisation history", "Every change to the organisation profile",
                            self.action_history_of_organisation)
        yield SystemCommand("Archive this organisation",
                            "Keep its records but take it out of the list (asks why)",
                            self.action_archive_organisation)
        yield SystemCommand("Restore an archived organisation", "Bring an organisation back",
                            self.action_restore_organisation)
        yield SystemCommand("Switch organisation", "Work on another organisation, or add one",
                            self.action_switch_organisation)
        if hasattr(screen, "action_new"):
            yield SystemCommand("New record", "Add a record to this register", screen.action_new)
            yield SystemCommand("Show archived records", "Toggle archived records",
                                screen.action_toggle_archived)
            yield SystemCommand("History of this record", "Every change, when and by whom",
                                screen.action_history)
        yield SystemCommand("Help", "Keys and concepts", self.action_help)
