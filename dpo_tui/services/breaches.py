"""Breach use cases: log one in seconds, assess it, keep its timeline, report, close.

Each breach has an append-only timeline (the `timeline` table; triggers refuse UPDATE and
DELETE): actions, decisions, messages sent and assessments. A mistake is put right by a new
entry of kind "correction", never by editing. Breach records are never archived or deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dpo_tui.domain import breach_assessment, breaches
from dpo_tui.domain.breach_assessment import Assessment
from dpo_tui.domain.records import Record
from dpo_tui.domain.schema import (
    MAX_LONGTEXT,
    FieldError,
    Validation,
    clean_text,
    parse_datetime,
)
from dpo_tui.services import records
from dpo_tui.services.records import Saved, ValidationFailed
from dpo_tui.services.workspace import Workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError
from dpo_tui.storage.repository import TimelineEntry

REGISTER = "breach"
# Kinds a person adds; "assessment" entries come only from record_assessment.
ENTRY_KINDS = ("action", "decision", "message", "note", "correction")
ASSESSMENT = "assessment"
ALL_KINDS = (*ENTRY_KINDS, ASSESSMENT)


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(Validation({}, {field: message}))


def timezone_of(ws: Workspace, org_id: str) -> str:
    return repo.get_organisation(ws.db, org_id).values.get("timezone") or breaches.DEFAULT_TIMEZONE


def get_breach(ws: Workspace, breach_id: str) -> Record:
    record = repo.get_record(ws.db, breach_id)
    if record.register != REGISTER:
        raise StorageError(f"{record.ref} is not a breach")
    return record


def find(ws: Workspace, org_id: str, ref: str) -> Record:
    """A breach by reference (case-insensitive), e.g. br-2026-003."""
    record = repo.find_by_ref(ws.db, org_id, REGISTER, ref.strip().upper())
    if record is None:
        raise StorageError(f"No breach {ref.strip()} in this organisation (see `dpo-tui breach list`)")
    return record


def _instant(ws: Workspace, org_id: str, value: datetime | str | None, label: str,
             field: str) -> str:
    """A time typed in the organisation's zone (or an aware datetime) -> UTC ISO; None = now."""
    if value in (None, ""):
        return ws.now_iso()
    try:
        parsed = parse_datetime(value, timezone_of(ws, org_id))
    except FieldError as exc:
        raise _fail(field, f"{label} {exc}") from exc
    assert parsed is not None
    if parsed > ws.now_iso():
        raise _fail(field, f"{label} is in the future ({breaches.format_in_zone(parsed, timezone_of(ws, org_id))})")
    return parsed


# ---------------------------------------------------------------- logging a breach


def quick_add(ws: Workspace, org_id: str, what: str, aware_at: datetime | str | None = None,
              found_by: str = "", how_found: str = "") -> Record:
    """Three fields and the clock is running: the rest can wait until the incident allows."""
    aware = _instant(ws, org_id, aware_at, "Aware at", "aware_at")
    values = {"what_happened": what, "aware_at": aware, "found_by": found_by, "how_found": how_found}
    # Numbered by the year of becoming aware in the organisation's own zone.
    year = breaches.ref_year({"aware_at": aware}, ws.clock.now(), timezone_of(ws, org_id))
    schema = breaches.SCHEMA
    with repo.transaction(ws.db):
        ref = repo.next_ref(ws.db, org_id, schema, year)
        record = records.save(ws, org_id, REGISTER, values, ref=ref, note="breach logged").record
        due = breaches.format_in_zone(breaches.deadline(aware), timezone_of(ws, org_id))
        _append(ws, record, kind="action", at=ws.now_iso(),
                text=f"Breach logged. Aware at {breaches.format_in_zone(aware, timezone_of(ws, org_id))}; "
                     f"{breaches.notification_hours()}-hour deadline {due}.")
    return record


