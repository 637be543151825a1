"""Export every organisation to one JSON file, and import such a file back, losslessly.

The file is the accountability record in portable form (UK GDPR Art 5(2)): every organisation
(archived ones too), every record of every register, the links between them, every history
entry (when, who, field-level before and after) and every breach timeline entry. The format is
documented in docs/data-format.md and docs/data-format.schema.json.

Import is all or nothing: the whole file is checked first (structure, each record against its
register's schema, links, history and timeline pointing at records in the file) and refused as
a whole, with a message naming the organisation, record and field, if anything is wrong.
An organisation already in the database is refused too, so an import can never change or remove
existing records, breaches or timeline entries; to restore a backup, import into an empty
database. Everything is then written in one transaction with the original ids and timestamps,
so export -> import into an empty database -> export gives the same data (bar "exported_at").
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dpo_tui import __version__
from dpo_tui.domain import registers
from dpo_tui.domain.organisation import SCHEMA as ORGANISATION_SCHEMA
from dpo_tui.domain.schema import (
    BOOL,
    INT,
    LINK,
    MULTICHOICE,
    ROWS,
    TAGS,
    Field,
    RegisterSchema,
    ValidationContext,
    validate,
)
from dpo_tui.services.records import ensure_writable
from dpo_tui.services.workspace import Workspace
from dpo_tui.storage import bulk
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError

FORMAT = "dpo-tui-data"
VERSION = 1
ORGANISATION = "organisation"

TOP_KEYS = ("format", "version", "app_version", "exported_at", "settings", "organisations")
ORG_KEYS = ("id", "values", "created_at", "updated_at", "archived_at", "archive_reason",
            "records", "links", "history", "timeline")
RECORD_KEYS = ("id", "register", "ref", "values", "created_at", "updated_at", "archived_at",
               "archive_reason")
LINK_KEYS = ("field", "from_id", "to_id", "position")
HISTORY_KEYS = ("at", "register", "record_id", "ref", "action", "changes", "actor", "note")
TIMELINE_KEYS = ("uid", "record_id", "at", "logged_at", "kind", "text", "data", "actor")

# Storage form of an instant (clock.iso_utc): UTC with a trailing Z.
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")
MAX_PROBLEMS_SHOWN = 50


class ImportRefused(ValueError):
    """The file was refused as a whole; `problems` lists every reason. Nothing was written."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        lines = [f"The file was refused; nothing was imported ({len(self.problems)} "
                 f"problem{'s' if len(self.problems) != 1 else ''}):"]
        lines += [f"  - {p}" for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"  ... and {len(self.problems) - len(shown)} more")
        super().__init__("\n".join(lines))


class ExportFailed(StorageError):
    """The export file could not be written; the message says why and what to do."""


@dataclass
class ImportSummary:
    organisations: list[str] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)  # register -> count
    links: int = 0
    history: int = 0
    timeline: int = 0
    settings_added: list[str] = field(default_factory=list)
    settings_kept: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Imported {len(self.organisations)} organisation"
               f"{'s' if len(self.organisations) != 1 else ''}: " + ", ".join(self.organisations)]
        for register, n in sorted(self.records.items()):
            out.append(f"  {register}: {n:,} record{'s' if n != 1 else ''}")
        out.append(f"  links: {self.links:,}, history entries: {self.history:,}, "
                   f"timeline entries: {self.timeline:,}")
        if self.settings_kept:
            out.append("  settings already in this database were kept: "
                       + ", ".join(self.settings_kept))
        return out


# ---------------------------------------------------------------- export


