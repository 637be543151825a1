"""Opening the one SQLite file safely.

Before anything is written, an existing file is checked through a read-only connection: it
must be SQLite, pass `quick_check`, and not come from a newer version of the app. Any of those
failing leaves the file byte-for-byte untouched. New files and folders are private (0600/0700).
Before migrations touch an existing database, a backup is taken with SQLite's backup API.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from dpo_tui.paths import backup_dir, ensure_private_dir

SQLITE_HEADER = b"SQLite format 3\x00"
# How long a write waits for another process's lock before giving up with a clear message.
LOCK_TIMEOUT_SECONDS = 3.0


class StorageError(Exception):
    """A problem with the database a user can act on; the message says what to do."""


class NotADatabase(StorageError):
    pass


class CorruptDatabase(StorageError):
    pass


class NewerDatabase(StorageError):
    pass


class DatabaseLocked(StorageError):
    pass


class ReadOnlyDatabase(StorageError):
    pass


class Database:
    """The open file: the few calls the app makes on its SQLite connection.

    The connection is in autocommit mode; a unit of work is a transaction opened by
    `repository.transaction`. sqlite-utils runs the migrations (storage/migrations.py) and is
    imported only then, which keeps its ~40 ms of imports off the start-up path
    (bench/startup.py).
    """

    def __init__(self, conn: sqlite3.Connection, *, path: Path, read_only: bool = False):
        self.conn = conn
        self.path = path
        self.read_only = read_only

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def execute_returning_dicts(self, sql: str,
                                params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        columns = [d[0] for d in cursor.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in cursor]

    @contextmanager
    def savepoint(self) -> Iterator[Database]:
        """A nested unit of work inside the caller's transaction: undone alone if it fails."""
        name = f"unit_{uuid.uuid4().hex}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            # A RAISE(ROLLBACK) trigger ends the whole transaction, savepoint included.
            if self.conn.in_transaction:
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        self.conn.execute(f"RELEASE SAVEPOINT {name}")

    def close(self) -> None:
        self.conn.close()


def locked_message(path: Path | str) -> str:
    return (
        f"The database {path} is locked by another program (another dpo-tui window?). "
        "Close it and try again; nothing was changed."
    )


def readonly_message(path: Path | str) -> str:
    return (
        f"The database {path} is read-only (file or folder permissions). "
        "Nothing was changed. Make it writable (chmod u+w) or work on a copy."
    )