def _append(ws: Workspace, breach: Record, *, kind: str, text: str, at: str,
            data: dict[str, Any] | None = None, logged_at: str | None = None) -> TimelineEntry:
    records.ensure_writable(ws)
    return repo.append_timeline(ws.db, breach.org_id or "", breach.id or "", at=at,
                                logged_at=logged_at or ws.now_iso(), kind=kind, text=text,
                                actor=ws.actor, data=data)


# ---------------------------------------------------------------- the timeline


def add_timeline_entry(ws: Workspace, breach_id: str, text: str, kind: str = "note",
                       at: datetime | str | None = None, corrects: str | None = None) -> TimelineEntry:
    """Append one entry. `at` is when it happened (default now), typed in the org's zone.

    A correction may name the entry it corrects (`corrects` = that entry's uid); the original
    stays as it was.
    """
    breach = get_breach(ws, breach_id)
    if kind not in ENTRY_KINDS:
        raise _fail("kind", f"Entry kind must be one of: {', '.join(ENTRY_KINDS)}")
    try:
        text = clean_text(text, multiline=True, limit=MAX_LONGTEXT)
    except FieldError as exc:
        raise _fail("text", f"The entry {exc}") from exc
    if not text:
        raise _fail("text", "The entry is empty: say what was done, decided or sent")
    when = _instant(ws, breach.org_id or "", at, "The time of the entry", "at")
    data: dict[str, Any] = {}
    if corrects:
        if not any(e.uid == corrects for e in repo.timeline(ws.db, breach_id)):
            raise _fail("corrects", "The entry to correct is not in this breach's timeline")
        if kind != "correction":
            raise _fail("kind", "An entry that corrects another must be of kind 'correction'")
        data["corrects"] = corrects
    return _append(ws, breach, kind=kind, text=text, at=when, data=data)


def timeline(ws: Workspace, breach_id: str) -> list[TimelineEntry]:
    """Every entry, oldest first (by when it happened, then by when it was written)."""
    get_breach(ws, breach_id)
    return repo.timeline(ws.db, breach_id)


def assessments(ws: Workspace, breach_id: str) -> list[TimelineEntry]:
    """Each assessment kept, oldest first (it can be redone when the facts change)."""
    return [e for e in timeline(ws, breach_id) if e.kind == ASSESSMENT]


# ---------------------------------------------------------------- assessment, report, close


def record_assessment(ws: Workspace, breach_id: str, answers: dict[str, Any],
                      at: datetime | str | None = None) -> tuple[Assessment, Saved]:
    """Keep the assessment in the timeline and set the breach's outcome, in one transaction.

    Raises AssessmentIncomplete when an answer or reason is missing, ValidationFailed when the
    new outcome conflicts with the record (e.g. a closed breach that was never reported).
    """
    breach = get_breach(ws, breach_id)
    assessment = breach_assessment.assess(answers)
    when = _instant(ws, breach.org_id or "", at, "The time of the assessment", "at")
    with repo.transaction(ws.db):
        _append(ws, breach, kind=ASSESSMENT, at=when,
                text=f"Assessment: {assessment.outcome_label}.\n{assessment.reasons_text}",
                data={"answers": assessment.answers, "outcome": assessment.outcome})
        saved = records.save(ws, breach.org_id or "", REGISTER,
                             {"outcome": assessment.outcome,
                              "outcome_reasons": assessment.reasons_text},
                             record_id=breach_id, note="assessment")
    return assessment, saved


