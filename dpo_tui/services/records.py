"""Saving, archiving, restoring, copying and reading records of any register, with history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dpo_tui.clock import shown_local
from dpo_tui.domain import registers
from dpo_tui.domain.records import Finding, Record, Snapshot
from dpo_tui.domain.schema import (
    DATETIME,
    LINK,
    RegisterSchema,
    Validation,
    ValidationContext,
    display,
    validate,
)
from dpo_tui.services.workspace import Workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError


class ValidationFailed(ValueError):
    """Raised with the field errors when a save is refused; nothing was written."""

    def __init__(self, validation: Validation):
        self.validation = validation
        first = next(iter(validation.errors.values()), "invalid")
        super().__init__(first if len(validation.errors) == 1
                         else f"{first} (and {len(validation.errors) - 1} more)")

    @property
    def errors(self) -> dict[str, str]:
        return self.validation.errors


@dataclass
class Saved:
    record: Record
    warnings: dict[str, str] = field(default_factory=dict)


def context_for(ws: Workspace, org_id: str) -> ValidationContext:
    org = repo.get_organisation(ws.db, org_id)
    return ValidationContext(timezone=org.values.get("timezone") or "Europe/London",
                             today=ws.clock.today())


def check(ws: Workspace, org_id: str, register: str, raw: dict[str, Any]) -> Validation:
    return validate(registers.schema(register), raw, context_for(ws, org_id))


def save(ws: Workspace, org_id: str, register: str, raw: dict[str, Any], *,
         record_id: str | None = None, note: str = "", ref: str | None = None) -> Saved:
    """Validate and write one record (insert when record_id is None). Raises ValidationFailed.

    Keys left out of `raw` keep their current value (or the field's default for a new record).
    """
    schema = registers.schema(register)
    if record_id is None:
        base = schema.defaults()
    else:
        existing = repo.get_record(ws.db, record_id, schema)
        if existing.archived:
            raise StorageError(f"{existing.ref} is archived; restore it before editing")
        base = existing.values
    result = validate(schema, {**base, **raw}, context_for(ws, org_id))
    if not result.ok:
        raise ValidationFailed(result)
    ensure_writable(ws)
    hook = getattr(registers.module(register), "before_save", None)
    values = hook(result.values, ws.clock.now()) if hook else result.values
    if record_id is None:
        year = ref_year(schema, values, ws, org_id)
        record = repo.insert_record(ws.db, org_id, schema, values, at=ws.now_iso(), actor=ws.actor,
                                    ref_year=year, note=note, ref=ref)
    else:
        record = repo.update_record(ws.db, record_id, schema, values, at=ws.now_iso(),
                                    actor=ws.actor, note=note)
    return Saved(record, result.warnings)


def ref_year(schema: RegisterSchema, values: dict[str, Any], ws: Workspace, org_id: str) -> int | None:
    """Registers numbered per year (breaches: BR-2026-003) take the year from their module,
    in the organisation's time zone (a breach at 00:30 on 1 January in London is that year's)."""
    year_of = getattr(registers.module(schema.name), "ref_year", None)
    if year_of is None:
        return None
    timezone = repo.get_organisation(ws.db, org_id).values.get("timezone") or "Europe/London"
    return year_of(values, ws.clock.now(), timezone)


def ensure_writable(ws: Workspace) -> None:
    if ws.read_only:
        from dpo_tui.storage.db import ReadOnlyDatabase, readonly_message

        raise ReadOnlyDatabase(readonly_message(ws.path))


def archive(ws: Workspace, record_id: str, reason: str) -> Record:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(Validation({}, {"reason": "Give a reason for archiving"}))
    ensure_writable(ws)
    record = repo.get_record(ws.db, record_id)
    refusal = getattr(registers.module(record.register), "archive_refusal", None)
    if refusal and (message := refusal(record)):
        raise StorageError(message)
    return repo.set_archived(ws.db, record_id, archived=True, reason=reason, at=ws.now_iso(),
                             actor=ws.actor)


def restore(ws: Workspace, record_id: str) -> Record:
    ensure_writable(ws)
    return repo.set_archived(ws.db, record_id, archived=False, reason="", at=ws.now_iso(),
                             actor=ws.actor)


def copy_values(ws: Workspace, record_id: str) -> dict[str, Any]:
    """A draft for a new record with the same values (the caller saves it)."""
    record = repo.get_record(ws.db, record_id)
    schema = registers.schema(record.register)
    values = dict(record.values)
    title = schema.title_field
    if values.get(title):
        values[title] = f"{values[title]} (copy)"
    if "status" in values and any(v == "draft" for v, _ in schema.field("status").choices):
        values["status"] = "draft"
    return values


def get(ws: Workspace, record_id: str) -> Record:
    return repo.get_record(ws.db, record_id)


def list_records(ws: Workspace, org_id: str, register: str, *, archived: bool = False,
                 text: str = "", limit: int | None = None) -> list[Record]:
    return repo.list_records(ws.db, org_id, registers.schema(register), archived=archived,
                             terms=filter_terms(text), limit=limit)


def search(ws: Workspace, org_id: str, register: str, *, archived: bool = False, text: str = "",
           limit: int = 200) -> tuple[list[Record], int]:
    """Filter-as-you-type: a bounded window of matches and the total, in one query."""
    return repo.search_records(ws.db, org_id, registers.schema(register), archived=archived,
                               terms=filter_terms(text), limit=limit)


def count(ws: Workspace, org_id: str, register: str, *, archived: bool = False, text: str = "") -> int:
    return repo.count_records(ws.db, org_id, register, archived=archived, terms=filter_terms(text))


def filter_terms(text: str) -> list[str]:
    return [t for t in text.casefold().split() if t]


def linked_from(ws: Workspace, record_id: str) -> list[tuple[str, Record]]:
    return repo.linked_from(ws.db, record_id)


def set_links_from(ws: Workspace, target_id: str, source_register: str, field_name: str,
                   source_ids: list[str]) -> None:
    """Link a record from the other side: e.g. choose a processor's activities.

    Each source record whose link list changes is updated (and its history written), so the
    link looks the same from both sides.
    """
    schema = registers.schema(source_register)
    target = repo.get_record(ws.db, target_id)
    wanted = set(source_ids)
    current = {r.id for f, r in repo.linked_from(ws.db, target_id) if f == field_name
               and r.register == source_register}
    ensure_writable(ws)
    with repo.transaction(ws.db):
        for source_id in wanted | current:
            source = repo.get_record(ws.db, source_id, schema)
            links = list(source.values.get(field_name) or [])
            if source_id in wanted and target_id not in links:
                links.append(target_id)
            elif source_id not in wanted and target_id in links:
                links.remove(target_id)
            else:
                continue
            repo.update_record(ws.db, source_id, schema, {field_name: links}, at=ws.now_iso(),
                               actor=ws.actor, note=f"linked from {target.ref}")


def snapshot(ws: Workspace, org_id: str) -> Snapshot:
    """Everything live for one organisation, as findings, deadlines and reports need it."""
    org = repo.get_organisation(ws.db, org_id)
    records = repo.live_records(ws.db, org_id,
                                {name: registers.schema(name) for name in registers.available()})
    return Snapshot(org=org, records=records, as_of=ws.clock.now())


def findings(ws: Workspace, org_id: str, snap: Snapshot | None = None) -> list[Finding]:
    return registers.findings(snap or snapshot(ws, org_id))


def findings_by_record(found: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for f in found:
        if f.record_id:
            grouped.setdefault(f.record_id, []).append(f)
    return grouped


def ref_names(ws: Workspace, ids: list[str]) -> dict[str, str]:
    """id -> 'REF title' for showing links and history."""
    names = {}
    for record_id in ids:
        try:
            record = repo.get_record(ws.db, record_id)
        except StorageError:
            names[record_id] = f"(unknown {record_id[:8]})"
            continue
        schema = registers.schema(record.register)
        label = f"{record.ref} {record.values.get(schema.title_field) or ''}".strip()
        names[record_id] = label + (" (archived)" if record.archived else "")
    return names


def describe_value(ws: Workspace, schema: RegisterSchema, name: str, value: Any,
                   timezone: str = "Europe/London") -> str:
    """A value as a person reads it: choices by label, links by reference, instants in local time."""
    try:
        f = schema.field(name)
    except KeyError:
        return "" if value is None else str(value)
    if f.kind == LINK and value:
        names = ref_names(ws, list(value))
        return "; ".join(names[i] for i in value)
    if f.kind == DATETIME and value:
        return shown_local(value, timezone)
    return display(f, value)


def history_lines(ws: Workspace, record_id: str) -> list[dict[str, str]]:
    """History of one record for display: when, who, what, and each field's before -> after."""
    entries = repo.history(ws.db, record_id)
    lines = []
    for e in entries:
        schema = registers.schema(e.register)
        changes = []
        for name, (before, after) in e.changes.items():
            label = schema.field(name).label if name in schema.field_names else name
            changes.append({
                "field": label,
                "before": describe_value(ws, schema, name, before),
                "after": describe_value(ws, schema, name, after),
            })
        lines.append({"at": e.at, "actor": e.actor, "action": e.action, "note": e.note,
                      "changes": changes})
    return lines


def today(ws: Workspace) -> date:
    return ws.clock.today()
