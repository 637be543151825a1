"""What needs attention: the one list the TUI dashboard and `dpo-tui check` both show."""

from __future__ import annotations

from dataclasses import dataclass, field

from dpo_tui.domain import deadlines, registers, reviews
from dpo_tui.domain.deadlines import DueItem
from dpo_tui.domain.records import Finding, Record, Snapshot
from dpo_tui.services import organisations, records
from dpo_tui.services.workspace import Workspace


def due_items(ws: Workspace, org_id: str | None = None) -> list[DueItem]:
    """Everything due for one organisation, or for every organisation not archived, at the
    workspace clock, most urgent first."""
    now = ws.clock.now()
    orgs = [organisations.get(ws, org_id)] if org_id else organisations.all(ws)
    items: list[DueItem] = []
    for org in orgs:
        items.extend(deadlines.due_items(records.snapshot(ws, org.id or ""), now=now))
    return deadlines.sort_items(items)


@dataclass
class Overview:
    """The dashboard's content for one organisation."""

    org: Record
    items: list[DueItem]
    findings_by_register: dict[str, list[Finding]] = field(default_factory=dict)
    last_review: Record | None = None
    review_in_progress: Record | None = None
    next_review_due: str = ""  # ISO date
    counts: dict[str, int] = field(default_factory=dict)  # live records per register

    @property
    def urgent(self) -> list[DueItem]:
        return [i for i in self.items if i.urgent]


def register_order() -> list[str]:
    """Findings are grouped by register in this order: the profile first, then the registers."""
    return ["organisation", *registers.MODULES]


def overview(ws: Workspace, org_id: str, found: list[Finding] | None = None,
             snap: Snapshot | None = None) -> Overview:
    """Due items, findings per register and the review status, from one snapshot.

    `found` lets the TUI pass the findings it has cached for the same data.
    """
    snap = snap or records.snapshot(ws, org_id)
    items = deadlines.due_items(snap, now=ws.clock.now())
    found = found if found is not None else records.findings(ws, org_id, snap)
    grouped: dict[str, list[Finding]] = {}
    for name in register_order():
        in_register = [f for f in found if f.register == name]
        if in_register:
            grouped[name] = in_register
    for f in found:  # a register this build does not list: keep its findings visible
        if f.register not in grouped and f.register not in register_order():
            grouped.setdefault(f.register, []).append(f)
    today = deadlines.local_today(snap, ws.clock.now())
    due = reviews.review_due(snap, today)
    return Overview(org=snap.org, items=items, findings_by_register=grouped, last_review=due.last,
                    review_in_progress=due.current, next_review_due=due.due.isoformat(),
                    counts={name: len(snap.of(name)) for name in registers.available()})