def mark_ico_notified(ws: Workspace, breach_id: str, at: datetime | str | None = None, *,
                      reference: str = "", report_type: str = "initial",
                      delay_reasons: str = "") -> Saved:
    """Record the report to the ICO; past 72 hours the reasons for delay are required."""
    breach = get_breach(ws, breach_id)
    when = _instant(ws, breach.org_id or "", at, f"{breaches.regulator()} notified at",
                    "ico_notified_at")
    changes: dict[str, Any] = {"ico_notified_at": when, "ico_report_type": report_type}
    if reference:
        changes["ico_reference"] = reference
    if delay_reasons:
        changes["delay_reasons"] = delay_reasons
    with repo.transaction(ws.db):
        saved = records.save(ws, breach.org_id or "", REGISTER, changes, record_id=breach_id,
                             note=f"reported to the {breaches.regulator()}")
        state = breaches.clock_state(saved.record.values, ws.clock.now())
        text = f"Reported to the {breaches.regulator()} ({dict(breaches.REPORT_TYPES).get(report_type, report_type).lower()})"
        if saved.record.values.get("ico_reference"):
            text += f", reference {saved.record.values['ico_reference']}"
        text += f": {state.describe(timezone_of(ws, breach.org_id or ''))}."
        _append(ws, saved.record, kind="message", at=when, text=text)
    return saved


def close(ws: Workspace, breach_id: str, *, lessons_learned: str = "",
          at: datetime | str | None = None) -> Saved:
    """Close a breach once its decision is carried out (validation says what is missing)."""
    breach = get_breach(ws, breach_id)
    when = _instant(ws, breach.org_id or "", at, "Closed at", "closed_at")
    changes: dict[str, Any] = {"closed_at": when}
    if lessons_learned:
        changes["lessons_learned"] = lessons_learned
    with repo.transaction(ws.db):
        saved = records.save(ws, breach.org_id or "", REGISTER, changes, record_id=breach_id,
                             note="closed")
        _append(ws, saved.record, kind="decision", at=when, text="Breach closed.")
    return saved


# ---------------------------------------------------------------- demo data


def load_demo_breaches(ws: Workspace, org_id: str, items: list[dict[str, Any]] | dict[str, Any],
                       ref_to_id: dict[str, str]) -> list[Record]:
    """Create the demo breaches from data/demo/breaches.json, with timelines and assessments.

    Each item: {"ref", "values", "links": {field: [refs]}, "assessments": [{"at", "answers"}],
    "timeline": [{"at", "kind", "text"}]}. Times are UTC ISO strings. The outcome comes from the
    last assessment; a file whose stated outcome disagrees is refused rather than loaded wrong.
    """
    if isinstance(items, dict):  # {"breaches": [...]} is accepted as well as a bare list
        items = items.get("breaches", [])
    created = []
    with repo.transaction(ws.db):
        for item in items:
            created.append(_load_one(ws, org_id, item, ref_to_id))
    return created


def _load_one(ws: Workspace, org_id: str, item: dict[str, Any], ref_to_id: dict[str, str]) -> Record:
    ref = item["ref"]
    values = dict(item.get("values", {}))
    for field, refs in item.get("links", {}).items():
        missing = [r for r in refs if r not in ref_to_id]
        if missing:
            raise ValueError(f"demo breach {ref}: unknown {field} {', '.join(missing)}")
        values[field] = [ref_to_id[r] for r in refs]
    done = [(a["at"], breach_assessment.assess(a["answers"])) for a in item.get("assessments", [])]
    if done:
        last = done[-1][1]
        if values.get("outcome", last.outcome) != last.outcome:
            raise ValueError(f"demo breach {ref}: outcome {values['outcome']} but the assessment "
                             f"gives {last.outcome}")
        values["outcome"] = last.outcome
        values.setdefault("outcome_reasons", last.reasons_text)
    record = records.save(ws, org_id, REGISTER, values, ref=ref, note="demo data").record
    entries = [(e["at"], e.get("kind", "note"), e["text"], {}) for e in item.get("timeline", [])]
    for at, assessment in done:
        entries.append((at, ASSESSMENT,
                        f"Assessment: {assessment.outcome_label}.\n{assessment.reasons_text}",
                        {"answers": assessment.answers, "outcome": assessment.outcome}))
    for at, kind, text, data in sorted(entries, key=lambda e: e[0]):
        if kind not in ALL_KINDS:
            raise ValueError(f"demo breach {ref}: unknown timeline kind {kind!r}")
        # Demo entries are shown as written at the time they describe.
        _append(ws, record, kind=kind, at=at, text=text, data=data, logged_at=at)
    return record
