"""Rows <-> domain records. The only module that writes records, so every write is in history.

Each write (insert, update, archive, restore) and its history entry share one transaction:
either both land or neither does. Link fields are stored in the `links` table, so a link made
from either side is seen from both.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dpo_tui.domain.records import Record
from dpo_tui.domain.schema import RegisterSchema, search_text
from dpo_tui.storage.db import Database, StorageError, translate

ORGANISATION = "organisation"


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    at: str
    org_id: str
    register: str
    record_id: str
    ref: str
    action: str  # insert, update, archive, restore, link
    changes: dict[str, list[Any]]  # field -> [before, after]
    actor: str
    note: str


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    uid: str
    org_id: str
    record_id: str
    at: str
    logged_at: str
    kind: str
    text: str
    data: dict[str, Any]
    actor: str


def new_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """One atomic unit of work, with sqlite errors turned into messages a user can act on."""
    try:
        if db.conn.in_transaction:
            with db.savepoint():  # nested: a savepoint inside the caller's transaction
                yield db
        else:
            # IMMEDIATE takes the write lock now, so a busy database waits (busy timeout) and
            # then fails cleanly, instead of failing half-way through the unit of work.
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.conn.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
    except sqlite3.Error as exc:
        if "append-only" in str(exc) or "cannot be" in str(exc) or "never deleted" in str(exc) \
                or "are kept" in str(exc):
            raise StorageError(str(exc)) from exc
        raise translate(exc, getattr(db, "path", "database")) from exc


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _blank(value: Any) -> Any:
    return None if value in ("", [], {}) else value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Field-level changes; an empty string, list and None count as the same (nothing)."""
    keys = list(dict.fromkeys([*before, *after]))
    return {k: [before.get(k), after.get(k)] for k in keys
            if _blank(before.get(k)) != _blank(after.get(k))}


def write_history(
    db: Database, *, at: str, org_id: str, register: str, record_id: str, ref: str,
    action: str, changes: dict[str, list[Any]], actor: str, note: str = "",
) -> None:
    db.execute(
        "INSERT INTO history (at, org_id, register, record_id, ref, action, changes, actor, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [at, org_id, register, record_id, ref, action, _dumps(changes), actor, note],
    )


# ---------------------------------------------------------------- organisations


def _org_from_row(row: dict[str, Any]) -> Record:
    return Record(
        register=ORGANISATION, values=json.loads(row["data"]), id=row["id"], org_id=row["id"],
        ref=row["id"][:8], created_at=row["created_at"], updated_at=row["updated_at"],
        archived_at=row["archived_at"], archive_reason=row["archive_reason"],
    )


def list_organisations(db: Database, *, include_archived: bool = False) -> list[Record]:
    where = "" if include_archived else "WHERE archived_at IS NULL"
    rows = db.execute_returning_dicts(f"SELECT * FROM organisations {where}")
    orgs = [_org_from_row(r) for r in rows]
    return sorted(orgs, key=lambda o: (o.values.get("name") or "").casefold())


def get_organisation(db: Database, org_id: str) -> Record:
    rows = db.execute_returning_dicts("SELECT * FROM organisations WHERE id = ?", [org_id])
    if not rows:
        raise StorageError(f"No organisation with id {org_id}")
    return _org_from_row(rows[0])


def insert_organisation(db: Database, values: dict[str, Any], *, at: str, actor: str,
                        org_id: str | None = None) -> Record:
    org_id = org_id or new_id()
    with transaction(db):
        db.execute(
            "INSERT INTO organisations (id, data, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [org_id, _dumps(values), at, at],
        )
        write_history(db, at=at, org_id=org_id, register=ORGANISATION, record_id=org_id,
                      ref=values.get("name", ""), action="insert", changes=diff({}, values),
                      actor=actor)
    return get_organisation(db, org_id)


