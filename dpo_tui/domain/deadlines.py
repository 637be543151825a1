"""What falls due, and when: one list, most urgent first, for the dashboard and `dpo-tui check`.

Pure: it works on a Snapshot and an injected `now`. Every item has a due instant (aware, UTC)
and a status relative to `now`:

- "overdue": the moment has passed;
- "due soon": inside the warning window for its kind (breach countdowns always are);
- "ok": listed for information (open actions, the next quarterly review) but not pressing.

Most urgent first: open breach countdowns, then overdue, due soon and ok items, each by date.

A date deadline (a review date, an expiry) is due by the end of that day in the organisation's
time zone, and its window is counted in whole days from the organisation's today; a breach
deadline is an exact instant (UK GDPR Art 33(1): 72 hours of elapsed time).

Windows come from the organisation's settings (warning_days) and data/constants.json
(fee_reminder_weeks); processor contracts use the processor register's 60 days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dpo_tui.domain import actions, activities, breaches, processors, retention, reviews
from dpo_tui.domain.dates import months_after
from dpo_tui.domain.organisation import year_end
from dpo_tui.domain.records import Record, Snapshot
from dpo_tui.domain.vocab import constants

OVERDUE, DUE_SOON, OK = "overdue", "due soon", "ok"
STATUSES = (OVERDUE, DUE_SOON, OK)
STATUS_ORDER = {OVERDUE: 0, DUE_SOON: 1, OK: 2}
URGENT = {OVERDUE, DUE_SOON}

# Kinds of item, in the order the JSON documents them.
BREACH = "breach"
PROCESSOR_CONTRACT = "processor-contract"
PROCESSOR_REVIEW = "processor-review"
RETENTION_DISPOSAL = "retention-disposal"
RETENTION_REVIEW = "retention-review"
ACTIVITY_REVIEW = "activity-review"
REGISTRATION = "registration"
ACTION = "action"
QUARTERLY_REVIEW = "quarterly-review"
KINDS = (BREACH, PROCESSOR_CONTRACT, PROCESSOR_REVIEW, RETENTION_DISPOSAL, RETENTION_REVIEW,
         ACTIVITY_REVIEW, REGISTRATION, ACTION, QUARTERLY_REVIEW)

DEFAULT_TIMEZONE = "Europe/London"
DEFAULT_WARNING_DAYS = 30


@dataclass(frozen=True)
class DueItem:
    kind: str
    org_name: str
    register: str  # the register of the record the item is about ("organisation" for the fee)
    record_id: str | None
    ref: str
    title: str
    due: datetime  # aware, UTC
    status: str  # OVERDUE, DUE_SOON or OK
    message: str
    org_id: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    all_day: bool = False  # a date deadline: due by the end of that day in `timezone`

    @property
    def urgent(self) -> bool:
        return self.status in URGENT

    @property
    def sort_key(self) -> tuple[int, int, datetime, str]:
        # An open 72-hour clock (Art 33(1)) is counted in hours: it comes before everything else,
        # even a review weeks overdue. Then overdue, due soon, ok; each by due date.
        return (0 if self.kind == BREACH else 1, STATUS_ORDER[self.status], self.due, self.ref)

    def due_local(self) -> datetime:
        return self.due.astimezone(_zone(self.timezone))

    def due_text(self) -> str:
        """'2026-12-01' for a date; '24/11/2026 10:15 GMT' for an instant."""
        local = self.due_local()
        return local.date().isoformat() if self.all_day else local.strftime("%d/%m/%Y %H:%M %Z")

    def as_dict(self) -> dict[str, Any]:
        """The JSON form `dpo-tui check --json` prints (docs/check.md)."""
        return {
            "kind": self.kind,
            "organisation": self.org_name,
            "register": self.register,
            "record_id": self.record_id,
            "ref": self.ref,
            "title": self.title,
            "due": self.due_local().isoformat(),
            "all_day": self.all_day,
            "status": self.status,
            "message": self.message,
        }


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_today(snapshot: Snapshot, now: datetime) -> date:
    """The organisation's date at `now`, in its own time zone."""
    return now.astimezone(_zone(str(snapshot.setting("timezone", DEFAULT_TIMEZONE)))).date()


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The last second of `day` in the organisation's zone, as a UTC instant."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(UTC)


def date_status(day: date, today: date, window_days: int) -> str:
    if day < today:
        return OVERDUE
    if day <= today + timedelta(days=window_days):
        return DUE_SOON
    return OK


