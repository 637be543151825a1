"""The database is never lost or damaged by opening it: the safety cases of issue 2.

Private files; newer, foreign and corrupt files refused and left byte-for-byte untouched (no
-wal or -shm left beside them either); a lock held by another process gives a clear message
within seconds; a read-only file is readable and refuses saves; migrations take a backup
first; history, timelines, records and organisations cannot be rewritten or deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dpo_tui import cli
from dpo_tui.clock import Clock
from dpo_tui.services import organisations, records
from dpo_tui.services.workspace import open_workspace
from dpo_tui.storage import migrations
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import (
    SQLITE_HEADER,
    CorruptDatabase,
    DatabaseLocked,
    NewerDatabase,
    NotADatabase,
    ReadOnlyDatabase,
    StorageError,
    backup_name,
    backup_to,
    open_database,
)

NOW = Clock.from_text("2026-11-22T10:00:00Z")
# Well above the busy timeout (3 s), well below "it hangs".
LOCK_DEADLINE_SECONDS = 10


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def fingerprint(path: Path) -> tuple[str, list[str]]:
    """The file's bytes and what lies beside it: both must survive a refused open unchanged."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, sorted(p.name for p in path.parent.iterdir())


def make_database(path: Path, n_records: int = 3) -> str:
    """A real, closed dpo-tui database with an organisation and some records; returns org id."""
    ws = open_workspace(path, clock=NOW, actor="tester")
    org = organisations.create(ws, {"name": "Test Studio", "dpo_name": "Dee Pio"}).record
    for n in range(n_records):
        records.save(ws, org.id, "action", {"what": f"Task {n} " + "x" * 400, "notes": "n" * 2000})
    ws.close()
    assert not Path(f"{path}-wal").exists(), "closing the last connection removes the WAL"
    return org.id


def refused_untouched(path: Path, error: type[StorageError]) -> StorageError:
    before = fingerprint(path)
    with pytest.raises(error) as caught:
        open_database(path, now=NOW.now())
    assert fingerprint(path) == before, "a refused file must be left exactly as it was"
    assert "untouched" in str(caught.value)
    return caught.value


def cli_run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- permissions


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask, so the modes below come from the code, not the umask."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_new_database_wal_and_folder_are_private(tmp_path, open_umask):
    path = tmp_path / "new" / "dpo-tui.db"
    ws = open_workspace(path, clock=NOW, actor="tester")
    org = organisations.create(ws, {"name": "Test Studio", "dpo_name": "Dee Pio"}).record
    records.save(ws, org.id, "action", {"what": "Check permissions"})
    assert mode(path.parent) == 0o700
    assert mode(path) == 0o600
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        assert side.exists() and mode(side) == 0o600, suffix
    ws.close()


def test_backups_are_private(tmp_path, open_umask):
    path = tmp_path / "dpo-tui.db"
    make_database(path)
    ws = open_workspace(path, clock=NOW, actor="tester")
    backup = backup_to(ws.db.conn, backup_name(path, NOW.now()))
    ws.close()
    assert backup.parent == tmp_path / "backups"
    assert mode(backup.parent) == 0o700 and mode(backup) == 0o600
    copy = sqlite3.connect(backup)
    assert copy.execute("SELECT count(*) FROM records").fetchone() == (3,)
    copy.close()


def test_cli_backup_is_private(tmp_path, open_umask, capsys):
    path = tmp_path / "dpo-tui.db"
    make_database(path)
    code, out, _ = cli_run(capsys, "--db", str(path), "--as-of", "2026-11-22T10:00:00Z", "backup")
    assert code == 0
    backup = Path(out.strip())
    assert backup.exists() and mode(backup) == 0o600 and mode(backup.parent) == 0o700


# ---------------------------------------------------------------- refused files stay untouched