def update_organisation(db: Database, org_id: str, values: dict[str, Any], *, at: str,
                        actor: str) -> Record:
    with transaction(db):
        before = get_organisation(db, org_id)
        changes = diff(before.values, values)
        if changes:
            db.execute("UPDATE organisations SET data = ?, updated_at = ? WHERE id = ?",
                       [_dumps(values), at, org_id])
            write_history(db, at=at, org_id=org_id, register=ORGANISATION, record_id=org_id,
                          ref=values.get("name", ""), action="update", changes=changes, actor=actor)
    return get_organisation(db, org_id)


def set_organisation_archived(db: Database, org_id: str, *, archived: bool, reason: str, at: str,
                              actor: str) -> Record:
    with transaction(db):
        org = get_organisation(db, org_id)
        db.execute("UPDATE organisations SET archived_at = ?, archive_reason = ? WHERE id = ?",
                   [at if archived else None, reason if archived else "", org_id])
        write_history(db, at=at, org_id=org_id, register=ORGANISATION, record_id=org_id,
                      ref=org.values.get("name", ""), action="archive" if archived else "restore",
                      changes={}, actor=actor, note=reason)
    return get_organisation(db, org_id)


# ---------------------------------------------------------------- records


_RECORD_COLUMNS = "id, org_id, register, ref, data, created_at, updated_at, archived_at, archive_reason"


def _record_from_row(row: dict[str, Any] | tuple) -> Record:
    if not isinstance(row, dict):
        id, org_id, register, ref, data, created_at, updated_at, archived_at, archive_reason = row
        return Record(register=register, values=json.loads(data), id=id, org_id=org_id, ref=ref,
                      created_at=created_at, updated_at=updated_at, archived_at=archived_at,
                      archive_reason=archive_reason)
    return Record(
        register=row["register"], values=json.loads(row["data"]), id=row["id"],
        org_id=row["org_id"], ref=row["ref"], created_at=row["created_at"],
        updated_at=row["updated_at"], archived_at=row["archived_at"],
        archive_reason=row["archive_reason"],
    )


def _attach_links(db: Database, records: list[Record], schema: RegisterSchema) -> list[Record]:
    link_fields = [f.name for f in schema.link_fields]
    reverse = {f.reverse_of: f.name for f in schema.reverse_link_fields}
    if not records or not (link_fields or reverse or schema.derive):
        return records
    by_id = {r.id: r for r in records}
    for r in records:
        for name in [*link_fields, *reverse.values()]:
            r.values[name] = []
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        if link_fields:
            for field, from_id, to_id in db.execute(
                f"SELECT field, from_id, to_id FROM links WHERE from_id IN ({marks}) "
                "ORDER BY position, rowid", chunk,
            ):
                if field in link_fields:
                    by_id[from_id].values[field].append(to_id)
        if reverse:
            for field, from_id, to_id in db.execute(
                f"SELECT l.field, l.from_id, l.to_id FROM links l JOIN records r ON r.id = l.from_id "
                f"WHERE l.to_id IN ({marks}) ORDER BY r.ref", chunk,
            ):
                if field in reverse:
                    by_id[to_id].values[reverse[field]].append(from_id)
    if schema.derive is not None:
        for r in records:
            schema.derive(r.values)
    return records