def export_data(ws: Workspace) -> dict[str, Any]:
    """Everything in the database as one JSON-able dict (see docs/data-format.md)."""
    db = ws.db
    orphans = bulk.orphan_counts(db)
    if orphans:
        # Cannot happen through the app (foreign keys); refuse rather than drop rows silently.
        detail = ", ".join(f"{n} {table}" for table, n in orphans.items())
        raise ExportFailed(f"The database has rows that belong to no organisation ({detail}); "
                           "nothing was exported. Keep a backup and report this.")
    organisations = []
    for org_row in bulk.organisation_rows(db):
        org_id = org_row["id"]
        links = bulk.link_rows(db, org_id)
        links_from: dict[str, list[dict[str, Any]]] = {}
        for link in links:  # ordered by from_id, field, position
            links_from.setdefault(link["from_id"], []).append(link)
        organisations.append({
            "id": org_id,
            "values": json.loads(org_row["data"]),
            "created_at": org_row["created_at"],
            "updated_at": org_row["updated_at"],
            "archived_at": org_row["archived_at"],
            "archive_reason": org_row["archive_reason"],
            "records": [_export_record(row, links_from.get(row["id"], []))
                        for row in bulk.record_rows(db, org_id)],
            "links": links,
            "history": [{**row, "changes": json.loads(row["changes"])}
                        for row in bulk.history_rows(db, org_id)],
            "timeline": [{**row, "data": json.loads(row["data"])}
                         for row in bulk.timeline_rows(db, org_id)],
        })
    return {
        "format": FORMAT,
        "version": VERSION,
        "app_version": __version__,
        "exported_at": ws.now_iso(),
        "settings": bulk.settings(db),
        "organisations": organisations,
    }


def _export_record(row: dict[str, Any], links: list[dict[str, Any]]) -> dict[str, Any]:
    """One record with its link fields as lists of ids; `links` are the rows from it."""
    values = json.loads(row["data"])
    try:
        link_names = [f.name for f in registers.schema(row["register"]).link_fields]
    except (KeyError, ImportError):
        link_names = []  # a register this build does not know: keep whatever links it has
    for name in link_names:
        values[name] = []
    for link in links:
        values.setdefault(link["field"], []).append(link["to_id"])
    return {
        "id": row["id"],
        "register": row["register"],
        "ref": row["ref"],
        "values": values,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "archived_at": row["archived_at"],
        "archive_reason": row["archive_reason"],
    }


def write_export(ws: Workspace, path: Path | str) -> Path:
    """Write the export atomically (temp file in the same folder, then rename), mode 0600.

    The file holds personal data, so only its owner may read it. A crash part-way leaves any
    earlier file at `path` as it was.
    """
    path = Path(path).expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ExportFailed(f"{path} is a folder; give the name of the file to write, "
                           "e.g. --out records.json")
    if not folder.is_dir():
        raise ExportFailed(f"The folder {folder} does not exist; create it or choose another place.")
    text = json.dumps(export_data(ws), ensure_ascii=False, indent=2) + "\n"
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportFailed(f"Cannot write in the folder {folder} ({exc.strerror}); "
                           "choose a folder you can write to.") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:  # mkstemp creates it 0600
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, path)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise ExportFailed(f"Cannot write {path} ({exc.strerror}); nothing was exported.") from exc
    return path


# ---------------------------------------------------------------- import


def read_data_file(path: Path | str) -> Any:
    """Parse an export file; a missing file or bad JSON is refused with where and why."""
    path = Path(path).expanduser()
    if not path.exists():
        raise ImportRefused([f"There is no file {path}"])
    if path.is_dir():
        raise ImportRefused([f"{path} is a folder, not an export file"])
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused([f"{path} is not a text (UTF-8) file: byte {exc.start} cannot be read"]) from exc
    except OSError as exc:
        raise ImportRefused([f"Cannot read {path} ({exc.strerror})"]) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused([f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, "
                             f"column {exc.colno}"]) from exc


def import_data(ws: Workspace, data_or_path: dict[str, Any] | Path | str) -> ImportSummary:
    """Check the whole file, then write it in one transaction. Raises ImportRefused."""
    data = read_data_file(data_or_path) if isinstance(data_or_path, str | Path) else data_or_path
    checker = _Checker(ws, data)
    plan = checker.run()
    if checker.problems:
        raise ImportRefused(checker.problems)
    ensure_writable(ws)
    return _write(ws, data, plan)