def test_a_database_from_a_newer_version_is_refused_and_untouched(tmp_path):
    path = tmp_path / "dpo-tui.db"
    make_database(path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('dpo_tui', 'm999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    error = refused_untouched(path, NewerDatabase)
    assert "newer version of dpo-tui" in str(error) and "m999_from_the_future" in str(error)


def test_a_migration_set_of_another_app_is_not_mistaken_for_newer(tmp_path):
    path = tmp_path / "dpo-tui.db"
    make_database(path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('some_plugin', 'm001', '2030-01-01')")
    conn.commit()
    conn.close()
    open_database(path, now=NOW.now()).close()


@pytest.mark.parametrize("content", [
    b"name,email\nAnn,ann@example.org\n",
    os.urandom(8192).replace(b"SQLite", b"sqlite"),
    b"SQLite format 2\x00" + b"\x00" * 100,
    SQLITE_HEADER[:10],
], ids=["csv text", "random bytes", "almost a header", "truncated header"])
def test_a_file_that_is_not_sqlite_is_refused_and_untouched(tmp_path, content):
    path = tmp_path / "records.db"
    path.write_bytes(content)
    error = refused_untouched(path, NotADatabase)
    assert "not a dpo-tui database" in str(error)


def test_another_programs_sqlite_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "photos.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO photos (name) VALUES ('beach.jpg')")
    conn.commit()
    conn.close()
    refused_untouched(path, NotADatabase)


def _overwrite(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(data)


@pytest.mark.parametrize("damage", [
    lambda p, size: os.truncate(p, size // 2),
    lambda p, size: _overwrite(p, 4096 * 2, os.urandom(4096 * 3)),
    lambda p, size: _overwrite(p, 4096, b"hello world " * 1000),
    lambda p, size: _overwrite(p, 100, b"\xff" * 2000),
], ids=["truncated", "random pages", "text over pages", "first page damaged"])
def test_a_corrupt_database_is_refused_and_untouched(tmp_path, damage):
    path = tmp_path / "dpo-tui.db"
    make_database(path, n_records=60)
    size = path.stat().st_size
    assert size > 4096 * 8
    damage(path, size)
    error = refused_untouched(path, CorruptDatabase)
    assert "damaged" in str(error) and "backup" in str(error)


def test_an_empty_file_becomes_a_new_database(tmp_path):
    path = tmp_path / "dpo-tui.db"
    path.touch()
    ws = open_workspace(path, clock=NOW, actor="tester")
    assert organisations.all(ws) == []
    ws.close()


# ---------------------------------------------------------------- locks held by another process


HOLDER = textwrap.dedent("""
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
    if sys.argv[2] == "exclusive":
        # Another program that keeps the whole file to itself (no reader may enter).
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("INSERT INTO settings (key, value) VALUES ('held-by', 'another process')")
    print("locked", flush=True)
    sys.stdin.read()  # hold until the test closes our stdin (or kills us)
""")


@contextmanager
def lock_held_by_another_process(path: Path, how: str) -> Iterator[None]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), how],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_opening_a_database_another_program_holds_is_a_clear_error_not_a_hang(tmp_path):
    path = tmp_path / "dpo-tui.db"
    make_database(path)
    with lock_held_by_another_process(path, "exclusive"):
        started = time.monotonic()
        with pytest.raises(DatabaseLocked, match="locked by another program"):
            open_workspace(path, clock=NOW, actor="tester")
        assert time.monotonic() - started < LOCK_DEADLINE_SECONDS
    ws = open_workspace(path, clock=NOW, actor="tester")  # usable once the other lets go
    assert len(organisations.all(ws)) == 1
    ws.close()


def test_saving_while_another_process_writes_is_a_clear_error_and_loses_nothing(tmp_path):
    path = tmp_path / "dpo-tui.db"
    org_id = make_database(path)
    ws = open_workspace(path, clock=NOW, actor="tester")
    with lock_held_by_another_process(path, "write"):
        started = time.monotonic()
        with pytest.raises(DatabaseLocked, match="nothing was changed"):
            records.save(ws, org_id, "action", {"what": "Saved while locked"})
        assert time.monotonic() - started < LOCK_DEADLINE_SECONDS
    assert records.count(ws, org_id, "action") == 3
    records.save(ws, org_id, "action", {"what": "Saved after the lock"})
    assert records.count(ws, org_id, "action") == 4
    assert repo.get_setting(ws.db, "held-by") is None  # the other process's write rolled back
    ws.close()


def test_cli_reports_a_locked_database_with_exit_1(tmp_path, capsys):
    path = tmp_path / "dpo-tui.db"
    make_database(path)
    with lock_held_by_another_process(path, "exclusive"):
        code, _, err = cli_run(capsys, "--db", str(path), "orgs")
    assert code == 1
    assert err.startswith("dpo-tui: The database") and "locked by another program" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- read-only files


READ_ONLY_CHILD = textwrap.dedent("""
    import json, sys
    from dpo_tui.clock import Clock
    from dpo_tui.services import organisations, records
    from dpo_tui.services.workspace import open_workspace
    from dpo_tui.storage.db import StorageError
    result = {}
    ws = open_workspace(sys.argv[1], clock=Clock.from_text("2026-11-22T10:00:00Z"), actor="t")
    result["read_only"] = ws.read_only
    org = organisations.current(ws)
    result["count"] = records.count(ws, org.id, "action")
    try:
        records.save(ws, org.id, "action", {"what": "Should not be saved"})
        result["save"] = "saved"
    except StorageError as exc:
        result["save"] = type(exc).__name__
        result["message"] = str(exc)
    ws.close()
    print(json.dumps(result))
""")


def test_a_read_only_file_can_be_read_and_refuses_saves_losing_nothing(tmp_path,
                                                                       run_unprivileged):
    path = tmp_path / "dpo-tui.db"
    make_database(path)
    os.chmod(path, 0o400)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    child = run_unprivileged("-c", READ_ONLY_CHILD, str(path))
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout)
    assert result["read_only"] is True and result["count"] == 3
    assert result["save"] == ReadOnlyDatabase.__name__
    assert "read-only" in result["message"] and "Nothing was changed" in result["message"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    os.chmod(path, 0o600)
    ws = open_workspace(path, clock=NOW, actor="tester")
    assert records.count(ws, organisations.current(ws).id, "action") == 3
    ws.close()


def test_cli_saving_into_a_read_only_file_exits_1(tmp_path, run_unprivileged, capsys):
    source = tmp_path / "source.db"
    make_database(source)
    export = tmp_path / "export.json"
    ws = open_workspace(source, clock=NOW, actor="tester")
    from dpo_tui.services import data_io

    data_io.write_export(ws, export)
    ws.close()
    os.chmod(export, 0o644)
    target = tmp_path / "target.db"
    open_workspace(target, clock=NOW).close()
    os.chmod(target, 0o400)
    child = run_unprivileged("-m", "dpo_tui", "--db", str(target), "import-data", str(export))
    assert child.returncode == 1, child.stderr
    assert "read-only" in child.stderr and "Traceback" not in child.stderr


# ---------------------------------------------------------------- migrations take a backup first


def next_release(monkeypatch: pytest.MonkeyPatch, body) -> None:
    """This version's migrations plus `body` as the next release's, for this test only."""
    def m900_test_next_release(db) -> None:
        body(db)

    monkeypatch.setattr(migrations, "STEPS", [*migrations.STEPS, m900_test_next_release])


def add_a_table(db) -> None:
    db.execute("CREATE TABLE next_release (id INTEGER PRIMARY KEY)")


def applied_migrations(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    finally:
        conn.close()


def test_a_new_database_has_nothing_to_back_up(tmp_path, monkeypatch):
    next_release(monkeypatch, add_a_table)
    path = tmp_path / "dpo-tui.db"
    open_workspace(path, clock=NOW, actor="tester").close()
    assert applied_migrations(path)[-1] == "m900_test_next_release"
    assert not (tmp_path / "backups").exists()


def test_an_older_database_is_backed_up_before_the_upgrade(tmp_path, monkeypatch, open_umask):
    path = tmp_path / "dpo-tui.db"
    org_id = make_database(path)  # written by this release
    old_migrations = applied_migrations(path)
    next_release(monkeypatch, add_a_table)
    open_workspace(path, clock=NOW, actor="tester").close()
    assert applied_migrations(path) == [*old_migrations, "m900_test_next_release"]
    backups = list((tmp_path / "backups").iterdir())
    assert len(backups) == 1 and "before-upgrade" in backups[0].name
    assert mode(backups[0]) == 0o600 and mode(backups[0].parent) == 0o700
    assert applied_migrations(backups[0]) == old_migrations
    copy = sqlite3.connect(backups[0])
    assert copy.execute("SELECT id FROM organisations").fetchall() == [(org_id,)]
    assert copy.execute("SELECT count(*) FROM records").fetchone() == (3,)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    open_workspace(path, clock=NOW, actor="tester").close()  # up to date: no second backup
    assert len(list((tmp_path / "backups").iterdir())) == 1


def test_a_failed_upgrade_leaves_the_database_as_it_was_and_a_backup(tmp_path, monkeypatch):
    path = tmp_path / "dpo-tui.db"
    make_database(path)
    old_migrations = applied_migrations(path)
    ws = open_workspace(path, clock=NOW, actor="tester")
    before = data_snapshot(ws)
    ws.close()

    def broken(db) -> None:
        db.execute("UPDATE organisations SET data = json_set(data, '$.name', 'Half-migrated')")
        db.execute("THIS IS NOT SQL")

    next_release(monkeypatch, broken)
    with pytest.raises(StorageError):
        open_workspace(path, clock=NOW, actor="tester")
    assert applied_migrations(path) == old_migrations
    assert len(list((tmp_path / "backups").iterdir())) == 1
    monkeypatch.undo()
    ws = open_workspace(path, clock=NOW, actor="tester")
    assert data_snapshot(ws) == before
    ws.close()


def data_snapshot(ws) -> dict[str, list[tuple]]:
    return {t: ws.db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
            for t in ("organisations", "records", "history", "links", "timeline")}


# ---------------------------------------------------------------- append-only and never deleted


def test_history_cannot_be_changed_or_deleted(ws, org):
    records.save(ws, org.id, "action", {"what": "Keep the history"})
    for statement in ("UPDATE history SET actor = 'someone else'",
                      "UPDATE history SET changes = '{}' WHERE id = 1",
                      "DELETE FROM history",
                      "DELETE FROM history WHERE id = 1"):
        with pytest.raises(sqlite3.IntegrityError, match="history is append-only"):
            ws.db.execute(statement)
    with pytest.raises(StorageError, match="append-only"), repo.transaction(ws.db):
        ws.db.execute("DELETE FROM history")
    assert {e.actor for e in repo.org_history(ws.db, org.id)} == {"tester"}


def test_timeline_entries_cannot_be_changed_or_deleted(ws, org):
    record = records.save(ws, org.id, "action", {"what": "x"}).record
    repo.append_timeline(ws.db, org.id, record.id, at=ws.now_iso(), logged_at=ws.now_iso(),
                         kind="note", text="First", actor="tester")
    for statement in ("UPDATE timeline SET text = 'Rewritten'", "DELETE FROM timeline"):
        with pytest.raises(sqlite3.IntegrityError, match="timeline entries cannot be"):
            ws.db.execute(statement)
    assert [e.text for e in repo.timeline(ws.db, record.id)] == ["First"]


def test_records_and_organisations_cannot_be_deleted(ws, org):
    record = records.save(ws, org.id, "action", {"what": "x"}).record
    with pytest.raises(sqlite3.IntegrityError, match="records are archived, never deleted"):
        ws.db.execute("DELETE FROM records WHERE id = ?", [record.id])
    with pytest.raises(sqlite3.IntegrityError, match="organisations are archived, never deleted"):
        ws.db.execute("DELETE FROM organisations")
    with pytest.raises(StorageError, match="never deleted"), repo.transaction(ws.db):
        ws.db.execute("DELETE FROM records")
    assert records.get(ws, record.id).values["what"] == "x"


def test_breach_records_cannot_be_archived_even_with_sql(ws, org):
    ws.db.execute(
        "INSERT INTO records (id, org_id, register, ref, data, created_at, updated_at) "
        "VALUES ('b1', ?, 'breach', 'BR-2026-001', '{}', ?, ?)", [org.id, ws.now_iso(), ws.now_iso()])
    with pytest.raises(sqlite3.IntegrityError, match="breach records are kept"):
        ws.db.execute("UPDATE records SET archived_at = ? WHERE id = 'b1'", [ws.now_iso()])


# ---------------------------------------------------------------- the CLI: exit 1, a message, no traceback


@pytest.mark.parametrize("make, expected", [
    (lambda p: p.write_text("not a database"), "is not a dpo-tui database"),
    (lambda p: (make_database(p), _overwrite(p, 4096, os.urandom(4096 * 4))), "is damaged"),
    (lambda p: (make_database(p), _add_future_migration(p)), "newer version of dpo-tui"),
], ids=["not sqlite", "corrupt", "newer"])
def test_cli_refuses_bad_databases_with_exit_1_and_no_traceback(tmp_path, capsys, make,
                                                                expected):
    path = tmp_path / "dpo-tui.db"
    make(path)
    before = fingerprint(path)
    code, out, err = cli_run(capsys, "--db", str(path), "orgs")
    assert code == 1 and out == ""
    assert err.startswith("dpo-tui: ") and expected in err and "untouched" in err
    assert "Traceback" not in err
    assert fingerprint(path) == before


def _add_future_migration(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('dpo_tui', 'm999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()


def test_cli_on_a_folder_or_missing_database(tmp_path, capsys):
    code, _, err = cli_run(capsys, "--db", str(tmp_path), "orgs")
    assert code == 1 and "is a folder" in err and "Traceback" not in err
    missing = tmp_path / "none.db"
    code, _, err = cli_run(capsys, "--db", str(missing), "backup")
    assert code == 1 and "There is no database" in err
    assert not missing.exists()
