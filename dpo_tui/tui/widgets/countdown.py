"""The 72-hour countdown: one breach's clock, or every running clock, in warning colours.

The time comes from a `now` callable (the workspace's injected clock), so tests and --as-of
see a fixed countdown while a live run ticks every 30 seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.widgets import Static

from dpo_tui.domain import breaches
from dpo_tui.domain.records import Record

TICK_SECONDS = 30

# State -> (CSS class, Rich style for table cells). Warning colours under 24 hours and overdue.
LOOK = {
    breaches.NOT_STARTED: ("-idle", "dim"),
    breaches.RUNNING: ("-running", "bold"),
    breaches.UNDER_WARNING: ("-warning", "bold black on yellow"),
    breaches.OVERDUE: ("-overdue", "bold white on red"),
    breaches.NOTIFIED_IN_TIME: ("-done", "green"),
    breaches.NOTIFIED_LATE: ("-late", "yellow"),
    breaches.NOT_REQUIRED: ("-idle", "dim"),
}
STATE_CLASSES = {cls for cls, _ in LOOK.values()}


def clock_cell(state: breaches.ClockState) -> Text:
    """A table cell: '46 h 15 min left', 'overdue 3 h 00 min', 'told in 41 h 35 min'."""
    return Text(state.short(), style=LOOK[state.status][1], no_wrap=True, overflow="ellipsis")


def clock_line(state: breaches.ClockState, timezone: str, prefix: str = "") -> Text:
    text = Text(prefix)
    text.append(state.describe(timezone), style=LOOK[state.status][1])
    return text


class Countdown(Static):
    """One breach's clock, refreshed every TICK_SECONDS from the injected clock."""

    DEFAULT_CSS = """
    Countdown { height: auto; padding: 0 1; margin-bottom: 1; }
    Countdown.-running { border: round $primary; }
    Countdown.-warning { border: thick $warning; background: $warning 30%; text-style: bold; }
    Countdown.-overdue { border: thick $error; background: $error 40%; text-style: bold; }
    Countdown.-late { border: round $warning; }
    Countdown.-done { border: round $success; }
    Countdown.-idle { border: round $panel; color: $text-muted; }
    """

    def __init__(self, now: Callable[[], datetime], *, timezone: str = breaches.DEFAULT_TIMEZONE,
                 id: str | None = None, classes: str | None = None):
        super().__init__("", id=id, classes=classes)
        self.now = now
        self.timezone = timezone
        self.values: dict[str, Any] | None = None
        self.state: breaches.ClockState | None = None

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self.tick)
        self.tick()

    def show(self, values: dict[str, Any] | None, timezone: str | None = None) -> None:
        """Follow another breach (None hides the widget)."""
        self.values = values
        if timezone:
            self.timezone = timezone
        self.tick()

    def tick(self) -> None:
        if self.values is None:
            self.state = None
            self.display = False
            return
        self.display = True
        self.state = breaches.clock_state(self.values, self.now())
        css_class, _style = LOOK[self.state.status]
        for name in STATE_CLASSES - {css_class}:
            self.remove_class(name)
        self.add_class(css_class)
        text = Text()
        text.append(f"{breaches.notification_hours()}-hour clock: ", style="bold")
        text.append(self.state.describe(self.timezone))
        self.update(text)


class CountdownBoard(Static):
    """Every breach whose clock matters (undecided or reportable, not yet notified), most urgent
    first. Hidden when there is none. For the dashboard and the top of the breach log."""

    DEFAULT_CSS = """
    CountdownBoard { height: auto; padding: 0 1; border: thick $error; margin-bottom: 1; }
    """

    def __init__(self, now: Callable[[], datetime], *, timezone: str = breaches.DEFAULT_TIMEZONE,
                 id: str | None = None, classes: str | None = None):
        super().__init__("", id=id, classes=classes)
        self.now = now
        self.timezone = timezone
        self.records: list[Record] = []
        self.display = False

    def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self.tick)

    def show(self, records: Iterable[Record], timezone: str | None = None) -> None:
        self.records = [r for r in records if r.register == "breach"
                        and breaches.needs_countdown(r.values)
                        and breaches.status(r.values) == breaches.OPEN]
        if timezone:
            self.timezone = timezone
        self.tick()

    def tick(self) -> None:
        now = self.now()
        running = sorted(((breaches.clock_state(r.values, now), r) for r in self.records),
                         key=lambda pair: pair[0].hours_left if pair[0].hours_left is not None else 0)
        self.display = bool(running)
        if not running:
            self.update("")
            return
        text = Text(f"Breach clocks ({breaches.notification_hours()} hours to report)\n",
                    style="bold")
        for state, record in running:
            text.append(f"{record.ref:<13}", style="bold")
            text.append_text(clock_line(state, self.timezone))
            what = " ".join(str(record.values.get("what_happened") or "").split())
            text.append(f"  {what[:60]}", style="dim")
            text.append("\n")
        text.rstrip()
        self.update(text)