@dataclass
class _OrgPlan:
    """What to write for one organisation, after every check passed."""

    name: str
    values: dict[str, Any]
    record_data: dict[str, dict[str, Any]]  # record id -> values without link fields


class _Checker:
    """Collects every problem in a file, each naming where it is, before anything is written."""

    def __init__(self, ws: Workspace, data: Any):
        self.ws = ws
        self.data = data
        self.problems: list[str] = []
        self.schemas: dict[str, RegisterSchema | None] = {}
        # Per organisation id in the file: its record ids and timeline uids, which must be new here.
        self.record_ids: dict[str, set[str]] = {}
        self.uids: dict[str, set[str]] = {}
        self.org_labels: dict[str, str] = {}

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    # -- small structural checks, each returning whether the value is usable

    def keys(self, obj: dict[str, Any], expected: tuple[str, ...], where: str) -> bool:
        ok = True
        for key in expected:
            if key not in obj:
                self.problem(where, f'"{key}" is missing')
                ok = False
        for key in obj:
            if key not in expected:
                self.problem(where, f'"{key}" is not part of the format')
                ok = False
        return ok

    def string(self, obj: dict[str, Any], key: str, where: str, *, empty: bool = True) -> bool:
        if key not in obj:
            return False  # reported by keys()
        value = obj[key]
        if not isinstance(value, str):
            self.problem(where, f'"{key}" must be text, not {_kind(value)}')
            return False
        if not empty and not value.strip():
            self.problem(where, f'"{key}" must not be empty')
            return False
        return True

    def instant(self, obj: dict[str, Any], key: str, where: str, *, nullable: bool = False) -> bool:
        if key not in obj:
            return False  # reported by keys()
        value = obj[key]
        if value is None and nullable:
            return True
        if isinstance(value, str) and _INSTANT.fullmatch(value):
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
                return True
            except ValueError:
                pass
        self.problem(where, f'"{key}" must be a UTC time like 2026-11-22T10:00:00Z, '
                            f"not {_show(value)}")
        return False

    def mapping(self, obj: dict[str, Any], key: str, where: str) -> bool:
        if key not in obj:
            return False  # reported by keys()
        if not isinstance(obj[key], dict):
            self.problem(where, f'"{key}" must be an object, not {_kind(obj.get(key))}')
            return False
        return True

    def items(self, obj: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        """The list under `key`, keeping only its objects (the others are reported)."""
        if key not in obj:
            return []  # reported by keys()
        value = obj[key]
        if not isinstance(value, list):
            self.problem(where, f'"{key}" must be a list, not {_kind(value)}')
            return []
        kept = []
        for n, item in enumerate(value, 1):
            if isinstance(item, dict):
                kept.append(item)
            else:
                self.problem(where, f'"{key}" entry {n} must be an object, not {_kind(item)}')
        return kept

    def schema(self, register: str) -> RegisterSchema | None:
        if register not in self.schemas:
            try:
                if register == ORGANISATION:
                    raise KeyError(register)
                self.schemas[register] = registers.schema(register)
            except (KeyError, ImportError):
                self.schemas[register] = None
        return self.schemas[register]

    # -- the file

    def run(self) -> list[_OrgPlan]:
        data = self.data
        if not isinstance(data, dict):
            self.problem("", f"the file must hold a JSON object, not {_kind(data)}")
            return []
        if data.get("format") != FORMAT:
            self.problem("", f'this is not a dpo-tui data file ("format" must be "{FORMAT}", '
                             f"not {_show(data.get('format'))})")
            return []
        version = data.get("version")
        if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
            self.problem("", f"the file was written by a newer version of dpo-tui "
                             f"(format version {version}; this version reads {VERSION}). "
                             "Upgrade dpo-tui to import it.")
            return []
        if version != VERSION or isinstance(version, bool):
            self.problem("", f'"version" must be {VERSION}, not {_show(version)}')
            return []
        self.keys(data, TOP_KEYS, "file")
        self.string(data, "app_version", "file")
        self.instant(data, "exported_at", "file")
        if self.mapping(data, "settings", "file"):
            for key, value in data["settings"].items():
                if not isinstance(value, str):
                    self.problem("settings", f'"{key}" must be text, not {_kind(value)}')
        orgs = self.items(data, "organisations", "file")
        # Where each record id is, across the file, so a link to another organisation says so.
        self.owner: dict[str, str] = {}
        for n, org in enumerate(orgs, 1):
            for record in org.get("records") if isinstance(org.get("records"), list) else []:
                if isinstance(record, dict) and isinstance(record.get("id"), str):
                    self.owner.setdefault(record["id"], _org_where(org, n))
        all_record_ids: dict[str, str] = {}  # record id -> where it is, as checked
        seen_org_ids: set[str] = set()
        plans = [self.organisation(org, n, all_record_ids, seen_org_ids)
                 for n, org in enumerate(orgs, 1)]
        self.against_database(all_record_ids)
        return plans

    def organisation(self, org: dict[str, Any], n: int, all_record_ids: dict[str, str],
                     seen_org_ids: set[str]) -> _OrgPlan:
        where = _org_where(org, n)
        values = org.get("values") if isinstance(org.get("values"), dict) else {}
        name = values.get("name") if isinstance(values.get("name"), str) else ""
        self.keys(org, ORG_KEYS, where)
        if self.string(org, "id", where, empty=False):
            if org["id"] in seen_org_ids:
                self.problem(where, f"id {org['id']} appears twice in the file")
            seen_org_ids.add(org["id"])
        org_id = org.get("id")
        for key in ("created_at", "updated_at"):
            self.instant(org, key, where)
        self.instant(org, "archived_at", where, nullable=True)
        self.string(org, "archive_reason", where)
        clean_values: dict[str, Any] = {}
        if self.mapping(org, "values", where):
            clean_values = self.values(ORGANISATION_SCHEMA, org["values"], ValidationContext(
                today=self.ws.clock.today()), where)
        timezone = clean_values.get("timezone") or "Europe/London"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            timezone = "Europe/London"  # the bad zone itself is reported with the profile
        ctx = ValidationContext(timezone=timezone, today=self.ws.clock.today())

        records = self.items(org, "records", where)
        by_id: dict[str, dict[str, Any]] = {}
        record_data: dict[str, dict[str, Any]] = {}
        refs: set[tuple[str, str]] = set()
        for m, record in enumerate(records, 1):
            result = self.record(record, m, where, ctx, refs)
            record_id = record.get("id")
            if isinstance(record_id, str) and record_id:
                if record_id in all_record_ids or record_id == org_id:
                    self.problem(_record_where(where, record, m),
                                 f"id {record_id} appears twice in the file")
                else:
                    all_record_ids[record_id] = _record_where(where, record, m)
                    by_id[record_id] = record
                    if result is not None:
                        record_data[record_id] = result
        self.links(org, where, by_id)
        self.history(org, where, by_id)
        uids = self.timeline(org, where, by_id)
        if isinstance(org_id, str):
            self.record_ids.setdefault(org_id, set()).update(by_id)
            self.uids.setdefault(org_id, set()).update(uids)
            self.org_labels[org_id] = where
        return _OrgPlan(name=name or str(org_id), values=clean_values, record_data=record_data)

    def values(self, schema: RegisterSchema, values: dict[str, Any], ctx: ValidationContext,
               where: str) -> dict[str, Any]:
        """Check values against the register's schema; returns them in stored form."""
        for key in values:
            if key not in schema.field_names:
                self.problem(where, f'field "{key}" is not a field of {schema.singular} records')
        wrong_types = False
        for f in schema.fields:
            message = _type_problem(f, values.get(f.name))
            if message:
                self.problem(where, f'field "{f.name}": {f.label} {message}')
                wrong_types = True
        if wrong_types:
            return {}  # the form's rules assume the stored JSON types; nothing will be written
        result = validate(schema, values, ctx)
        for name, message in result.errors.items():
            self.problem(where, f'field "{name}": {message}')
        return result.values

    def record(self, record: dict[str, Any], m: int, org_where: str, ctx: ValidationContext,
               refs: set[tuple[str, str]]) -> dict[str, Any] | None:
        where = _record_where(org_where, record, m)
        self.keys(record, RECORD_KEYS, where)
        self.string(record, "id", where, empty=False)
        ok_ref = self.string(record, "ref", where, empty=False)
        for key in ("created_at", "updated_at"):
            self.instant(record, key, where)
        self.instant(record, "archived_at", where, nullable=True)
        self.string(record, "archive_reason", where)
        if not self.string(record, "register", where, empty=False):
            return None
        register = record["register"]
        if ok_ref:
            if (register, record["ref"]) in refs:
                self.problem(where, f"reference {record['ref']} is used twice in {register}")
            refs.add((register, record["ref"]))
        schema = self.schema(register)
        if schema is None:
            self.problem(where, f'unknown register "{register}" (this version knows: '
                                f"{', '.join(registers.available())})")
            return None
        if register == "breach" and record.get("archived_at") is not None:
            self.problem(where, "breach records are never archived (close them instead)")
        if not self.mapping(record, "values", where):
            return None
        clean = self.values(schema, record["values"], ctx, where)
        # Stored links go to the links table; reverse links belong to the other record.
        link_names = {f.name for f in (*schema.link_fields, *schema.reverse_link_fields)}
        return {k: v for k, v in clean.items() if k not in link_names}

    def links(self, org: dict[str, Any], where: str, by_id: dict[str, dict[str, Any]]) -> None:
        rows = self.items(org, "links", where)
        seen: set[tuple[str, str, str]] = set()
        from_rows: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for n, link in enumerate(rows, 1):
            lw = f"{where}, link {n}"
            if not self.keys(link, LINK_KEYS, lw):
                continue
            if not all([self.string(link, "field", lw, empty=False),
                        self.string(link, "from_id", lw, empty=False),
                        self.string(link, "to_id", lw, empty=False)]):
                continue
            position = link["position"]
            if not isinstance(position, int) or isinstance(position, bool) or position < 0:
                self.problem(lw, f'"position" must be a whole number >= 0, not {_show(position)}')
                continue
            key = (link["field"], link["from_id"], link["to_id"])
            if key in seen:
                self.problem(lw, "the same link appears twice")
                continue
            seen.add(key)
            source = by_id.get(link["from_id"])
            target = by_id.get(link["to_id"])
            if source is None:
                self.problem(lw, f"links from {link['from_id']}, which is not a record of this "
                                 "organisation in the file")
                continue
            sw = _record_where(where, source, 0)
            schema = self.schema(str(source.get("register")))
            if schema is None:
                continue  # already reported as an unknown register
            link_field = next((f for f in schema.link_fields if f.name == link["field"]), None)
            if link_field is None:
                self.problem(sw, f'"{link["field"]}" is not a link field of {schema.singular} records')
                continue
            if target is None:
                elsewhere = self.owner.get(link["to_id"])
                self.problem(sw, f'field "{link["field"]}" links to {link["to_id"]}, which is '
                                 + (f"a record of another organisation ({elsewhere})" if elsewhere
                                    else "not a record in the file"))
                continue
            if link_field.target and target.get("register") != link_field.target:
                self.problem(sw, f'field "{link["field"]}" links to {target.get("ref")}, a '
                                 f"{target.get('register')} record; it must link to "
                                 f"{link_field.target} records")
                continue
            from_rows.setdefault((link["from_id"], link["field"]), []).append(
                (position, link["to_id"]))
        # Each record's link values must say the same as the link rows: one truth, two views.
        for record_id, record in by_id.items():
            schema = self.schema(str(record.get("register")))
            values = record.get("values")
            if schema is None or not isinstance(values, dict):
                continue
            for f in schema.link_fields:
                listed = values.get(f.name) or []
                rows_say = [to for _, to in sorted(from_rows.get((record_id, f.name), []))]
                if listed != rows_say:
                    self.problem(_record_where(where, record, 0),
                                 f'field "{f.name}" lists {_show(listed)} but the link rows say '
                                 f"{_show(rows_say)}")
            # A reverse link (e.g. an activity's breaches) is stored by the other record. A file
            # may leave it out; if it lists one, it must say what the other side says.
            for f in schema.reverse_link_fields:
                listed = values.get(f.name) or []
                linking = sorted(
                    from_id for (from_id, field), targets in from_rows.items()
                    if field == f.reverse_of and any(to == record_id for _, to in targets)
                    and by_id[from_id].get("register") == f.target)
                if listed and sorted(listed) != linking:
                    self.problem(_record_where(where, record, 0),
                                 f'field "{f.name}" lists {_show(listed)} but the {f.target} '
                                 f'records linking here (their "{f.reverse_of}") are '
                                 f"{_show(linking)}")

    def history(self, org: dict[str, Any], where: str, by_id: dict[str, dict[str, Any]]) -> None:
        org_id = org.get("id")
        for n, entry in enumerate(self.items(org, "history", where), 1):
            hw = f"{where}, history entry {n}"
            if not self.keys(entry, HISTORY_KEYS, hw):
                continue
            self.instant(entry, "at", hw)
            for key in ("register", "record_id", "action", "actor"):
                self.string(entry, key, hw, empty=False)
            for key in ("ref", "note"):
                self.string(entry, key, hw)
            changes = entry["changes"]
            if not isinstance(changes, dict) or not all(
                    isinstance(pair, list) and len(pair) == 2 for pair in changes.values()):
                self.problem(hw, '"changes" must map each field to [before, after]')
            record_id = entry["record_id"]
            if not isinstance(record_id, str):
                continue  # reported above
            if record_id == org_id:
                expected = ORGANISATION
            elif record_id in by_id:
                expected = by_id[record_id].get("register")
            else:
                self.problem(hw, f"is about {_show(record_id)}, which is not this organisation "
                                 "or one of its records in the file")
                continue
            if entry["register"] != expected:
                self.problem(hw, f'"register" is {_show(entry["register"])} but the record is '
                                 f"{_show(expected)}")

    def timeline(self, org: dict[str, Any], where: str,
                 by_id: dict[str, dict[str, Any]]) -> set[str]:
        uids: set[str] = set()
        for n, entry in enumerate(self.items(org, "timeline", where), 1):
            tw = f"{where}, timeline entry {n}"
            if not self.keys(entry, TIMELINE_KEYS, tw):
                continue
            if self.string(entry, "uid", tw, empty=False):
                if entry["uid"] in uids:
                    self.problem(tw, f"uid {entry['uid']} appears twice")
                uids.add(entry["uid"])
            self.instant(entry, "at", tw)
            self.instant(entry, "logged_at", tw)
            for key in ("record_id", "kind", "actor"):
                self.string(entry, key, tw, empty=False)
            self.string(entry, "text", tw)
            self.mapping(entry, "data", tw)
            if isinstance(entry["record_id"], str) and entry["record_id"] not in by_id:
                self.problem(tw, f"is about {_show(entry['record_id'])}, which is not a record "
                                 "of this organisation in the file")
        return uids

    def against_database(self, all_record_ids: dict[str, str]) -> None:
        """Nothing in the file may already exist here: import adds, it never overwrites."""
        db = self.ws.db
        present = bulk.existing(db, "organisations", "id", self.record_ids)
        for org_id in [o for o in self.record_ids if o in present]:  # in file order
            current = repo.get_organisation(db, org_id)
            self.problem(f'organisation "{current.values.get("name") or org_id}"',
                         f"already present in this database (id {org_id}); nothing in it was "
                         "changed. To restore a backup, import into an empty database "
                         "(dpo-tui --db NEW.db import-data FILE).")
        for org_id, record_ids in self.record_ids.items():
            if org_id in present:
                continue  # its records are there too; one message says it all
            for record_id in sorted(bulk.existing(db, "records", "id", record_ids)):
                self.problem(all_record_ids[record_id],
                             f"record id {record_id} is already used in this database")
            for uid in sorted(bulk.existing(db, "timeline", "uid", self.uids.get(org_id, ()))):
                self.problem(self.org_labels[org_id],
                             f"timeline entry {uid} is already in this database")


def _type_problem(f: Field, value: Any) -> str | None:
    """The JSON type a stored value of this kind has (the file holds values as stored)."""
    if value is None:
        return None  # an empty value; "required" is checked by the schema
    if f.kind in (MULTICHOICE, TAGS, LINK):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f"must be a list of text, not {_kind(value)}"
    elif f.kind == ROWS:
        if not isinstance(value, list) or not all(
                isinstance(row, dict) and all(isinstance(c, str) for c in row.values())
                for row in value):
            return f"must be a list of rows (objects of text), not {_kind(value)}"
    elif f.kind == BOOL:
        if not isinstance(value, bool):
            return f"must be true, false or null, not {_kind(value)}"
    elif f.kind == INT:
        if not isinstance(value, int) or isinstance(value, bool):
            return f"must be a whole number, not {_kind(value)}"
    elif not isinstance(value, str):
        return f"must be text, not {_kind(value)}"
    return None


def _org_where(org: dict[str, Any], n: int) -> str:
    values = org.get("values")
    name = values.get("name") if isinstance(values, dict) else None
    return f'organisation "{name}"' if isinstance(name, str) and name.strip() else f"organisation {n}"


def _record_where(org_where: str, record: dict[str, Any], n: int) -> str:
    ref = record.get("ref")
    register = record.get("register")
    label = f"record {ref}" if isinstance(ref, str) and ref else f"record {n}"
    if isinstance(register, str) and register:
        label += f" ({register})"
    return f"{org_where}, {label}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "text",
            list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _write(ws: Workspace, data: dict[str, Any], plans: list[_OrgPlan]) -> ImportSummary:
    db = ws.db
    summary = ImportSummary()
    with repo.transaction(db):
        for org, plan in zip(data["organisations"], plans, strict=True):
            org_id = org["id"]
            bulk.insert_organisation(db, id=org_id, values=plan.values,
                                     created_at=org["created_at"], updated_at=org["updated_at"],
                                     archived_at=org["archived_at"],
                                     archive_reason=org["archive_reason"])
            for record in org["records"]:
                bulk.insert_record(db, id=record["id"], org_id=org_id,
                                   register=record["register"], ref=record["ref"],
                                   data=plan.record_data[record["id"]],
                                   created_at=record["created_at"],
                                   updated_at=record["updated_at"],
                                   archived_at=record["archived_at"],
                                   archive_reason=record["archive_reason"])
                summary.records[record["register"]] = summary.records.get(record["register"], 0) + 1
            for link in org["links"]:
                bulk.insert_link(db, org_id=org_id, **link)
            for entry in org["history"]:
                bulk.insert_history(db, org_id=org_id, **entry)
            for entry in org["timeline"]:
                bulk.insert_timeline(db, org_id=org_id, **entry)
            summary.organisations.append(plan.name)
            summary.links += len(org["links"])
            summary.history += len(org["history"])
            summary.timeline += len(org["timeline"])
        for key, value in data["settings"].items():
            if bulk.insert_setting_if_absent(db, key, value):
                summary.settings_added.append(key)
            else:
                summary.settings_kept.append(key)
    return summary
