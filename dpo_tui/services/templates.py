"""Starter templates: typical processing activities per kind of business, added as drafts.

A template (data/templates/<name>.json, shape in data/templates/README.md) proposes activities
and, by name, the processors and retention rules they use. Everything added is a draft for the
person to confirm: a template is a starting point, not a finished record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dpo_tui.domain import registers
from dpo_tui.domain.records import Record
from dpo_tui.paths import data_dir
from dpo_tui.services import records
from dpo_tui.services.workspace import Workspace
from dpo_tui.storage import repository as repo

# Statuses that mean "not yet confirmed", in the order they are tried on a register.
UNCONFIRMED_STATUSES = ("draft", "proposed")


class TemplateError(ValueError):
    """An unknown template or activity name; the message lists what exists."""


@dataclass(frozen=True)
class TemplateInfo:
    name: str
    label: str
    description: str
    activity_count: int


@dataclass
class TemplateSummary:
    """What one use of a template did, for the CLI and the app to report."""

    template: str
    activities: list[Record] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # purposes already recorded
    processors: list[Record] = field(default_factory=list)
    retention: list[Record] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)  # existing records linked instead
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Added {len(self.activities)} draft activities from '{self.template}'."]
        out += [f"  {r.ref} {r.values.get('purpose')}" for r in self.activities]
        if self.processors:
            out.append(f"Proposed {len(self.processors)} processors: "
                       + ", ".join(r.values.get("legal_name", r.ref) for r in self.processors))
        if self.retention:
            out.append(f"Proposed {len(self.retention)} retention rules: "
                       + ", ".join(r.values.get("category", r.ref) for r in self.retention))
        if self.reused:
            out.append("Linked existing: " + ", ".join(self.reused))
        if self.skipped:
            out.append("Already recorded, not added again: " + ", ".join(self.skipped))
        out += [f"Warning: {w}" for w in self.warnings]
        return out


def templates_dir() -> Path:
    return data_dir() / "templates"


def _read(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def list_templates() -> list[TemplateInfo]:
    infos = []
    for path in sorted(templates_dir().glob("*.json")):
        doc = _read(path)
        infos.append(TemplateInfo(path.stem, doc.get("label", path.stem), doc.get("description", ""),
                                  len(doc.get("activities", []))))
    return infos


def load_template(name: str) -> dict[str, Any]:
    """The template called `name` (only names from the list: never a path someone typed)."""
    known = {info.name: info for info in list_templates()}
    wanted = (name or "").strip().casefold().replace("-", "_")
    if wanted not in known:
        raise TemplateError(f"No template called '{name}'. Templates: {', '.join(known) or 'none'}")
    return _read(templates_dir() / f"{wanted}.json")


def _choose(doc: dict[str, Any], only: list[str] | None) -> list[dict[str, Any]]:
    activities = doc.get("activities", [])
    if not only:
        return activities
    wanted = {o.strip().casefold() for o in only if o.strip()}
    chosen = [a for a in activities
              if a.get("key", "").casefold() in wanted or a.get("purpose", "").casefold() in wanted]
    found = {a.get("key", "").casefold() for a in chosen} | {a.get("purpose", "").casefold() for a in chosen}
    unknown = sorted(wanted - found)
    if unknown:
        keys = ", ".join(a.get("key", "") for a in activities)
        raise TemplateError(f"Template '{doc.get('name')}' has no activity {', '.join(unknown)}. "
                            f"Activities: {keys}")
    return chosen


def _unconfirmed_status(register: str) -> str | None:
    schema = registers.schema(register)
    if "status" not in schema.field_names:
        return None
    values = {v for v, _ in schema.field("status").choices}
    return next((s for s in UNCONFIRMED_STATUSES if s in values), None)


def _propose(ws: Workspace, org_id: str, register: str, name_field: str, proposal_key: str,
             proposals: list[dict[str, Any]], summary: TemplateSummary,
             created: list[Record]) -> dict[str, str]:
    """Create (or find by name) each proposed record; returns folded name -> id."""
    schema = registers.schema(register)
    ids = {(r.values.get(name_field) or "").casefold(): r.id
           for r in records.list_records(ws, org_id, register)}
    found: dict[str, str] = {}
    status = _unconfirmed_status(register)
    for item in proposals:
        name = (item.get(proposal_key) or "").strip()
        if not name:
            continue
        key = name.casefold()
        if key in ids:
            found[key] = ids[key]
            made_now = any(r.id == ids[key] for r in created)
            if not made_now and name not in summary.reused:
                summary.reused.append(name)
            continue
        values = {k: v for k, v in item.items() if k in schema.field_names}
        values[name_field] = name
        if status:
            values["status"] = status
        try:
            saved = records.save(ws, org_id, register, values, note="proposed by a starter template")
        except records.ValidationFailed as exc:
            summary.warnings.append(f"{schema.singular} '{name}' not added: {exc}")
            continue
        ids[key] = found[key] = saved.record.id
        created.append(saved.record)
    return found


def _rule_text(rule: dict[str, Any]) -> str:
    """A proposed retention rule in words, for the activity's note when it cannot be linked."""
    period = " ".join(str(rule[k]) for k in ("period_number", "period_unit") if rule.get(k))
    start = rule.get("criteria") or (rule.get("trigger") or "").replace("-", " ")
    text = f"{rule.get('category', 'Records')}: {period}" + (f" from {start.rstrip('.')}" if start else "")
    return text + (f". {rule['justification']}" if rule.get("justification") else "")


