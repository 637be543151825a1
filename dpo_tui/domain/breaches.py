"""The breach log (UK GDPR Art 33(5)) and the 72-hour clock (Art 33(1)).

Every breach and near miss is logged, reported or not. The clock starts when the organisation
becomes aware ("The clock starts from when you discovered the breach", ICO, 72 hours guide for
small organisations) and runs in elapsed hours: weekends, bank holidays and clock changes all
count. Instants are stored in UTC and shown in the organisation's time zone.

Breach records are never deleted or archived; a finished breach is closed instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dpo_tui.clock import from_iso_utc, shown_local
from dpo_tui.domain import schema as s
from dpo_tui.domain.records import HIGH, LOW, MEDIUM, Finding, Record, Snapshot
from dpo_tui.domain.vocab import constants

DEFAULT_TIMEZONE = "Europe/London"
# The regulator's name lives in data/constants.json: the ICO is due to become the Information Commission.
REG = constants().get("regulator_short", "ICO")

# ---------------------------------------------------------------- choices

BREACH_TYPES = (
    ("confidentiality", "Confidentiality (disclosed or accessed without authority)"),
    ("integrity", "Integrity (altered without authority)"),
    ("availability", "Availability (lost or destroyed, even for a while)"),
)
LIKELIHOODS = (("remote", "Remote"), ("possible", "Possible"), ("likely", "Likely"))
SEVERITIES = (("minimal", "Minimal"), ("significant", "Significant"), ("severe", "Severe"))
REPORT_TYPES = (("initial", "Initial report"), ("follow-up", "Follow-up report"))
# Art 34(3): when people need not be told of a high-risk breach.
ART34_EXEMPTIONS = (
    ("unintelligible", "Art 34(3)(a): data unintelligible to others (e.g. encrypted)"),
    ("risk-removed", "Art 34(3)(b): later measures mean the high risk is no longer likely"),
    ("disproportionate", "Art 34(3)(c): disproportionate effort; a public notice was made instead"),
)

UNDECIDED, LOG_ONLY, REPORT_ICO, REPORT_AND_TELL = "undecided", "log-only", "report-ico", "report-and-tell"
OUTCOMES = (
    (UNDECIDED, "Undecided"),
    (LOG_ONLY, "Log only"),
    (REPORT_ICO, f"Report to the {REG}"),
    (REPORT_AND_TELL, f"Report to the {REG} and tell the people"),
)
REPORTABLE = {REPORT_ICO, REPORT_AND_TELL}

OPEN, CLOSED = "open", "closed"

# ---------------------------------------------------------------- clock states

NOT_STARTED = "not started"
RUNNING = "running"
UNDER_WARNING = "under 24h"
OVERDUE = "overdue"
NOTIFIED_IN_TIME = "notified in time"
NOTIFIED_LATE = "notified late"
NOT_REQUIRED = "not required"
WARNING_STATES = {UNDER_WARNING, OVERDUE, NOTIFIED_LATE}


def notification_hours() -> int:
    """Art 33(1): "not later than 72 hours after having become aware of it"."""
    return int(constants()["breach_notification_hours"])


def warning_hours() -> int:
    return int(constants()["breach_warning_hours"])


def regulator() -> str:
    return REG


# ---------------------------------------------------------------- time helpers


def _instant(value: datetime | str | None) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return from_iso_utc(value)


def deadline(aware_at_utc: datetime | str) -> datetime:
    """The Art 33(1) deadline: aware at + 72 hours of elapsed time, in UTC.

    Elapsed time, not wall-clock time: across a change to or from British Summer Time the
    deadline shown in Europe/London is an hour off "the same time three days later".
    """
    aware = _instant(aware_at_utc)
    if aware is None:
        raise ValueError("aware_at is required to compute the deadline")
    return aware + timedelta(hours=notification_hours())


def format_in_zone(utc_iso: datetime | str | None, tz: str = DEFAULT_TIMEZONE) -> str:
    """'24/11/2026 10:15 GMT': an instant as the organisation reads it, with its zone name."""
    return shown_local(utc_iso, tz or DEFAULT_TIMEZONE)


def format_hours(hours: float) -> str:
    """A duration as '46 h 05 min' (rounded down to the minute); '12 days 3 h' past 99 hours."""
    minutes = int(abs(hours) * 60 + 1e-6)
    if minutes >= 100 * 60:
        return f"{minutes // 1440} days {minutes % 1440 // 60} h"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def hours_between(start: datetime | str, end: datetime | str) -> float:
    start_at, end_at = _instant(start), _instant(end)
    assert start_at is not None and end_at is not None
    return (end_at - start_at).total_seconds() / 3600


def notified_late(values: dict[str, Any]) -> bool:
    aware, notified = values.get("aware_at"), values.get("ico_notified_at")
    return bool(aware and notified and hours_between(aware, notified) > notification_hours())


# ---------------------------------------------------------------- status and clock


def status(values: dict[str, Any]) -> str:
    """Open until closed_at is set."""
    return CLOSED if values.get("closed_at") else OPEN


def outcome(values: dict[str, Any]) -> str:
    return values.get("outcome") or UNDECIDED


def outcome_label(value: str | None) -> str:
    return dict(OUTCOMES).get(value or UNDECIDED, value or "")


def is_reportable(values: dict[str, Any]) -> bool:
    return outcome(values) in REPORTABLE


def needs_countdown(values: dict[str, Any]) -> bool:
    """The clock matters while the breach may still have to be reported and the ICO is not told."""
    if values.get("near_miss") or values.get("ico_notified_at") or not values.get("aware_at"):
        return False
    return outcome(values) == UNDECIDED or is_reportable(values)


@dataclass(frozen=True)
class ClockState:
    status: str
    deadline: datetime | None = None
    hours_left: float | None = None  # negative once overdue
    hours_taken: float | None = None  # aware -> ICO notified
    reason: str = ""  # why no report is needed (log only, near miss)

    @property
    def warning(self) -> bool:
        """Shown in warning colours: under 24 hours left, overdue, or reported late."""
        return self.status in WARNING_STATES

    def describe(self, tz: str = DEFAULT_TIMEZONE) -> str:
        """One sentence for screens and the CLI."""
        ico, limit = regulator(), notification_hours()
        due = format_in_zone(self.deadline, tz) if self.deadline else ""
        if self.status == NOT_STARTED:
            return "Clock not started: record when you became aware of the breach"
        if self.status in (RUNNING, UNDER_WARNING):
            return f"{format_hours(self.hours_left or 0)} left to report to the {ico} (by {due})"
        if self.status == OVERDUE:
            return (f"Overdue by {format_hours(self.hours_left or 0)}: the {limit} hours ended {due}. "
                    f"Report now and give the reasons for the delay")
        if self.status == NOTIFIED_IN_TIME:
            return f"{ico} told {format_hours(self.hours_taken or 0)} after becoming aware (within {limit} hours)"
        if self.status == NOTIFIED_LATE:
            late = (self.hours_taken or 0) - limit
            return (f"{ico} told {format_hours(self.hours_taken or 0)} after becoming aware "
                    f"({format_hours(late)} past {limit} hours)")
        return f"No report needed ({self.reason})"

    def short(self) -> str:
        """A few characters for a table cell or badge."""
        if self.status in (RUNNING, UNDER_WARNING):
            return f"{format_hours(self.hours_left or 0)} left"
        if self.status == OVERDUE:
            return f"overdue {format_hours(self.hours_left or 0)}"
        if self.status in (NOTIFIED_IN_TIME, NOTIFIED_LATE):
            return f"told in {format_hours(self.hours_taken or 0)}" + (
                " (late)" if self.status == NOTIFIED_LATE else "")
        if self.status == NOT_REQUIRED:
            return self.reason
        return self.status


def clock_state(values: dict[str, Any], now: datetime) -> ClockState:
    """Where a breach stands against the 72 hours at `now` (from the injected clock)."""
    aware = values.get("aware_at")
    if not aware:
        return ClockState(NOT_STARTED)
    due = deadline(aware)
    notified = values.get("ico_notified_at")
    if notified:
        taken = hours_between(aware, notified)
        state = NOTIFIED_LATE if taken > notification_hours() else NOTIFIED_IN_TIME
        return ClockState(state, due, hours_taken=taken)
    if values.get("near_miss"):
        return ClockState(NOT_REQUIRED, due, reason="near miss")
    if outcome(values) == LOG_ONLY:
        return ClockState(NOT_REQUIRED, due, reason="log only")
    left = (due - _instant(now)).total_seconds() / 3600  # type: ignore[operator]
    if left < 0:
        return ClockState(OVERDUE, due, hours_left=left)
    if left < warning_hours():
        return ClockState(UNDER_WARNING, due, hours_left=left)
    return ClockState(RUNNING, due, hours_left=left)


# ---------------------------------------------------------------- numbering and immutability


def ref_year(values: dict[str, Any], now: datetime, timezone: str = DEFAULT_TIMEZONE) -> int:
    """Breaches are numbered per year (BR-2026-003): the year the organisation became aware."""
    moment = _instant(values.get("aware_at")) or _instant(now)
    assert moment is not None
    return moment.astimezone(ZoneInfo(timezone or DEFAULT_TIMEZONE)).year


def archive_refusal(record: Record) -> str | None:
    """Art 33(5) asks for a record of every breach: the log is never thinned out."""
    if record.register != "breach":
        return None
    return (f"{record.ref or 'A breach'} cannot be archived or deleted: the breach log keeps every "
            "breach (UK GDPR Art 33(5)). Close it instead, with the lessons learned.")


# ---------------------------------------------------------------- validation


def _local(value: str, tz: str) -> str:
    return format_in_zone(value, tz)


def _check_times(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    errors: dict[str, str] = {}
    aware, occurred = values.get("aware_at"), values.get("occurred_at")
    if values.get("occurred_unknown") and occurred:
        errors["occurred_at"] = "Occurred at: clear it, or say it is not known - not both"
    if occurred and aware and occurred > aware:
        errors["occurred_at"] = "Occurred at is after you became aware of it; check both times"
    if aware and ctx.today and from_iso_utc(aware).date() > ctx.today:
        errors["aware_at"] = "Aware at is in the future; the clock starts when you became aware"
    for name, label in (("ico_notified_at", f"{REG} notified at"), ("closed_at", "Closed at"),
                        ("individuals_told_at", "Individuals told at")):
        when = values.get(name)
        if when and aware and when < aware:
            errors[name] = f"{label} is before you became aware ({_local(aware, ctx.timezone)})"
    return errors


def _check_delay_reasons(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    # Art 33(1): "Where the notification ... is not made within 72 hours, it shall be
    # accompanied by reasons for the delay."
    if notified_late(values) and not values.get("delay_reasons"):
        taken = hours_between(values["aware_at"], values["ico_notified_at"])
        return {"delay_reasons": (
            f"Reasons for the delay are required: the {regulator()} was told {format_hours(taken)} "
            f"after you became aware, more than {notification_hours()} hours (Art 33(1))")}
    return {}


def _told_or_exempt(values: dict[str, Any]) -> bool:
    return bool(values.get("individuals_told_at") or values.get("art34_exemption"))


def _check_closing(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    """A breach is closed only once the decision it needs is made and carried out."""
    if not values.get("closed_at"):
        return {}
    if outcome(values) == UNDECIDED:
        return {"outcome": "Decide the outcome (run the assessment) before closing the breach"}
    if is_reportable(values) and not values.get("ico_notified_at"):
        return {"ico_notified_at": f"The outcome is to report it: record when the {regulator()} "
                "was told before closing (or reassess)"}
    if outcome(values) == REPORT_AND_TELL and not _told_or_exempt(values):
        return {"individuals_told_at": "The outcome is to tell the people affected (Art 34): record "
                "when they were told, or the Art 34(3) exemption relied on, before closing"}
    return {}


def _warnings(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    warnings: dict[str, str] = {}
    if outcome(values) == REPORT_AND_TELL and not _told_or_exempt(values):
        warnings["individuals_told_at"] = ("High risk: tell the people affected without undue delay "
                                           "(Art 34), or record the Art 34(3) exemption")
    if values.get("ico_reference") and not values.get("ico_notified_at"):
        warnings["ico_notified_at"] = f"A {REG} reference is recorded but not when the {REG} was told"
    if values.get("processor_told_us_at") and not values.get("processor_involved"):
        warnings["processor_involved"] = "Say which processor told you"
    discovered, aware = values.get("discovered_at"), values.get("aware_at")
    if discovered and aware and aware < discovered:
        warnings["discovered_at"] = "You became aware before it was discovered? Check both times"
    return warnings


# ---------------------------------------------------------------- the schema

WHAT = "What happened"
WHEN = "When"
DATA = "Data and people affected"
RISK = "Risk"
RESPONSE = "Response"
ICO = f"Reporting to the {REG} (Art 33)"
PEOPLE = "Telling the people affected (Art 34)"
CLOSE = "Closing"


def _data_categories_vocabulary() -> str | None:
    from dpo_tui.paths import data_dir

    return "data_categories" if (data_dir() / "vocabularies" / "data_categories.json").is_file() else None


SCHEMA = s.RegisterSchema(
    name="breach",
    title="Breach log",
    singular="breach",
    ref_prefix="BR",
    title_field="what_happened",
    fields=(
        s.Field("what_happened", "What happened", s.LONGTEXT, section=WHAT, required=True,
                in_table=True, width=40,
                help="The nature of the breach, in plain words (the ICO asks this first)."),
        s.Field("found_by", "Found by", section=WHAT, help="Who noticed it."),
        s.Field("how_found", "How it was found", section=WHAT),
        s.Field("breach_type", "Type", s.MULTICHOICE, section=WHAT, choices=BREACH_TYPES,
                help="ICO: a breach of confidentiality, integrity or availability, or several."),
        s.Field("cause", "Cause", s.LONGTEXT, section=WHAT),
        s.Field("near_miss", "Near miss", s.BOOL, section=WHAT,
                help="Nothing was actually lost or disclosed; logged to learn from it."),
        s.Field("occurred_at", "Occurred at", s.DATETIME, section=WHEN,
                help="When it happened, if known."),
        s.Field("occurred_unknown", "When it happened is not known", s.BOOL, section=WHEN),
        s.Field("discovered_at", "Discovered at", s.DATETIME, section=WHEN),
        s.Field("aware_at", "Aware at", s.DATETIME, section=WHEN, required=True, in_table=True,
                help="When the organisation became aware: the 72-hour clock starts here "
                "(ICO: \"The clock starts from when you discovered the breach\")."),
        s.Field("data_categories", "Categories of personal data", s.TAGS, section=DATA,
                vocabulary=_data_categories_vocabulary()),
        s.Field("special_category", "Special category data involved", s.BOOL, section=DATA,
                help="Health, ethnicity, religion, biometrics... (Art 9)."),
        s.Field("children", "Children's data involved", s.BOOL, section=DATA),
        s.Field("people_affected", "People affected (approx.)", s.INT, section=DATA),
        s.Field("records_affected", "Records affected (approx.)", s.INT, section=DATA),
        s.Field("likely_consequences", "Likely consequences", s.LONGTEXT, section=RISK,
                help="For the people affected: distress, fraud, discrimination, safety..."),
        s.Field("likelihood", "Likelihood of harm", s.CHOICE, section=RISK, choices=LIKELIHOODS),
        s.Field("severity", "Severity of harm", s.CHOICE, section=RISK, choices=SEVERITIES),
        s.Field("outcome", "Outcome", s.CHOICE, section=RISK, choices=OUTCOMES, default=UNDECIDED,
                in_table=True,
                help=f"Set by the assessment: log only, report to the {REG}, or report and tell people."),
        s.Field("outcome_reasons", "Reasons for the outcome", s.LONGTEXT, section=RISK,
                help="From the latest assessment. Art 33(5): if not reported, why not."),
        s.Field("containment", "Containment", s.LONGTEXT, section=RESPONSE,
                help="What was done at once to stop it or limit the harm."),
        s.Field("remedial_actions", "Remedial actions", s.LONGTEXT, section=RESPONSE),
        s.Field("rationale", "Rationale for the actions", s.LONGTEXT, section=RESPONSE),
        s.Field("processor_involved", "Processor involved", s.LINK, section=RESPONSE,
                target="processor"),
        s.Field("processor_told_us_at", "Processor told us at", s.DATETIME, section=RESPONSE,
                help="Art 33(2): a processor must tell you without undue delay."),
        s.Field("others_told", "Others told", s.ROWS, section=RESPONSE,
                columns=("who", "when", "reference"),
                help="Police, bank, insurer, Action Fraud..."),
        s.Field("activities", "Processing activities affected", s.LINK, section=RESPONSE,
                target="activity",
                help="Linked activities show \"breach occurred\" in the record of processing."),
        s.Field("ico_notified_at", f"{REG} notified at", s.DATETIME, section=ICO),
        s.Field("ico_reference", f"{REG} case reference", section=ICO),
        s.Field("ico_report_type", "Report type", s.CHOICE, section=ICO, choices=REPORT_TYPES),
        s.Field("delay_reasons", "Reasons for delay past 72 hours", s.LONGTEXT, section=ICO,
                help=f"Required when the {REG} was told more than 72 hours after becoming aware."),
        s.Field("individuals_told_at", "Individuals told at", s.DATETIME, section=PEOPLE),
        s.Field("individuals_told_how", "How they were told", section=PEOPLE),
        s.Field("art34_exemption", "Exemption relied on instead", s.CHOICE, section=PEOPLE,
                choices=ART34_EXEMPTIONS),
        s.Field("lessons_learned", "Lessons learned", s.LONGTEXT, section=CLOSE),
        s.Field("closed_at", "Closed at", s.DATETIME, section=CLOSE),
    ),
    checks=(_check_times, _check_delay_reasons, _check_closing),
    warnings=(_warnings,),
)


# ---------------------------------------------------------------- links from activities


def activities_with_breaches(snapshot: Snapshot) -> dict[str, list[str]]:
    """activity id -> refs of the breaches that involved it (ICO template columns 24-25).

    A link counts from either side: the breach's `activities` or the activity's own
    `breach_records`, so the record of processing and the breach log never disagree.
    """
    breaches = {r.id: r for r in snapshot.of("breach")}
    pairs: set[tuple[str, str]] = set()
    for breach in breaches.values():
        for activity_id in breach.get("activities", []):
            pairs.add((activity_id, breach.id or ""))
    for activity in snapshot.of("activity"):
        for breach_id in activity.get("breach_records", []):
            if breach_id in breaches:
                pairs.add((activity.id or "", breach_id))
    result: dict[str, list[str]] = {}
    for activity_id, breach_id in pairs:
        result.setdefault(activity_id, []).append(breaches[breach_id].ref)
    return {activity_id: sorted(refs) for activity_id, refs in result.items()}


# ---------------------------------------------------------------- findings


def findings(snapshot: Snapshot) -> list[Finding]:
    now = snapshot.as_of or datetime.now(UTC)
    tz = snapshot.setting("timezone", DEFAULT_TIMEZONE)
    ico = regulator()
    result: list[Finding] = []

    def add(severity: str, code: str, message: str, breach: Record, field: str) -> None:
        result.append(Finding(severity, code, f"{breach.ref}: {message}", "breach", breach.id,
                              breach.ref, field))

    for breach in snapshot.of("breach"):
        values = breach.values
        state = clock_state(values, now)
        is_open = status(values) == OPEN
        if is_open and outcome(values) == UNDECIDED and not values.get("near_miss"):
            add(HIGH, "breach-undecided",
                "not yet assessed: decide whether to report it. " + state.describe(tz),
                breach, "outcome")
        if needs_countdown(values) and is_reportable(values) and state.status in (RUNNING, UNDER_WARNING):
            add(HIGH, "breach-report-due",
                f"report to the {ico}: {format_hours(state.hours_left or 0)} left "
                f"(by {format_in_zone(state.deadline, tz)})", breach, "ico_notified_at")
        if needs_countdown(values) and state.status == OVERDUE:
            add(HIGH, "breach-overdue",
                f"not reported within {notification_hours()} hours (deadline "
                f"{format_in_zone(state.deadline, tz)}): report to the {ico} now and record the "
                "reasons for the delay", breach, "ico_notified_at")
        if state.status == NOTIFIED_LATE and not values.get("delay_reasons"):
            add(HIGH, "breach-late-no-reasons",
                f"reported after {format_hours(state.hours_taken or 0)} without the reasons for "
                "the delay (Art 33(1))", breach, "delay_reasons")
        if outcome(values) == REPORT_AND_TELL and not _told_or_exempt(values):
            add(MEDIUM, "breach-individuals-not-told",
                "high risk: tell the people affected (Art 34) or record the exemption relied on",
                breach, "individuals_told_at")
        if is_open and not values.get("containment"):
            add(MEDIUM, "breach-no-containment",
                "open with no containment recorded: what was done to stop it or limit the harm?",
                breach, "containment")
        if not is_open and not values.get("lessons_learned"):
            add(LOW, "breach-no-lessons", "closed without lessons learned", breach, "lessons_learned")
    return result