def translate(exc: sqlite3.Error, path: Path | str) -> StorageError:
    """Turn sqlite3's errors into messages a user can act on."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLocked(locked_message(path))
    if "readonly" in text or "read-only" in text:
        return ReadOnlyDatabase(readonly_message(path))
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return CorruptDatabase(
            f"The database {path} is damaged ({str(exc).splitlines()[0][:200]}). It was left untouched; "
            "restore the latest backup (dpo-tui paths shows where backups are)."
        )
    return StorageError(f"Database error in {path}: {exc}")


def _connect(path: Path, *, read_only: bool = False, immutable: bool = False) -> sqlite3.Connection:
    if read_only:
        # immutable=1 promises SQLite nobody writes the file meanwhile, so it creates no -wal or
        # -shm beside a file we are only inspecting (and may refuse).
        uri = f"file:{quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")
        conn = sqlite3.connect(uri, uri=True, timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)
    else:
        conn = sqlite3.connect(str(path), timeout=LOCK_TIMEOUT_SECONDS, isolation_level=None)
    return conn


def inspect_existing(path: Path, known_migrations: set[str]) -> int:
    """Check a file before writing to it; returns how many tables it holds.

    Raises NotADatabase, CorruptDatabase, NewerDatabase or DatabaseLocked; never writes.
    """
    with open(path, "rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if len(header) == 0:
        return 0  # an empty file is a new database
    if header != SQLITE_HEADER:
        raise NotADatabase(
            f"{path} is not a dpo-tui database (not an SQLite file). It was left untouched. "
            "Check the --db path or DPO_TUI_DB."
        )
    in_use = any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal"))
    conn = _connect(path, read_only=True, immutable=not in_use)
    try:
        result = conn.execute("PRAGMA quick_check").fetchall()
        if result != [("ok",)]:
            detail = str(result[0][0]).splitlines()[0][:200]
            raise CorruptDatabase(
                f"The database {path} is damaged ({detail}). It was left untouched; "
                "restore the latest backup (dpo-tui paths shows where backups are)."
            )
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "_sqlite_migrations" in tables:
            applied = {
                row[0]
                for row in conn.execute(
                    "SELECT name FROM _sqlite_migrations WHERE migration_set = 'dpo_tui'"
                )
            }
            unknown = sorted(applied - known_migrations)
            if unknown:
                raise NewerDatabase(
                    f"The database {path} was written by a newer version of dpo-tui "
                    f"(it has changes this version does not know: {', '.join(unknown)}). "
                    "It was left untouched. Upgrade dpo-tui to open it."
                )
        elif tables:
            raise NotADatabase(
                f"{path} is an SQLite database, but not one of dpo-tui's. It was left untouched."
            )
        return len(tables)
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    finally:
        conn.close()


def create_private_file(path: Path) -> None:
    ensure_private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)


def configure(conn: sqlite3.Connection) -> None:
    # WAL + synchronous=FULL: survives power loss as well as a killed process, at a cost a
    # person never feels for single edits (PERFORMANCE.md: ~4,300 commits/s).
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")


def backup_to(conn: sqlite3.Connection, dest: Path) -> Path:
    """Copy a live database with SQLite's backup API into a new private file."""
    ensure_private_dir(dest.parent)
    if dest.exists():
        raise StorageError(f"{dest} already exists; choose another name")
    create_private_file(dest)
    target = sqlite3.connect(str(dest))
    try:
        conn.backup(target)
    finally:
        target.close()
    os.chmod(dest, 0o600)
    return dest


def backup_name(db_path: Path, now: datetime, why: str = "") -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    suffix = f"-{why}" if why else ""
    folder = backup_dir(db_path)
    candidate = folder / f"{db_path.stem}-{stamp}{suffix}.db"
    n = 2
    while candidate.exists():
        candidate = folder / f"{db_path.stem}-{stamp}{suffix}-{n}.db"
        n += 1
    return candidate


def open_reader(path: Path | str) -> Database:
    """A second, read-only connection to a database this process has already opened (and so
    checked and migrated) with `open_database`: for reading in another process or thread."""
    try:
        return Database(_connect(Path(path), read_only=True), path=Path(path), read_only=True)
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc


def open_database(path: Path | str, *, now: datetime, create: bool = True,
                  read_only: bool = False) -> Database:
    """Open (creating or migrating as needed) the database at `path`.

    `read_only` opens for looking only (a backup, a file on a read-only share); it is also
    chosen automatically when the file or its folder is not writable.
    """
    from dpo_tui.storage import migrations

    path = Path(path)
    if path.is_dir():
        raise StorageError(f"{path} is a folder; give the path of a database file")
    existed = path.exists() and path.stat().st_size > 0
    if path.exists():
        inspect_existing(path, migrations.known_names())
    elif create:
        try:
            create_private_file(path)
        except OSError as exc:
            raise StorageError(f"Cannot create the database {path}: {exc.strerror}") from exc
    else:
        raise StorageError(f"There is no database at {path}")

    read_only = read_only or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK)
    try:
        conn = _connect(path, read_only=read_only)
        if not read_only:
            configure(conn)
        else:
            conn.execute("PRAGMA foreign_keys=ON")
        if migrations.pending(conn):
            if read_only:
                raise ReadOnlyDatabase(readonly_message(path))
            if existed:
                backup_to(conn, backup_name(path, now, "before-upgrade"))
            migrations.apply(conn)
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    return Database(conn, path=path, read_only=read_only)