def add_from_template(ws: Workspace, org_id: str, template_name: str,
                      only: list[str] | None = None) -> TemplateSummary:
    """Add a template's activities as drafts, with their proposed processors and retention rules.

    An activity whose purpose is already recorded (live) is skipped. Processors and retention
    rules are created only when their register is in this build; otherwise their names go into
    the activity's recipients and retention note, so nothing proposed is lost. All or nothing:
    one transaction.
    """
    doc = load_template(template_name)
    chosen = _choose(doc, only)
    summary = TemplateSummary(doc.get("name", template_name))
    available = set(registers.available())
    wanted_processors = {p for a in chosen for p in a.get("processors", [])}
    wanted_rules = {r for a in chosen for r in a.get("retention_rules", [])}
    proposed_processors = [p for p in doc.get("processors", [])
                           if not only or p.get("name") in wanted_processors]
    proposed_rules = [r for r in doc.get("retention", [])
                      if not only or r.get("category") in wanted_rules]
    rule_by_name = {r.get("category", "").casefold(): r for r in doc.get("retention", [])}

    with repo.transaction(ws.db):
        processor_ids: dict[str, str] = {}
        rule_ids: dict[str, str] = {}
        if "processor" in available:
            processor_ids = _propose(ws, org_id, "processor", "legal_name", "name",
                                     proposed_processors, summary, summary.processors)
        if "retention" in available:
            rule_ids = _propose(ws, org_id, "retention", "category", "category", proposed_rules,
                                summary, summary.retention)
        existing = {(r.values.get("purpose") or "").casefold()
                    for r in records.list_records(ws, org_id, "activity")}
        for proposal in chosen:
            purpose = proposal.get("purpose", "")
            if purpose.casefold() in existing:
                summary.skipped.append(purpose)
                continue
            values = _activity_values(proposal, processor_ids, rule_ids, rule_by_name)
            saved = records.save(ws, org_id, "activity", values,
                                 note=f"draft from the '{summary.template}' template")
            summary.activities.append(saved.record)
            existing.add(purpose.casefold())
    return summary


def _activity_values(proposal: dict[str, Any], processor_ids: dict[str, str],
                     rule_ids: dict[str, str], rule_by_name: dict[str, dict[str, Any]]) -> dict[str, Any]:
    values = {k: v for k, v in proposal.items() if k not in ("key", "processors", "retention_rules")}
    values["status"] = "draft"
    recipients = list(values.get("other_recipients", []))
    linked_processors = []
    for name in proposal.get("processors", []):
        if name.casefold() in processor_ids:
            linked_processors.append(processor_ids[name.casefold()])
        else:
            recipients.append(f"{name} (processor)")
    linked_rules, notes = [], []
    for name in proposal.get("retention_rules", []):
        if name.casefold() in rule_ids:
            linked_rules.append(rule_ids[name.casefold()])
        elif name.casefold() in rule_by_name:
            notes.append(_rule_text(rule_by_name[name.casefold()]))
        else:
            notes.append(name)
    values["other_recipients"] = recipients
    values["processors"] = linked_processors
    values["retention_rules"] = linked_rules
    if notes and not values.get("retention_note"):
        values["retention_note"] = "\n".join(notes)
    return values
