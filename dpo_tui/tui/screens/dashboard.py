"""The home screen: what needs attention, most urgent first. Each line opens its record.

The list is the one `dpo-tui check` prints (services/dashboard.py), then the findings grouped
by register, with the last quarterly review and when the next is due at the top. Breach
countdowns show in warning colours under 24 hours and once overdue (UK GDPR Art 33(1)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from dpo_tui.domain import deadlines, registers
from dpo_tui.domain.deadlines import DueItem
from dpo_tui.tui.widgets.badges import severity_text
from dpo_tui.tui.widgets.footer import KeyBar

STATUS_STYLES = {
    deadlines.OVERDUE: "bold white on red",
    deadlines.DUE_SOON: "black on yellow",
    deadlines.OK: "black on green",
}
STATUS_LABELS = {deadlines.OVERDUE: "OVERDUE", deadlines.DUE_SOON: "due soon", deadlines.OK: "ok"}
BREACH_UNDER_WARNING = "bold black on yellow"
BREACH_OVERDUE = "bold white on red"
COUNTDOWN_REFRESH_SECONDS = 30


def status_badge(status: str) -> Text:
    return Text(f" {STATUS_LABELS.get(status, status):<8} ", style=STATUS_STYLES.get(status, ""))


def breach_style(item: DueItem, now) -> str:
    """Warning colours for a 72-hour countdown: overdue, or under the warning hours left."""
    from dpo_tui.domain.breaches import warning_hours

    if item.kind != deadlines.BREACH:
        return ""
    if item.status == deadlines.OVERDUE:
        return BREACH_OVERDUE
    if item.due - now < timedelta(hours=warning_hours()):
        return BREACH_UNDER_WARNING
    return "bold"


def item_line(item: DueItem, now) -> Text:
    """One line for a due item; every piece of user text goes in as plain Text, never markup."""
    line = Text()
    line.append_text(status_badge(item.status))
    line.append(f" {item.due_text():<22} ")
    line.append(f"{item.ref:<12} ", style="bold")
    if item.kind == deadlines.BREACH:
        line.append(f"{item.title}: ")
        line.append(item.message, style=breach_style(item, now))
    else:
        line.append(item.message)
    return line


def item_option_id(index: int, item: DueItem) -> str:
    return f"due{index}:{item.register}:{item.record_id or ''}"


MAX_LINES = 30  # due items shown; the rest are counted
MAX_FINDINGS = 5  # the most serious findings per register; the register screen shows them all


@dataclass
class DashboardContent:
    summary: Text
    review: Text
    options: list[Option | None]


class DashboardScreen(Screen):
    BINDINGS = [
        Binding("w", "review", "Quarterly review"),
    ]

    def compose(self) -> ComposeResult:
        # The content is built before the widgets, so the first screen is laid out once with
        # it rather than empty and then again (bench/startup.py).
        content = self.content()
        yield Header()
        with Vertical(id="dashboard"):
            yield Static(content.summary, id="dashboard-summary")
            yield Static(content.review, id="dashboard-review")
            yield Static(Text("Needs attention", style="bold underline"))
            yield OptionList(*content.options, id="attention")
        yield KeyBar()

    def on_mount(self) -> None:
        self.sub_title = "Dashboard"
        self.query_one("#attention", OptionList).action_first()
        # A running 72-hour clock is shown live; nothing is reloaded when there is none.
        self.set_interval(COUNTDOWN_REFRESH_SECONDS, self.tick)

    def on_screen_resume(self) -> None:
        if self.loaded_version != self.app.data_version:
            self.refresh_view()

    def tick(self) -> None:
        if self.has_countdown and self.app.screen is self:
            self.refresh_view()

    def refresh_view(self) -> None:
        content = self.content()
        self.query_one("#dashboard-summary", Static).update(content.summary)
        self.query_one("#dashboard-review", Static).update(content.review)
        attention = self.query_one("#attention", OptionList)
        highlighted = attention.highlighted
        attention.clear_options()
        attention.add_options(content.options)
        if highlighted is not None and highlighted < attention.option_count:
            attention.highlighted = highlighted
        else:
            attention.highlighted = None
            attention.action_first()

    def content(self) -> DashboardContent:
        """What the dashboard shows for the current organisation and data, at the clock's now."""
        self.loaded_version = self.app.data_version
        self.items: list[DueItem] = []
        self.has_countdown = False
        org = self.app.org
        if org is None:
            return DashboardContent(Text("No organisation yet."), Text(), [])
        from dpo_tui.services import dashboard

        # On start-up the overview was read while Textual loaded (tui/start.py); later, from
        # the app's snapshot and findings, which the register screens share.
        view = self.app.take_first_screen() or dashboard.overview(
            self.app.ws, org.id, found=self.app.findings(), snap=self.app.snapshot())

        summary = Text()
        summary.append(org.values.get("name") or "", style="bold")
        summary.append("\n")
        for name in registers.available():
            if name == "client_processing" and org.values.get("role") == "controller":
                continue
            summary.append(f"{registers.schema(name).title}: {view.counts[name]}   ")

        self.items = view.items
        now = self.app.ws.clock.now()
        self.has_countdown = any(i.kind == deadlines.BREACH for i in view.items)

        urgent = len(view.urgent)
        heading = (f"Due — {urgent} due or overdue, most urgent first" if urgent
                   else "Due — nothing due or overdue")
        # Capped per group: a thousand options would make the first screen slow to appear,
        # and nobody reads past the first screenful anyway.
        options: list[Option | None] = [Option(Text(heading, style="bold"), id="heading-due",
                                               disabled=True)]
        for index, item in enumerate(view.items[:MAX_LINES]):
            options.append(Option(item_line(item, now), id=item_option_id(index, item)))
        if len(view.items) > MAX_LINES:
            options.append(Option(Text(f"… and {len(view.items) - MAX_LINES} more "
                                       "(dpo-tui check lists them all)", style="dim"),
                                  id="more-due", disabled=True))
        options.append(None)
        if not view.findings_by_register:
            options.append(Option(Text("No findings. ✓", style="green"), id="none", disabled=True))
        for register, found in view.findings_by_register.items():
            title = ("Organisation profile" if register == "organisation"
                     else registers.schema(register).title if register in registers.MODULES
                     else register)
            options.append(Option(Text(f"Findings — {title} ({len(found)})", style="bold"),
                                  id=f"heading-{register}", disabled=True))
            for i, finding in enumerate(found[:MAX_FINDINGS]):
                line = Text()
                line.append_text(severity_text(finding.severity))
                line.append(f" {finding.ref:<12} ", style="bold")
                line.append(finding.message)
                options.append(Option(line, id=f"f{register}{i}:{finding.register}:"
                                               f"{finding.record_id or ''}"))
            if len(found) > MAX_FINDINGS:
                options.append(Option(Text(f"… and {len(found) - MAX_FINDINGS} more: open {title} "
                                           "(each record shows its findings)", style="dim"),
                                      id=f"more:{register}:"))
        return DashboardContent(summary, self.review_text(view), options)

    def review_text(self, view) -> Text:
        text = Text()
        if view.review_in_progress is not None:
            current = view.review_in_progress
            text.append("Quarterly review ", style="bold")
            text.append(f"{current.ref} {current.get('period') or ''} in progress", style="yellow")
            text.append(" — press w to carry on.  ")
        if view.last_review is not None:
            last = view.last_review
            text.append("Last review: ", style="bold")
            text.append(f"{last.ref} {last.get('period') or ''}, signed off "
                        f"{(last.get('signed_off_at') or '')[:10]} by {last.get('reviewer') or '?'}. ")
        else:
            text.append("No quarterly review signed off yet. ", style="bold")
        text.append(f"Next review due {view.next_review_due}.")
        if view.review_in_progress is None:
            text.append(" Press w to start it.", style="dim")
        return text

    # ------------------------------------------------------------ actions

    @on(OptionList.OptionSelected, "#attention")
    def open_item(self, event: OptionList.OptionSelected) -> None:
        option_id = event.option.id or ""
        if option_id.startswith("heading") or option_id in ("", "none"):
            return
        _, register, record_id = option_id.split(":", 2)
        if register == "review":
            self.action_review()
            return
        self.app.open_record(register, record_id or None)

    def action_review(self) -> None:
        from dpo_tui.tui.screens.review import open_review

        open_review(self.app)