def relative(day: date, today: date) -> str:
    """'today', 'tomorrow', 'in 5 days', 'yesterday', '3 days ago'."""
    days = (day - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def _as_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class _Collector:
    """Builds the items of one organisation with its name, zone, today and windows."""

    def __init__(self, snapshot: Snapshot, now: datetime):
        self.snapshot = snapshot
        self.now = now.astimezone(UTC)
        self.tz_name = str(snapshot.setting("timezone", DEFAULT_TIMEZONE))
        self.tz = _zone(self.tz_name)
        self.today = self.now.astimezone(self.tz).date()
        self.org_name = snapshot.org.values.get("name") or ""
        self.warning_days = int(snapshot.setting("warning_days", DEFAULT_WARNING_DAYS))
        self.items: list[DueItem] = []

    def add(self, kind: str, register: str, record: Record | None, ref: str, title: str,
            due: datetime, status: str, message: str, *, all_day: bool) -> None:
        self.items.append(DueItem(
            kind=kind, org_name=self.org_name, register=register,
            record_id=record.id if record else None, ref=ref, title=reviews.one_line(title, 120),
            due=due, status=status, message=message, org_id=self.snapshot.org.id,
            timezone=self.tz_name, all_day=all_day))

    def add_date(self, kind: str, record: Record | None, title: str, day: date, status: str,
                 message: str, *, register: str | None = None, ref: str | None = None) -> None:
        self.add(kind, register or (record.register if record else ""), record,
                 ref if ref is not None else (record.ref if record else ""), title,
                 end_of_day(day, self.tz), status, message, all_day=True)


# ---------------------------------------------------------------- one rule per kind


def _breaches(c: _Collector) -> None:
    """Open breaches whose 72-hour clock matters (UK GDPR Art 33(1))."""
    for record in c.snapshot.of("breach"):
        values = record.values
        if breaches.status(values) != breaches.OPEN or not breaches.needs_countdown(values):
            continue
        state = breaches.clock_state(values, c.now)
        if state.deadline is None:
            continue
        status = OVERDUE if state.status == breaches.OVERDUE else DUE_SOON
        c.add(BREACH, "breach", record, record.ref, values.get("what_happened") or record.ref,
              state.deadline, status, state.describe(c.tz_name), all_day=False)


def _processors(c: _Collector) -> None:
    """Contracts ending within 60 days and reviews due within the warning window (Art 28)."""
    months = int(c.snapshot.setting("processor_review_months", processors.DEFAULT_REVIEW_MONTHS))
    for record in c.snapshot.of("processor"):
        values = record.values
        if not processors.is_live(values):
            continue
        name = values.get("legal_name") or record.ref
        end = _as_date(values.get("contract_end"))
        active = (values.get("status") or "active") == "active"
        if end and end < c.today and active:
            c.add_date(PROCESSOR_CONTRACT, record, name, end, OVERDUE,
                       f"{name}: contract ended on {end.isoformat()} ({relative(end, c.today)}) "
                       "but the processor is still active: renew it or end the processor")
        elif end and c.today <= end <= c.today + timedelta(days=processors.CONTRACT_WARNING_DAYS):
            c.add_date(PROCESSOR_CONTRACT, record, name, end, DUE_SOON,
                       f"{name}: contract ends or renews on {end.isoformat()} "
                       f"({relative(end, c.today)})")
        due = processors.next_review_due(values, months)
        if due is not None:
            status = date_status(due, c.today, c.warning_days)
            if status != OK:
                c.add_date(PROCESSOR_REVIEW, record, name, due, status, _review_message(name, due, c.today))


def _review_message(name: str, due: date, today: date) -> str:
    if due < today:
        return f"{name}: review overdue since {due.isoformat()} ({relative(due, today)})"
    return f"{name}: review due on {due.isoformat()} ({relative(due, today)})"


def _retention(c: _Collector) -> None:
    """Disposals falling due this quarter, with their cut-off; rule reviews due (Art 5(1)(e))."""
    fy_end = year_end(c.snapshot.org.values)
    quarter_end = retention.quarter_end(c.today)
    for record in c.snapshot.of("retention"):
        values = record.values
        name = values.get("category") or record.ref
        disposal = retention.rule_dates(values, c.today, fy_end).disposal
        if disposal and disposal.date <= quarter_end:
            number, unit = values["period_number"], values["period_unit"]
            cutoff = retention.cutoff_date(disposal.date, number, unit)
            action = dict(retention.END_ACTIONS).get(values.get("end_action") or "delete", "Delete")
            c.add_date(RETENTION_DISPOSAL, record, name, disposal.date, DUE_SOON,
                       f"{name}: {action.lower()} the records of the year ended "
                       f"{disposal.year_end.isoformat()} from {disposal.date.isoformat()} "
                       f"({relative(disposal.date, c.today)}); cut-off {cutoff.isoformat()}: "
                       f"records counted from before it are past "
                       f"{retention.describe_period(values)}")
        due = retention.next_review_due(values)
        if due is not None:
            status = date_status(due, c.today, c.warning_days)
            if status != OK:
                c.add_date(RETENTION_REVIEW, record, name, due, status, _review_message(name, due, c.today))


def _activities(c: _Collector) -> None:
    """Live activities whose review is due (ICO: the record is a living document)."""
    months = int(c.snapshot.setting("activity_review_months", 12))
    for record in c.snapshot.of("activity"):
        values = record.values
        if values.get("status") not in activities.LIVE_STATUSES:
            continue
        due = _as_date(values.get("next_review"))
        if due is None and values.get("last_reviewed"):
            due = months_after(date.fromisoformat(values["last_reviewed"]), months)
        if due is None:
            continue
        status = date_status(due, c.today, c.warning_days)
        if status != OK:
            name = values.get("purpose") or record.ref
            c.add_date(ACTIVITY_REVIEW, record, name, due, status, _review_message(name, due, c.today))


def _registration(c: _Collector) -> None:
    """The annual data protection fee; the ICO reminds about six weeks ahead (REGULATORY §7)."""
    values = c.snapshot.org.values
    expiry = _as_date(values.get("registration_expiry"))
    if expiry is None or values.get("fee_tier") == "exempt":
        return
    status = date_status(expiry, c.today, int(constants()["fee_reminder_weeks"]) * 7)
    if status == OK:
        return
    regulator = constants().get("regulator_short", "ICO")
    number = values.get("ico_registration_number") or ""
    title = f"{regulator} registration {number}".strip()
    if status == OVERDUE:
        message = (f"{title} expired on {expiry.isoformat()} ({relative(expiry, c.today)}): "
                   "pay the data protection fee now")
    else:
        message = (f"{title} expires on {expiry.isoformat()} ({relative(expiry, c.today)}): "
                   "renew the data protection fee")
    c.add_date(REGISTRATION, c.snapshot.org, title, expiry, status, message,
               register="organisation", ref=number or "ORG")


def _actions(c: _Collector) -> None:
    """Open actions with a due date, whatever the date: they are the to-do list."""
    for record in c.snapshot.of("action"):
        values = record.values
        due = _as_date(values.get("due"))
        if due is None or not actions.is_open(values):
            continue
        status = date_status(due, c.today, c.warning_days)
        what = values.get("what") or record.ref
        owner = f" (owner: {values['owner']})" if values.get("owner") else ""
        when = f"overdue since {due.isoformat()}" if status == OVERDUE else f"due {due.isoformat()}"
        c.add_date(ACTION, record, what, due, status,
                   f"{what}{owner}: {when} ({relative(due, c.today)})")


def _quarterly_review(c: _Collector) -> None:
    """The next quarterly review: last sign-off + review_interval_months (ICO Accountability
    Framework: monitor compliance regularly)."""
    due = reviews.review_due(c.snapshot, c.today)
    status = date_status(due.due, c.today, c.warning_days)
    if due.current is not None:
        started = (due.current.get("started_at") or "")[:10]
        message = (f"Review {due.current.get('period')} in progress since {started}: finish and "
                   f"sign it off (due {due.due.isoformat()}, {relative(due.due, c.today)})")
        record = due.current
    elif due.last is not None:
        signed = (due.last.get("signed_off_at") or "")[:10]
        verb = "overdue since" if status == OVERDUE else "due on"
        message = (f"Quarterly compliance review {verb} {due.due.isoformat()} "
                   f"({relative(due.due, c.today)}); last signed off {signed} "
                   f"({due.last.get('period')})")
        record = due.last
    else:
        verb = "overdue since" if status == OVERDUE else "due on"
        message = (f"First quarterly compliance review {verb} {due.due.isoformat()} "
                   f"({relative(due.due, c.today)}); none signed off yet")
        record = None
    c.add_date(QUARTERLY_REVIEW, record, "Quarterly compliance review", due.due, status, message,
               register=reviews.REGISTER, ref=record.ref if record else "")


RULES: tuple[Callable[[_Collector], None], ...] = (
    _breaches, _processors, _retention, _activities, _registration, _actions, _quarterly_review,
)


def due_items(snapshot: Snapshot, *, now: datetime) -> list[DueItem]:
    """Everything due for one organisation at `now`, most urgent first."""
    collector = _Collector(snapshot, now)
    for rule in RULES:
        rule(collector)
    return sorted(collector.items, key=lambda item: item.sort_key)


def sort_items(items: list[DueItem]) -> list[DueItem]:
    """Items of several organisations merged, most urgent first."""
    return sorted(items, key=lambda item: (*item.sort_key, item.org_name))


def any_urgent(items: list[DueItem]) -> bool:
    return any(item.urgent for item in items)