def live_records(db: Database, org_id: str,
                 schemas: dict[str, RegisterSchema]) -> dict[str, list[Record]]:
    """Every live record of one organisation, per register in reference order, with links.

    The same records `list_records` gives register by register, in two queries instead of two
    per register and chunk: the dashboard reads this on start-up (bench/startup.py).
    """
    records: dict[str, list[Record]] = {name: [] for name in schemas}
    by_id: dict[str, Record] = {}
    for row in db.execute(f"SELECT {_RECORD_COLUMNS} FROM records WHERE org_id = ? "
                          "AND archived_at IS NULL ORDER BY register, ref", [org_id]):
        if row[2] in records:
            record = _record_from_row(row)
            records[record.register].append(record)
            by_id[record.id] = record
    forward = {name: [f.name for f in schema.link_fields] for name, schema in schemas.items()}
    reverse = {name: {f.reverse_of: f.name for f in schema.reverse_link_fields}
               for name, schema in schemas.items()}
    for name, recs in records.items():
        for record in recs:
            for field in [*forward[name], *reverse[name].values()]:
                record.values[field] = []
    # Links from any record of the organisation, archived ones too (as list_records reads them):
    # forward ones in their stored order, reverse ones by the linking record's reference.
    links = db.execute("SELECT field, from_id, to_id, position, rowid FROM links WHERE org_id = ?",
                       [org_id]).fetchall()
    links.sort(key=lambda link: (link[1], link[3], link[4]))
    reverse_links = []
    for field, from_id, to_id, _, _ in links:
        source = by_id.get(from_id)
        if source is not None and field in forward[source.register]:
            source.values[field].append(to_id)
        target = by_id.get(to_id)
        if target is not None and field in reverse[target.register]:
            reverse_links.append((field, from_id, target))
    if reverse_links:
        refs = {from_id: by_id[from_id].ref for _, from_id, _ in reverse_links if from_id in by_id}
        archived = sorted({from_id for _, from_id, _ in reverse_links} - set(refs))
        for start in range(0, len(archived), 500):
            chunk = archived[start:start + 500]
            refs.update(db.execute(f"SELECT id, ref FROM records WHERE id IN "
                                   f"({','.join('?' * len(chunk))})", chunk).fetchall())
        for field, from_id, target in sorted(reverse_links, key=lambda link: refs[link[1]]):
            target.values[reverse[target.register][field]].append(from_id)
    for name, schema in schemas.items():
        if schema.derive is not None:
            for record in records[name]:
                schema.derive(record.values)
    return records


def get_record(db: Database, record_id: str, schema: RegisterSchema | None = None) -> Record:
    rows = db.execute(f"SELECT {_RECORD_COLUMNS} FROM records WHERE id = ?", [record_id]).fetchall()
    if not rows:
        raise StorageError(f"No record with id {record_id}")
    record = _record_from_row(rows[0])
    if schema is None:
        from dpo_tui.domain import registers

        schema = registers.schema(record.register)
    return _attach_links(db, [record], schema)[0]


def find_by_ref(db: Database, org_id: str, register: str, ref: str) -> Record | None:
    rows = db.execute(
        f"SELECT {_RECORD_COLUMNS} FROM records WHERE org_id = ? AND register = ? AND ref = ?",
        [org_id, register, ref],
    ).fetchall()
    return get_record(db, rows[0][0]) if rows else None


def list_records(
    db: Database, org_id: str, schema: RegisterSchema, *, archived: bool = False,
    terms: Iterable[str] = (), limit: int | None = None,
) -> list[Record]:
    """Live (or archived) records of one register, optionally filtered by case-folded terms."""
    sql = [f"SELECT {_RECORD_COLUMNS} FROM records WHERE org_id = ? AND register = ?",
           "AND archived_at IS NOT NULL" if archived else "AND archived_at IS NULL"]
    params: list[Any] = [org_id, schema.name]
    for term in terms:
        sql.append("AND instr(search, ?) > 0")
        params.append(term.casefold())
    sql.append("ORDER BY ref")
    if limit is not None:
        sql.append("LIMIT ?")
        params.append(limit)
    records = [_record_from_row(row) for row in db.execute(" ".join(sql), params)]
    return _attach_links(db, records, schema)


def search_records(
    db: Database, org_id: str, schema: RegisterSchema, *, archived: bool = False,
    terms: Iterable[str] = (), limit: int = 200,
) -> tuple[list[Record], int]:
    """The first `limit` matches in reference order, and how many match in all.

    The page stops as soon as it has its rows (an index keeps records in reference order), and
    the total is only counted when the page is full: a short page is the whole answer.
    """
    terms = list(terms)
    records = list_records(db, org_id, schema, archived=archived, terms=terms, limit=limit)
    if len(records) < limit:
        return records, len(records)
    return records, count_records(db, org_id, schema.name, archived=archived, terms=terms)


