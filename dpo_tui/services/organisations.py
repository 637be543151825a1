"""Creating, editing, switching and archiving organisations."""

from __future__ import annotations

from typing import Any

from dpo_tui.domain.organisation import SCHEMA
from dpo_tui.domain.records import Record
from dpo_tui.domain.schema import Validation, validate
from dpo_tui.services.records import Saved, ValidationFailed, ensure_writable
from dpo_tui.services.workspace import Workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError

CURRENT_ORG_SETTING = "current_organisation"


def create(ws: Workspace, raw: dict[str, Any]) -> Saved:
    values = {**SCHEMA.defaults(), **{k: v for k, v in raw.items() if v not in (None, "")}}
    result = validate(SCHEMA, values)
    if not result.ok:
        raise ValidationFailed(result)
    ensure_writable(ws)
    org = repo.insert_organisation(ws.db, result.values, at=ws.now_iso(), actor=ws.actor)
    select(ws, org.id)
    return Saved(org, result.warnings)


def update(ws: Workspace, org_id: str, raw: dict[str, Any]) -> Saved:
    current = repo.get_organisation(ws.db, org_id)
    result = validate(SCHEMA, {**current.values, **raw})
    if not result.ok:
        raise ValidationFailed(result)
    ensure_writable(ws)
    org = repo.update_organisation(ws.db, org_id, result.values, at=ws.now_iso(), actor=ws.actor)
    return Saved(org, result.warnings)


def all(ws: Workspace, *, include_archived: bool = False) -> list[Record]:
    return repo.list_organisations(ws.db, include_archived=include_archived)


def get(ws: Workspace, org_id: str) -> Record:
    return repo.get_organisation(ws.db, org_id)


def find(ws: Workspace, name_or_id: str) -> Record:
    """An organisation by id, exact name or unique name prefix (case-insensitive)."""
    orgs = all(ws)
    wanted = name_or_id.casefold().strip()
    for org in orgs:
        if org.id == name_or_id or (org.values.get("name") or "").casefold() == wanted:
            return org
    matches = [o for o in orgs if (o.values.get("name") or "").casefold().startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(o.values.get("name", "") for o in orgs) or "none yet"
    if matches:
        raise StorageError(f"'{name_or_id}' matches several organisations: "
                           + ", ".join(o.values["name"] for o in matches))
    raise StorageError(f"No organisation called '{name_or_id}'. Organisations: {names}")


def current(ws: Workspace) -> Record | None:
    """The organisation last selected, else the first one; None on an empty database."""
    orgs = all(ws)
    if not orgs:
        return None
    chosen = repo.get_setting(ws.db, CURRENT_ORG_SETTING)
    for org in orgs:
        if org.id == chosen:
            return org
    return orgs[0]


def select(ws: Workspace, org_id: str) -> None:
    if not ws.read_only:
        repo.set_setting(ws.db, CURRENT_ORG_SETTING, org_id)


def resolve(ws: Workspace, name: str | None) -> Record:
    """--org NAME, else the current organisation; a clear error when there is none."""
    if name:
        return find(ws, name)
    org = current(ws)
    if org is None:
        raise StorageError("There is no organisation yet: run `dpo-tui` to create one, or `dpo-tui demo`.")
    return org


def archive(ws: Workspace, org_id: str, reason: str) -> Record:
    if not reason.strip():
        raise ValidationFailed(Validation({}, {"reason": "Give a reason for archiving"}))
    ensure_writable(ws)
    return repo.set_organisation_archived(ws.db, org_id, archived=True, reason=reason.strip(),
                                          at=ws.now_iso(), actor=ws.actor)


def restore(ws: Workspace, org_id: str) -> Record:
    ensure_writable(ws)
    return repo.set_organisation_archived(ws.db, org_id, archived=False, reason="",
                                          at=ws.now_iso(), actor=ws.actor)

