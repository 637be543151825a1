"""The demo organisation: a fictional children's music studio with a complete, realistic record.

Used by `dpo-tui demo`, the README screenshots and tests. Its data lives in data/demo/: one
file per register, each a JSON list of {"ref": ..., field: value}; link fields hold refs
("processors": ["PR-001"]) resolved to ids as the registers are inserted in order. A file that
does not exist yet, or whose register is not in this build, is skipped.

Refreshing never deletes: the old demo's records are archived ("demo refreshed") and the old
organisation with them, then a new one is created. A new organisation is needed because
references are unique within an organisation, and the demo's fixed references (PA-001,
PR-001...) must stay the same for the files that link to them.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from dpo_tui.domain import registers
from dpo_tui.domain.records import Record
from dpo_tui.paths import data_dir
from dpo_tui.services import organisations, records
from dpo_tui.services.workspace import Workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError

# Insertion order: each register only links to registers loaded before it.
ORDER = ("processor", "retention", "activity", "client_processing", "breach", "action")
FILES = {
    "processor": "processors",
    "retention": "retention",
    "activity": "activities",
    "client_processing": "client_processing",
    "breach": "breaches",
    "action": "actions",
}
REFRESH_REASON = "demo refreshed"


def demo_dir() -> Path:
    return data_dir() / "demo"


def _read(path: Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def demo_name(directory: Path | None = None) -> str:
    return _read((directory or demo_dir()) / "organisation.json")["name"]


def load_demo(ws: Workspace, directory: Path | None = None) -> Record:
    """Create the demo organisation, or refresh it if one with the demo's name exists.

    All in one transaction: a failure leaves the database as it was.
    """
    directory = directory or demo_dir()
    org_values = _read(directory / "organisation.json")
    with repo.transaction(ws.db):
        for existing in organisations.all(ws):
            if (existing.values.get("name") or "").casefold() == org_values["name"].casefold():
                _retire(ws, existing)
        org = organisations.create(ws, org_values).record
        ref_to_id: dict[str, str] = {}
        available = set(registers.available())
        for register in ORDER:
            path = directory / f"{FILES[register]}.json"
            if register not in available or not path.exists():
                continue
            items = _read(path)
            if register == "breach" and (loader := _breach_loader()) is not None:
                created = loader(ws, org.id, items, dict(ref_to_id))
                ref_to_id.update({r.ref: r.id for r in created or []})
                continue
            for item in items:
                ref_to_id[item["ref"]] = _insert(ws, org.id, register, item, ref_to_id).id
    return organisations.get(ws, org.id)


def _retire(ws: Workspace, org: Record) -> None:
    """Archive an old demo's live records and the organisation itself (nothing is deleted)."""
    for register in registers.available():
        for record in records.list_records(ws, org.id, register):
            try:
                records.archive(ws, record.id, REFRESH_REASON)
            except StorageError:
                pass  # some records are never archived (breaches are kept); they stay with the old org
    organisations.archive(ws, org.id, REFRESH_REASON)


def resolve_links(register: str, item: dict[str, Any], ref_to_id: dict[str, str]) -> dict[str, Any]:
    """The item's values with link refs turned into ids; refs not loaded (yet) are left out."""
    values = {k: v for k, v in item.items() if k != "ref"}
    for f in registers.schema(register).link_fields:
        if f.name in values:
            values[f.name] = [ref_to_id[ref] for ref in values[f.name] or [] if ref in ref_to_id]
    return values


def _insert(ws: Workspace, org_id: str, register: str, item: dict[str, Any],
            ref_to_id: dict[str, str]) -> Record:
    values = resolve_links(register, item, ref_to_id)
    return records.save(ws, org_id, register, values, ref=item["ref"], note="demo data").record


def _breach_loader():
    """The breach log's own demo loader, when that module provides one (breaches have timelines)."""
    try:
        module = importlib.import_module("dpo_tui.services.breaches")
    except ModuleNotFoundError:
        return None
    return getattr(module, "load_demo_breaches", None)


def counts(ws: Workspace, org_id: str) -> dict[str, int]:
    """Live records per register, for the CLI's summary."""
    return {name: records.count(ws, org_id, name) for name in registers.available()}
