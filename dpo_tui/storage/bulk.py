"""Whole-database reads and verbatim inserts for export and import (dpo_tui.services.data_io).

Export reads every row as it is. Import writes rows back exactly as exported: original ids,
timestamps, history (when, who, what) and timeline entries. These inserts write no history of
their own: the imported history *is* the record's history. The caller validates everything
first and runs all inserts in one transaction (repository.transaction).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from dpo_tui.domain.schema import search_text
from dpo_tui.storage.db import Database


def _dumps(value: Any) -> str:
    # Same encoding as the repository, so an imported row is byte-identical to the original.
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# ---------------------------------------------------------------- reading


def organisation_rows(db: Database) -> list[dict[str, Any]]:
    """Every organisation, archived ones included, in the order they were added."""
    return db.execute_returning_dicts(
        "SELECT id, data, created_at, updated_at, archived_at, archive_reason "
        "FROM organisations ORDER BY created_at, rowid"
    )


def record_rows(db: Database, org_id: str) -> list[dict[str, Any]]:
    """Every record of one organisation, archived ones included."""
    return db.execute_returning_dicts(
        "SELECT id, register, ref, data, created_at, updated_at, archived_at, archive_reason "
        "FROM records WHERE org_id = ? ORDER BY register, ref, id", [org_id]
    )


def link_rows(db: Database, org_id: str) -> list[dict[str, Any]]:
    return db.execute_returning_dicts(
        "SELECT field, from_id, to_id, position FROM links WHERE org_id = ? "
        "ORDER BY from_id, field, position, to_id", [org_id]
    )


def history_rows(db: Database, org_id: str) -> list[dict[str, Any]]:
    """One organisation's history in the order it was written."""
    return db.execute_returning_dicts(
        "SELECT at, register, record_id, ref, action, changes, actor, note "
        "FROM history WHERE org_id = ? ORDER BY id", [org_id]
    )


def timeline_rows(db: Database, org_id: str) -> list[dict[str, Any]]:
    return db.execute_returning_dicts(
        "SELECT uid, record_id, at, logged_at, kind, text, data, actor "
        "FROM timeline WHERE org_id = ? ORDER BY id", [org_id]
    )


def settings(db: Database) -> dict[str, str]:
    return {key: value for key, value in db.execute("SELECT key, value FROM settings ORDER BY key")}


def orphan_counts(db: Database) -> dict[str, int]:
    """Rows that belong to no organisation; export refuses rather than drop them silently."""
    counts = {}
    for table in ("records", "links", "history", "timeline"):
        (n,) = db.execute(
            f"SELECT count(*) FROM {table} WHERE org_id NOT IN (SELECT id FROM organisations)"
        ).fetchone()
        if n:
            counts[table] = n
    return counts


def existing(db: Database, table: str, column: str, values: Iterable[str]) -> set[str]:
    """Which of `values` are already in `table.column` (ids and uids import must not reuse)."""
    if (table, column) not in {("organisations", "id"), ("records", "id"), ("timeline", "uid")}:
        raise ValueError(f"unexpected column {table}.{column}")
    wanted = list(dict.fromkeys(values))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        marks = ",".join("?" * len(chunk))
        found.update(row[0] for row in db.execute(
            f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", chunk))
    return found


# ---------------------------------------------------------------- writing (inside a transaction)


def insert_organisation(db: Database, *, id: str, values: dict[str, Any], created_at: str,
                        updated_at: str, archived_at: str | None, archive_reason: str) -> None:
    db.execute(
        "INSERT INTO organisations (id, data, created_at, updated_at, archived_at, archive_reason) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [id, _dumps(values), created_at, updated_at, archived_at, archive_reason],
    )


def insert_record(db: Database, *, id: str, org_id: str, register: str, ref: str,
                  data: dict[str, Any], created_at: str, updated_at: str,
                  archived_at: str | None, archive_reason: str) -> None:
    """`data` holds the values without link fields (links have their own table)."""
    db.execute(
        "INSERT INTO records (id, org_id, register, ref, data, search, created_at, updated_at, "
        "archived_at, archive_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [id, org_id, register, ref, _dumps(data), search_text([ref, data]), created_at,
         updated_at, archived_at, archive_reason],
    )


def insert_link(db: Database, *, org_id: str, field: str, from_id: str, to_id: str,
                position: int) -> None:
    db.execute(
        "INSERT INTO links (org_id, field, from_id, to_id, position) VALUES (?, ?, ?, ?, ?)",
        [org_id, field, from_id, to_id, position],
    )


def insert_history(db: Database, *, org_id: str, at: str, register: str, record_id: str, ref: str,
                   action: str, changes: dict[str, Any], actor: str, note: str) -> None:
    """An original history entry, as it was (the triggers refuse only UPDATE and DELETE)."""
    db.execute(
        "INSERT INTO history (at, org_id, register, record_id, ref, action, changes, actor, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [at, org_id, register, record_id, ref, action, _dumps(changes), actor, note],
    )


def insert_timeline(db: Database, *, org_id: str, uid: str, record_id: str, at: str,
                    logged_at: str, kind: str, text: str, data: dict[str, Any], actor: str) -> None:
    db.execute(
        "INSERT INTO timeline (uid, org_id, record_id, at, logged_at, kind, text, data, actor) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [uid, org_id, record_id, at, logged_at, kind, text, _dumps(data), actor],
    )


def insert_setting_if_absent(db: Database, key: str, value: str) -> bool:
    """A setting from an import never overwrites one this database already has."""
    cursor = db.execute("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)", [key, value])
    return cursor.rowcount == 1
