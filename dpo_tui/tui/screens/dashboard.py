"""The home screen: what needs attention, most urgent first. Each line opens its record."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from dpo_tui.domain import registers
from dpo_tui.tui.widgets.badges import severity_text


class DashboardScreen(Screen):
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="dashboard"):
            yield Static("", id="dashboard-summary")
            yield Static(Text("Needs attention", style="bold underline"))
            yield OptionList(id="attention")
        yield Footer()

    def on_mount(self) -> None:
        self.loaded_version = -1
        self.refresh_view()

    def on_screen_resume(self) -> None:
        if self.loaded_version != self.app.data_version:
            self.refresh_view()

    def refresh_view(self) -> None:
        self.loaded_version = self.app.data_version
        self.sub_title = "Dashboard"
        org = self.app.org
        attention = self.query_one("#attention", OptionList)
        attention.clear_options()
        if org is None:
            self.query_one("#dashboard-summary", Static).update("No organisation yet.")
            return
        from dpo_tui.services import records

        summary = Text()
        summary.append(org.values.get("name") or "", style="bold")
        summary.append("\n")
        for name in registers.available():
            if name == "client_processing" and org.values.get("role") == "controller":
                continue
            schema = registers.schema(name)
            summary.append(f"{schema.title}: {records.count(self.app.ws, org.id, name)}   ")
        self.query_one("#dashboard-summary", Static).update(summary)
        found = self.app.findings()
        if not found:
            attention.add_option(Option(Text("Nothing needs attention. ✓", style="green"), id="none"))
        for i, finding in enumerate(found):
            line = Text()
            line.append_text(severity_text(finding.severity))
            line.append(f" {finding.ref:<12} ", style="bold")
            line.append(finding.message)
            attention.add_option(Option(line, id=f"{i}:{finding.register}:{finding.record_id}"))

    @on(OptionList.OptionSelected, "#attention")
    def open_item(self, event: OptionList.OptionSelected) -> None:
        if not event.option.id or event.option.id == "none":
            return
        _, register, record_id = event.option.id.split(":", 2)
        self.app.open_record(register, record_id)
