"""Actions: the small register of things to do that reviews and findings raise (ICO: accountability)."""

from __future__ import annotations

from datetime import date

from dpo_tui.domain import schema as s
from dpo_tui.domain.records import HIGH, MEDIUM, Finding, Snapshot

STATUSES = (("open", "Open"), ("in-progress", "In progress"), ("done", "Done"), ("dropped", "Dropped"))
OPEN_STATUSES = {"open", "in-progress"}

SCHEMA = s.RegisterSchema(
    name="action",
    title="Actions",
    singular="action",
    ref_prefix="AC",
    title_field="what",
    fields=(
        s.Field("what", "What needs doing", section="Action", required=True, in_table=True),
        s.Field("owner", "Owner", section="Action", in_table=True),
        s.Field("due", "Due date", s.DATE, section="Action", in_table=True),
        s.Field("status", "Status", s.CHOICE, section="Action", choices=STATUSES, default="open",
                required=True, in_table=True),
        s.Field("source", "Raised from", section="Action",
                help="The record, finding or review that raised it."),
        s.Field("notes", "Notes", s.LONGTEXT, section="Action"),
    ),
)


def is_open(values: dict) -> bool:
    return values.get("status") in OPEN_STATUSES


def findings(snapshot: Snapshot) -> list[Finding]:
    result = []
    for action in snapshot.of("action"):
        due = action.get("due")
        if is_open(action.values) and due and date.fromisoformat(due) < snapshot.today:
            result.append(Finding(HIGH if (snapshot.today - date.fromisoformat(due)).days > 30 else MEDIUM,
                                  "action-overdue", f"Action overdue since {due}: {action.get('what')}",
                                  "action", action.id, action.ref, "due"))
    return result
