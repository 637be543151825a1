"""The retention schedule: how long each kind of record is kept, why, and what happens at the end.

UK GDPR Art 5(1)(e) (storage limitation) and Art 30(1)(f); ICO guidance on retention schedules.
Which activities a rule covers is recorded on the activity (its `retention_rules` link field).

Calendar rule used throughout (python-dateutil `relativedelta`): adding or taking away months or
years keeps the day of the month, and when the target month has no such day (31 April, 29 February
in a common year) it uses the last day of that month. So 29 Feb 2024 - 1 year = 28 Feb 2023 and
31 Mar 2025 - 1 month = 28 Feb 2025. This matches the ICO's one-month rule for access requests.
Because of it a record is never due for disposal before its full period has passed; at a month
end it may fall due a day or three later than a naive count would say.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from dpo_tui.domain import schema as s
from dpo_tui.domain import vocab
from dpo_tui.domain.dates import months_after
from dpo_tui.domain.organisation import year_end as organisation_year_end
from dpo_tui.domain.records import MEDIUM, Finding, Record, Snapshot
from dpo_tui.paths import data_dir

if TYPE_CHECKING:
    from dateutil.relativedelta import relativedelta

REGISTER = "retention"
PRESETS_FILE = "retention_presets"

UNITS = (("days", "Days"), ("months", "Months"), ("years", "Years"))
TRIGGERS = (
    ("creation", "Creation of the record"),
    ("last-interaction", "Last interaction"),
    ("end-of-contract", "End of the contract"),
    ("end-of-employment", "End of employment"),
    ("end-of-financial-year", "End of the financial year"),
    ("end-of-tax-year", "End of the tax year (5 April)"),
    ("event", "Another event (describe it in the criteria)"),
)
# How a period reads after its number: "6 years from the end of the financial year".
TRIGGER_PHRASES = {
    "creation": "from creation",
    "last-interaction": "from the last interaction",
    "end-of-contract": "from the end of the contract",
    "end-of-employment": "from the end of employment",
    "end-of-financial-year": "from the end of the financial year",
    "end-of-tax-year": "from the end of the tax year (5 April)",
    "event": "from the event in the criteria",
}
FINANCIAL_YEAR_END = "end-of-financial-year"
TAX_YEAR_END = "end-of-tax-year"
YEAR_END_TRIGGERS = {FINANCIAL_YEAR_END, TAX_YEAR_END}

JUSTIFICATION_TYPES = (
    ("statute", "Law, regulation or official guidance (cite it)"),
    ("business", "Business reason"),
)
END_ACTIONS = (
    ("delete", "Delete or destroy"),
    ("anonymise", "Anonymise"),
    ("archive", "Archive"),
    ("review", "Review"),
)
ACTIVITY_LIVE_STATUSES = {"active", "draft"}
DEFAULT_REVIEW_MONTHS = 12  # ICO: review the schedule regularly

RULE = "Rule"
PERIOD = "Period"
WHY = "Justification"
REVIEW = "Ownership and review"


def _vocabulary_if_present(name: str) -> str | None:
    """Suggest from a shared vocabulary when it ships; the field takes free text either way."""
    return name if (data_dir() / "vocabularies" / f"{name}.json").is_file() else None


def _check_period(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    number, unit = values.get("period_number"), values.get("period_unit")
    if number is not None and not unit:
        return {"period_unit": "Choose days, months or years for the period"}
    if unit and number is None:
        return {"period_number": "Give the number of " + unit}
    if number == 0:
        return {"period_number": "The period must be at least 1"}
    return {}


def _warn_no_period(values: dict[str, Any], ctx: s.ValidationContext) -> dict[str, str]:
    if values.get("period_number") is None and not values.get("criteria"):
        return {"period_number": "No period and no criteria: say how long the records are kept"}
    return {}


SCHEMA = s.RegisterSchema(
    name=REGISTER,
    title="Retention schedule",
    singular="retention rule",
    ref_prefix="RR",
    title_field="category",
    fields=(
        s.Field("category", "Record or data category", section=RULE, required=True, in_table=True,
                help="e.g. 'Payroll records', 'Enquiries and trial lesson requests'."),
        s.Field("systems", "Systems and locations", s.TAGS, section=RULE,
                vocabulary=_vocabulary_if_present("locations"),
                help="Where these records are kept, e.g. 'Xero; locked filing cabinet'."),
        s.Field("period_number", "Period", s.INT, section=PERIOD, in_table=True),
        s.Field("period_unit", "Unit", s.CHOICE, section=PERIOD, choices=UNITS, in_table=True),
        s.Field("trigger", "Counted from", s.CHOICE, section=PERIOD, choices=TRIGGERS,
                in_table=True,
                help="Year-end triggers use the organisation's financial year end, or 5 April."),
        s.Field("criteria", "Criteria", s.LONGTEXT, section=PERIOD,
                help="When no fixed number fits, or to qualify it: how the end is decided."),
        s.Field("justification_type", "Justification type", s.CHOICE, section=WHY,
                choices=JUSTIFICATION_TYPES),
        s.Field("justification", "Justification", s.LONGTEXT, section=WHY,
                help="The law with its citation, or the business reason for the period."),
        s.Field("end_action", "At the end", s.CHOICE, section=WHY, choices=END_ACTIONS,
                default="delete", in_table=True),
        s.Field("owner", "Owner", section=REVIEW),
        s.Field("last_review", "Last review", s.DATE, section=REVIEW),
        s.Field("next_review", "Next review", s.DATE, section=REVIEW, in_table=True,
                help="Left empty, it is due 12 months after the last review."),
        s.Field("preset", "Preset used", section=REVIEW,
                help="Filled in when the rule was started from a preset."),
    ),
    checks=(_check_period,),
    warnings=(_warn_no_period,),
)


# ---------------------------------------------------------------- calendar arithmetic


def period_delta(number: int, unit: str) -> relativedelta:
    """The period as a python-dateutil relativedelta (the rule `shift` follows)."""
    from dateutil.relativedelta import relativedelta

    if unit not in ("days", "months", "years"):
        raise ValueError(f"unknown period unit {unit!r}")
    return relativedelta(**{unit: number})


def shift(day: date, number: int, unit: str) -> date:
    """`day` moved by `number` units (negative: back), by the rule in the module docstring:
    the same as `day + period_delta(number, unit)`, without building a relativedelta."""
    if unit == "days":
        return day + timedelta(days=number)
    if unit == "months":
        return months_after(day, number)
    if unit == "years":
        return months_after(day, 12 * number)
    raise ValueError(f"unknown period unit {unit!r}")


def cutoff_date(as_of: date, number: int, unit: str) -> date:
    """Records whose trigger date is before this date are due for disposal as of `as_of`.

    The cut-off is `as_of` minus the period, with the month-end rule in the module docstring.
    """
    return shift(as_of, -number, unit)


def clamp_to_month(year: int, month: int, day: int) -> date:
    """The date, or the last day of the month when the month is shorter (29 Feb, 31 Apr)."""
    return date(year, month, min(day, monthrange(year, month)[1]))


def year_end_on_or_before(d: date, month: int, day: int) -> date:
    """The latest year end (month, day) on or before `d`.

    A year end of 29 February falls on 28 February in common years; 31 April on 30 April.
    """
    this_year = clamp_to_month(d.year, month, day)
    return this_year if this_year <= d else clamp_to_month(d.year - 1, month, day)


def first_due_date(trigger_date: date, number: int, unit: str) -> date:
    """The first day on which a record with this trigger date is before the cut-off.

    Usually the day after trigger + period; at month ends the clamping can push it a few days on.
    """
    candidate = shift(trigger_date, number, unit) + timedelta(days=1)
    while cutoff_date(candidate, number, unit) <= trigger_date:
        candidate += timedelta(days=1)
    return candidate


def tax_year_end() -> tuple[int, int]:
    """(month, day) of the UK tax year end: 5 April (data/retention_presets.json)."""
    end = vocab.load(PRESETS_FILE)["uk_tax_year_end"]
    return int(end["month"]), int(end["day"])


def year_end_for(trigger: str | None, fy_end: tuple[int, int]) -> tuple[int, int] | None:
    """(month, day) of the year end a trigger counts from; None for other triggers."""
    if trigger == FINANCIAL_YEAR_END:
        return fy_end
    if trigger == TAX_YEAR_END:
        return tax_year_end()
    return None


@dataclass(frozen=True)
class Disposal:
    """On `date`, records of the year that ended on `year_end` pass the cut-off."""

    date: date
    year_end: date


@lru_cache(maxsize=1024)  # the schedule repeats a few periods and triggers; the dashboard asks often
def next_disposal(as_of: date, number: int | None, unit: str | None, trigger: str | None,
                  fy_end: tuple[int, int]) -> Disposal | None:
    """For year-end triggers, the next date (on or after `as_of`) on which a whole year's records
    fall due, and which year. None for other triggers or when no period is set."""
    end = year_end_for(trigger, fy_end)
    if end is None or number is None or not unit:
        return None
    cutoff = cutoff_date(as_of, number, unit)
    candidates = []
    for year in range(cutoff.year - 1, cutoff.year + 3):
        closed = clamp_to_month(year, *end)
        due = first_due_date(closed, number, unit)
        if due >= as_of:
            candidates.append(Disposal(due, closed))
    return min(candidates, key=lambda d: d.date)


def next_disposal_date(as_of: date, number: int | None, unit: str | None, trigger: str | None,
                       fy_end: tuple[int, int]) -> date | None:
    found = next_disposal(as_of, number, unit, trigger, fy_end)
    return found.date if found else None


def quarter_end(d: date) -> date:
    """Last day of the calendar quarter containing `d`."""
    last_month = 3 * ((d.month - 1) // 3) + 3
    return clamp_to_month(d.year, last_month, 31)


@dataclass(frozen=True)
class RuleDates:
    cutoff: date | None
    disposal: Disposal | None

    @property
    def next_disposal(self) -> date | None:
        return self.disposal.date if self.disposal else None


def rule_dates(values: dict[str, Any], as_of: date, fy_end: tuple[int, int]) -> RuleDates:
    """The cut-off (any rule with a period) and next disposal (year-end triggers) as of a date."""
    number, unit = values.get("period_number"), values.get("period_unit")
    if number is None or not unit:
        return RuleDates(None, None)
    return RuleDates(cutoff_date(as_of, number, unit),
                     next_disposal(as_of, number, unit, values.get("trigger"), fy_end))


def describe_period(values: dict[str, Any]) -> str:
    """'6 years from the end of the financial year', or the criteria when no number is set."""
    number, unit = values.get("period_number"), values.get("period_unit")
    if number is not None and unit:
        text = f"{number} {unit[:-1] if number == 1 else unit}"
        trigger = TRIGGER_PHRASES.get(values.get("trigger") or "")
        return f"{text} {trigger}" if trigger else text
    return values.get("criteria") or ""


# ---------------------------------------------------------------- presets


def presets() -> list[dict[str, Any]]:
    """Common UK retention periods (REGULATORY §4), each with its source and citation."""
    return list(vocab.load(PRESETS_FILE)["presets"])


def preset(key: str) -> dict[str, Any]:
    for item in presets():
        if item["key"] == key:
            return item
    known = ", ".join(p["key"] for p in presets())
    raise KeyError(f"No retention preset '{key}'. Presets: {known}")


def apply_preset(values: dict[str, Any], key: str) -> dict[str, Any]:
    """A draft with the preset's period, trigger, justification and end action filled in.

    The category is kept when one was typed; the rest comes from the preset.
    """
    chosen = preset(key)
    justification = f"{chosen['summary']}. {chosen['citation']}. Source: {chosen['source']}"
    return {
        **values,
        "category": values.get("category") or chosen["category"],
        "period_number": chosen["period_number"],
        "period_unit": chosen["period_unit"],
        "trigger": chosen["trigger"],
        "justification_type": chosen["justification_type"],
        "justification": justification,
        "end_action": chosen["end_action"],
        "preset": key,
    }


# ---------------------------------------------------------------- findings


def next_review_due(values: dict[str, Any], months: int = DEFAULT_REVIEW_MONTHS) -> date | None:
    """As recorded, else `months` after the last review; None when never reviewed."""
    if values.get("next_review"):
        return date.fromisoformat(values["next_review"])
    if values.get("last_review"):
        return months_after(date.fromisoformat(values["last_review"]), months)
    return None


def activities_without_rule(snapshot: Snapshot) -> list[Record]:
    """Live activities with no live retention rule linked and no retention note (Art 30(1)(f)).

    An archived rule does not count: the snapshot holds live records only.
    """
    rule_ids = {r.id for r in snapshot.of(REGISTER)}
    found = []
    for activity in snapshot.of("activity"):
        status = activity.get("status")
        if status and status not in ACTIVITY_LIVE_STATUSES:
            continue
        linked = [i for i in activity.get("retention_rules", []) if i in rule_ids]
        note = str(activity.get("retention_note", "")).strip()
        if not linked and not note:
            found.append(activity)
    return found


def _end_action(values: dict[str, Any]) -> str:
    return dict(END_ACTIONS).get(values.get("end_action") or "delete", "delete").lower()


def findings(snapshot: Snapshot) -> list[Finding]:
    today = snapshot.today
    fy_end = organisation_year_end(snapshot.org.values)
    result: list[Finding] = []
    # An activity without a rule ("activity-no-retention") is reported by the activity register,
    # which applies the same test as activities_without_rule(); raising it here too would
    # list it twice.
    for rule in snapshot.of(REGISTER):
        values = rule.values
        name = values.get("category") or rule.ref
        if not str(values.get("justification") or "").strip():
            result.append(Finding(MEDIUM, "retention-no-justification",
                                  f"{name}: no justification for the retention period",
                                  REGISTER, rule.id, rule.ref, "justification"))
        due = next_review_due(values)
        if due and due < today:
            result.append(Finding(MEDIUM, "retention-review-overdue",
                                  f"{name}: review overdue since {due.isoformat()}",
                                  REGISTER, rule.id, rule.ref, "next_review"))
        disposal = rule_dates(values, today, fy_end).disposal
        if disposal and disposal.date <= quarter_end(today):
            result.append(Finding(
                MEDIUM, "retention-disposal-due",
                f"{name}: records of the year ended {disposal.year_end.isoformat()} are due for "
                f"disposal ({_end_action(values)}) from {disposal.date.isoformat()}",
                REGISTER, rule.id, rule.ref, "period_number"))
    return result
