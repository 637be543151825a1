"""Processors and retention rules seen from their side: linked activities, presets, due dates.

The link itself lives on the activity (`processors`, `retention_rules`), so the same link shows
from both sides and archiving either side hides it without deleting it (restoring shows it again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dpo_tui.domain import registers
from dpo_tui.domain import retention as rules
from dpo_tui.domain.organisation import year_end
from dpo_tui.domain.records import Record
from dpo_tui.domain.schema import LINK
from dpo_tui.services import records
from dpo_tui.services.workspace import Workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError

ACTIVITY = "activity"


def activities_for(ws: Workspace, record_id: str) -> list[Record]:
    """Live activities that link this processor or retention rule, in reference order."""
    seen: dict[str, Record] = {}
    for _field, source in records.linked_from(ws, record_id):
        if source.register == ACTIVITY and source.id not in seen:
            seen[source.id] = source
    return list(seen.values())


def link_field_for(register: str) -> str:
    """The activity field that links records of `register` (processors, retention_rules)."""
    for f in registers.schema(ACTIVITY).link_fields:
        if f.target == register:
            return f.name
    raise StorageError(f"Activities cannot link to the {register} register")


def link_activities(ws: Workspace, record_id: str, field_name: str,
                    activity_ids: list[str]) -> None:
    """Make exactly these activities link the record (others that did are unlinked).

    Each changed activity gets its own history entry. Only live activities of the record's own
    organisation can be chosen; archived ones keep their links untouched.
    """
    target = records.get(ws, record_id)
    f = registers.schema(ACTIVITY).field(field_name)
    if f.kind != LINK or f.target != target.register:
        raise StorageError(f"{f.label} does not link to {target.ref}")
    for activity_id in activity_ids:
        activity = repo.get_record(ws.db, activity_id)
        if activity.register != ACTIVITY or activity.org_id != target.org_id:
            raise StorageError(f"{activity.ref or activity_id} is not an activity of this organisation")
        if activity.archived:
            raise StorageError(f"{activity.ref} is archived; restore it before linking")
    records.set_links_from(ws, record_id, ACTIVITY, field_name, list(dict.fromkeys(activity_ids)))


def apply_preset(values: dict[str, Any], preset_key: str) -> dict[str, Any]:
    """A retention rule draft filled from a preset (data/retention_presets.json); not saved."""
    try:
        return rules.apply_preset(values, preset_key)
    except KeyError as exc:
        raise StorageError(exc.args[0]) from None


@dataclass(frozen=True)
class RetentionDates:
    """One rule's dates as of a day: what is due for disposal now, and the next batch."""

    record: Record
    as_of: date
    period: str  # "6 years from the end of the financial year", or the criteria
    cutoff: date | None  # records whose trigger date is before this are due for disposal
    next_disposal: date | None  # year-end triggers only
    disposal_year_end: date | None  # the year whose records fall due on next_disposal

    def as_dict(self) -> dict[str, Any]:
        values = self.record.values
        return {
            "ref": self.record.ref,
            "category": values.get("category") or "",
            "period": self.period,
            "trigger": values.get("trigger"),
            "end_action": values.get("end_action"),
            "as_of": self.as_of.isoformat(),
            "cutoff": self.cutoff.isoformat() if self.cutoff else None,
            "next_disposal": self.next_disposal.isoformat() if self.next_disposal else None,
            "disposal_year_end": (self.disposal_year_end.isoformat()
                                  if self.disposal_year_end else None),
        }


def retention_dates(ws: Workspace, org_id: str) -> list[RetentionDates]:
    """Every live rule's cut-off and next disposal date as of the workspace clock."""
    org = repo.get_organisation(ws.db, org_id)
    fy_end = year_end(org.values)
    today = ws.clock.today()
    result = []
    for rule in records.list_records(ws, org_id, rules.REGISTER):
        dates = rules.rule_dates(rule.values, today, fy_end)
        result.append(RetentionDates(
            record=rule, as_of=today, period=rules.describe_period(rule.values),
            cutoff=dates.cutoff, next_disposal=dates.next_disposal,
            disposal_year_end=dates.disposal.year_end if dates.disposal else None,
        ))
    return result