def count_records(db: Database, org_id: str, register: str, *, archived: bool = False,
                  terms: Iterable[str] = ()) -> int:
    sql = ["SELECT count(*) FROM records WHERE org_id = ? AND register = ?",
           "AND archived_at IS NOT NULL" if archived else "AND archived_at IS NULL"]
    params: list[Any] = [org_id, register]
    for term in terms:
        sql.append("AND instr(search, ?) > 0")
        params.append(term.casefold())
    return db.execute(" ".join(sql), params).fetchone()[0]


def next_ref(db: Database, org_id: str, schema: RegisterSchema, year: int | None = None) -> str:
    prefix = f"{schema.ref_prefix}-{year}-" if year else f"{schema.ref_prefix}-"
    numbers = [0]
    for (ref,) in db.execute(
        "SELECT ref FROM records WHERE org_id = ? AND register = ? AND ref LIKE ?",
        [org_id, schema.name, prefix + "%"],
    ):
        match = re.fullmatch(re.escape(prefix) + r"(\d+)", ref)
        if match:
            numbers.append(int(match.group(1)))
    return f"{prefix}{max(numbers) + 1:03d}"


def _split_links(schema: RegisterSchema, values: dict[str, Any]) -> tuple[dict, dict[str, list]]:
    """Stored values and stored links; reverse links belong to the other record and are dropped."""
    link_names = {f.name for f in schema.link_fields}
    reverse_names = {f.name for f in schema.reverse_link_fields}
    data = {k: v for k, v in values.items() if k not in link_names | reverse_names}
    links = {k: list(values.get(k) or []) for k in link_names}
    return data, links


def _write_links(db: Database, org_id: str, record_id: str, links: dict[str, list[str]]) -> None:
    for field, targets in links.items():
        db.execute("DELETE FROM links WHERE from_id = ? AND field = ?", [record_id, field])
        for position, target in enumerate(dict.fromkeys(targets)):
            db.execute(
                "INSERT INTO links (org_id, field, from_id, to_id, position) VALUES (?, ?, ?, ?, ?)",
                [org_id, field, record_id, target, position],
            )


def _check_link_targets(db: Database, org_id: str, schema: RegisterSchema,
                        links: dict[str, list[str]]) -> None:
    for f in schema.link_fields:
        for target in links.get(f.name, []):
            row = db.execute("SELECT register, org_id FROM records WHERE id = ?", [target]).fetchone()
            if row is None or row[1] != org_id or (f.target and row[0] != f.target):
                raise StorageError(f"{f.label}: linked record {target} does not exist here")


def insert_record(
    db: Database, org_id: str, schema: RegisterSchema, values: dict[str, Any], *, at: str,
    actor: str, ref: str | None = None, record_id: str | None = None, ref_year: int | None = None,
    note: str = "",
) -> Record:
    record_id = record_id or new_id()
    data, links = _split_links(schema, values)
    with transaction(db):
        _check_link_targets(db, org_id, schema, links)
        ref = ref or next_ref(db, org_id, schema, ref_year)
        db.execute(
            "INSERT INTO records (id, org_id, register, ref, data, search, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [record_id, org_id, schema.name, ref, _dumps(data), search_text([ref, data]), at, at],
        )
        _write_links(db, org_id, record_id, links)
        write_history(db, at=at, org_id=org_id, register=schema.name, record_id=record_id, ref=ref,
                      action="insert", changes=diff({}, {**data, **links}), actor=actor, note=note)
    return get_record(db, record_id, schema)


