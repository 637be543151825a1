"""Versioned schema migrations. Append only: never edit or reorder a migration once released.

Records of every register share one table: the register's fields live in `data` (JSON),
validated by the domain schema, so adding a field needs no migration. Links between records
have their own table so both sides see them. History and breach timelines are append-only,
enforced by triggers, and no record or organisation can be deleted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATION_SET = "dpo_tui"  # sqlite-utils records applied migrations under this name
STEPS: list[Callable[[Database], None]] = []  # in order; each function's name is its migration's


def migration(step: Callable[[Database], None]) -> Callable[[Database], None]:
    STEPS.append(step)
    return step


def known_names() -> set[str]:
    return {step.__name__ for step in STEPS}


def applied_names(conn: sqlite3.Connection) -> set[str]:
    try:
        rows = conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                            [MIGRATION_SET]).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return set()  # a new database
        raise
    return {row[0] for row in rows}


def pending(conn: sqlite3.Connection) -> list[str]:
    applied = applied_names(conn)
    return [step.__name__ for step in STEPS if step.__name__ not in applied]


def apply(conn: sqlite3.Connection) -> None:
    """Run the pending migrations with sqlite-utils, imported only when the schema changes."""
    from sqlite_utils import Database, Migrations

    migrations = Migrations(MIGRATION_SET)
    for step in STEPS:
        migrations(name=step.__name__)(step)
    migrations.apply(Database(conn, execute_plugins=False))


@migration
def m001_initial(db: Database) -> None:
    # One statement at a time: executescript() would commit the migration's transaction early.
    for statement in _statements(
        """
        CREATE TABLE organisations (
            id TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            archived_at TEXT,
            archive_reason TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE records (
            id TEXT PRIMARY KEY,
            org_id TEXT NOT NULL REFERENCES organisations(id),
            register TEXT NOT NULL,
            ref TEXT NOT NULL,
            data TEXT NOT NULL,
            search TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            archived_at TEXT,
            archive_reason TEXT NOT NULL DEFAULT '',
            UNIQUE (org_id, register, ref)
        );
        CREATE INDEX records_by_register ON records (org_id, register, archived_at);
        CREATE TABLE links (
            org_id TEXT NOT NULL REFERENCES organisations(id),
            field TEXT NOT NULL,
            from_id TEXT NOT NULL REFERENCES records(id),
            to_id TEXT NOT NULL REFERENCES records(id),
            position INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (field, from_id, to_id)
        );
        CREATE INDEX links_to ON links (to_id);
        CREATE TABLE history (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            org_id TEXT NOT NULL,
            register TEXT NOT NULL,
            record_id TEXT NOT NULL,
            ref TEXT NOT NULL DEFAULT '',
            action TEXT NOT NULL,
            changes TEXT NOT NULL DEFAULT '{}',
            actor TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX history_by_record ON history (record_id, id);
        CREATE INDEX history_by_org ON history (org_id, id);
        CREATE TABLE timeline (
            id INTEGER PRIMARY KEY,
            uid TEXT NOT NULL UNIQUE,
            org_id TEXT NOT NULL REFERENCES organisations(id),
            record_id TEXT NOT NULL REFERENCES records(id),
            at TEXT NOT NULL,
            logged_at TEXT NOT NULL,
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}',
            actor TEXT NOT NULL
        );
        CREATE INDEX timeline_by_record ON timeline (record_id, at, id);
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        CREATE TRIGGER history_no_update BEFORE UPDATE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
        CREATE TRIGGER history_no_delete BEFORE DELETE ON history
        BEGIN SELECT RAISE(ABORT, 'history is append-only'); END;
        CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline
        BEGIN SELECT RAISE(ABORT, 'timeline entries cannot be changed; add a correction'); END;
        CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline
        BEGIN SELECT RAISE(ABORT, 'timeline entries cannot be removed; add a correction'); END;
        CREATE TRIGGER records_no_delete BEFORE DELETE ON records
        BEGIN SELECT RAISE(ABORT, 'records are archived, never deleted'); END;
        CREATE TRIGGER organisations_no_delete BEFORE DELETE ON organisations
        BEGIN SELECT RAISE(ABORT, 'organisations are archived, never deleted'); END;
        CREATE TRIGGER breaches_never_archived BEFORE UPDATE OF archived_at ON records
        WHEN NEW.register = 'breach' AND NEW.archived_at IS NOT NULL
        BEGIN SELECT RAISE(ABORT, 'breach records are kept: close them instead'); END;
        """
    ):
        db.execute(statement)


def _statements(script: str) -> list[str]:
    """Split a script on ';' at line ends, keeping trigger bodies (BEGIN ... END;) whole."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and (not text.upper().startswith("CREATE TRIGGER") or text.upper().endswith("END;")):
            statements.append(text)
            current = []
    return statements


@migration
def m002_links_by_source(db: Database) -> None:
    # Reading a record's links looked through every link row; this index finds them directly.
    db.execute("CREATE INDEX links_from ON links (from_id, field, position)")


@migration
def m003_records_in_ref_order(db: Database) -> None:
    # The register table lists records by reference; with this index the first page of a
    # filter stops after the rows it shows instead of sorting every match.
    db.execute("CREATE INDEX records_in_ref_order ON records (org_id, register, ref)")