def update_record(db: Database, record_id: str, schema: RegisterSchema, values: dict[str, Any], *,
                  at: str, actor: str, note: str = "") -> Record:
    with transaction(db):
        before = get_record(db, record_id, schema)
        after = {**before.values, **values}
        data, links = _split_links(schema, after)
        _check_link_targets(db, before.org_id or "", schema, links)
        reverse_names = {f.name for f in schema.reverse_link_fields}
        changes = {k: v for k, v in diff(before.values, after).items() if k not in reverse_names}
        if changes:
            db.execute(
                "UPDATE records SET data = ?, search = ?, updated_at = ? WHERE id = ?",
                [_dumps(data), search_text([before.ref, data]), at, record_id],
            )
            _write_links(db, before.org_id or "", record_id, links)
            write_history(db, at=at, org_id=before.org_id or "", register=schema.name,
                          record_id=record_id, ref=before.ref, action="update", changes=changes,
                          actor=actor, note=note)
    return get_record(db, record_id, schema)


def set_archived(db: Database, record_id: str, *, archived: bool, reason: str, at: str,
                 actor: str) -> Record:
    with transaction(db):
        record = get_record(db, record_id)
        if record.archived == archived:
            return record
        db.execute("UPDATE records SET archived_at = ?, archive_reason = ?, updated_at = ? WHERE id = ?",
                   [at if archived else None, reason if archived else "", at, record_id])
        write_history(db, at=at, org_id=record.org_id or "", register=record.register,
                      record_id=record_id, ref=record.ref,
                      action="archive" if archived else "restore",
                      changes={}, actor=actor, note=reason)
    return get_record(db, record_id)


def linked_from(db: Database, target_id: str, *, include_archived: bool = False) -> list[tuple[str, Record]]:
    """(field, record) for every record whose link fields point at `target_id`."""
    archived = "" if include_archived else "AND r.archived_at IS NULL"
    rows = db.execute(
        f"SELECT l.field, r.id FROM links l JOIN records r ON r.id = l.from_id "
        f"WHERE l.to_id = ? {archived} ORDER BY r.ref",
        [target_id],
    ).fetchall()
    return [(field, get_record(db, rid)) for field, rid in rows]


# ---------------------------------------------------------------- history and timeline


def history(db: Database, record_id: str) -> list[HistoryEntry]:
    rows = db.execute_returning_dicts(
        "SELECT * FROM history WHERE record_id = ? ORDER BY id", [record_id]
    )
    return [_history_from_row(r) for r in rows]


def org_history(db: Database, org_id: str) -> list[HistoryEntry]:
    rows = db.execute_returning_dicts("SELECT * FROM history WHERE org_id = ? ORDER BY id", [org_id])
    return [_history_from_row(r) for r in rows]


def _history_from_row(row: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        id=row["id"], at=row["at"], org_id=row["org_id"], register=row["register"],
        record_id=row["record_id"], ref=row["ref"], action=row["action"],
        changes=json.loads(row["changes"]), actor=row["actor"], note=row["note"],
    )


def append_timeline(db: Database, org_id: str, record_id: str, *, at: str, logged_at: str,
                    kind: str, text: str, actor: str, data: dict[str, Any] | None = None,
                    uid: str | None = None) -> TimelineEntry:
    uid = uid or new_id()
    with transaction(db):
        db.execute(
            "INSERT INTO timeline (uid, org_id, record_id, at, logged_at, kind, text, data, actor) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [uid, org_id, record_id, at, logged_at, kind, text, _dumps(data or {}), actor],
        )
    return next(e for e in timeline(db, record_id) if e.uid == uid)


def timeline(db: Database, record_id: str) -> list[TimelineEntry]:
    rows = db.execute_returning_dicts(
        "SELECT * FROM timeline WHERE record_id = ? ORDER BY at, id", [record_id]
    )
    return [
        TimelineEntry(id=r["id"], uid=r["uid"], org_id=r["org_id"], record_id=r["record_id"],
                      at=r["at"], logged_at=r["logged_at"], kind=r["kind"], text=r["text"],
                      data=json.loads(r["data"]), actor=r["actor"])
        for r in rows
    ]


# ---------------------------------------------------------------- settings


def get_setting(db: Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_setting(db: Database, key: str, value: str) -> None:
    with transaction(db):
        db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])
