"""`dpo-tui breach add/list/note/show` through cli.main, with a temp database and --as-of."""

from __future__ import annotations

from pathlib import Path

import pytest

from dpo_tui import cli
from dpo_tui.clock import Clock
from dpo_tui.services import breaches as svc
from dpo_tui.services import organisations, records
from dpo_tui.services.workspace import open_workspace

NOW = "2026-11-22T10:00:00Z"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    ws = open_workspace(path, clock=Clock.from_text(NOW), actor="tester")
    organisations.create(ws, {"name": "Little Notes Music Studio", "dpo_name": "Jo"})
    ws.close()
    return path


def run(db: Path, *args: str, as_of: str = NOW) -> int:
    return cli.main(["--db", str(db), "--as-of", as_of, "--user", "tester", *args])


def breaches_in(db: Path) -> list:
    ws = open_workspace(db, clock=Clock.from_text(NOW))
    try:
        org = organisations.current(ws)
        return records.list_records(ws, org.id, "breach")
    finally:
        ws.close()


def test_add_prints_reference_and_deadline(db, capsys):
    assert run(db, "breach", "add", "--what", "Lost the Saturday register") == 0
    out = capsys.readouterr().out
    assert "BR-2026-001 logged for Little Notes Music Studio." in out
    assert "Aware at:  22/11/2026 10:00 GMT" in out
    assert "Deadline:  25/11/2026 10:00 GMT" in out
    assert "72 h 00 min left" in out
    assert run(db, "breach", "add", "--what", "Second one", "--found-by", "Sam",
               "--how", "Parent phoned") == 0
    assert "BR-2026-002 logged" in capsys.readouterr().out
    second = breaches_in(db)[1]
    assert (second.values["found_by"], second.values["how_found"]) == ("Sam", "Parent phoned")


def test_add_with_aware_time_in_the_org_zone_across_bst(db, capsys):
    assert run(db, "breach", "add", "--what", "Laptop stolen", "--aware", "2026-03-27T12:00",
               as_of="2026-03-28T12:00:00Z") == 0
    out = capsys.readouterr().out
    assert "Aware at:  27/03/2026 12:00 GMT" in out
    assert "Deadline:  30/03/2026 13:00 BST" in out  # 72 elapsed hours across the clock change
    assert "48 h 00 min left" in out


def test_add_with_explicit_offset(db, capsys):
    assert run(db, "breach", "add", "--what", "x", "--aware", "2026-07-01T09:00+02:00",
               as_of="2026-07-01T12:00:00Z") == 0
    assert "Aware at:  01/07/2026 08:00 BST" in capsys.readouterr().out


@pytest.mark.parametrize(("aware", "expected"), [
    ("next tuesday", "--aware: Aware at 'next tuesday'"),
    ("2026-02-30T10:00", "--aware: Aware at '2026-02-30T10:00'"),
    ("2026-11-23T10:00", "--aware: Aware at is in the future"),
])
def test_bad_aware_exits_1_with_a_clear_message(db, capsys, aware, expected):
    assert run(db, "breach", "add", "--what", "x", "--aware", aware) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("dpo-tui: ")
    assert expected in captured.err
    assert "Traceback" not in captured.err
    assert breaches_in(db) == []


def test_unparseable_aware_suggests_the_format(db, capsys):
    assert run(db, "breach", "add", "--what", "x", "--aware", "garbage") == 1
    assert "e.g. 2026-11-22T09:30" in capsys.readouterr().err


def test_bad_what_exits_1(db, capsys):
    assert run(db, "breach", "add", "--what", "   ") == 1
    assert "--what: What happened is required" in capsys.readouterr().err
    assert run(db, "breach", "add", "--what", "bell \x07 ringing") == 1
    assert "control character" in capsys.readouterr().err
    assert breaches_in(db) == []


def test_missing_what_is_a_usage_error(db, capsys):
    with pytest.raises(SystemExit) as caught:
        run(db, "breach", "add")
    assert caught.value.code == 2


def test_no_organisation_yet(tmp_path, capsys):
    assert run(tmp_path / "empty.db", "breach", "add", "--what", "x") == 1
    assert "no organisation yet" in capsys.readouterr().err


def test_org_option(db, capsys):
    ws = open_workspace(db, clock=Clock.from_text(NOW))
    organisations.create(ws, {"name": "Byte Club", "dpo_name": "Al"})  # now the current one
    ws.close()
    assert run(db, "breach", "add", "--what", "x", "--org", "little notes") == 0
    assert "logged for Little Notes Music Studio" in capsys.readouterr().out
    assert run(db, "breach", "list") == 0
    assert "No breaches logged for Byte Club." in capsys.readouterr().out
    assert run(db, "breach", "list", "--org", "Nobody") == 1
    assert "No organisation called 'Nobody'" in capsys.readouterr().err


def test_list_shows_status_outcome_and_clock(db, capsys):
    run(db, "breach", "add", "--what", "Pupil list to the wrong parent", "--aware", "2026-11-21T09:00")
    run(db, "breach", "add", "--what", "Old one", "--aware", "2026-11-01T09:00")
    capsys.readouterr()
    assert run(db, "breach", "list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["REF", "AWARE", "AT", "STATUS", "OUTCOME", "CLOCK", "WHAT", "HAPPENED"]
    assert lines[1].startswith("BR-2026-001  21/11/2026 09:00 GMT  open    Undecided")
    assert "47 h 00 min left" in lines[1] and "Pupil list to the wrong parent" in lines[1]
    assert "overdue" in lines[2]


def test_list_when_empty(db, capsys):
    assert run(db, "breach", "list") == 0
    assert "No breaches logged" in capsys.readouterr().out


def test_note_appends_to_the_timeline(db, capsys):
    run(db, "breach", "add", "--what", "Lost register")
    capsys.readouterr()
    assert run(db, "breach", "note", "br-2026-001", "Phoned the hall caretaker", "--kind", "action",
               "--at", "2026-11-22T09:45") == 0
    assert "BR-2026-001: action added at 22/11/2026 09:45 GMT." in capsys.readouterr().out
    assert run(db, "breach", "note", "BR-2026-001", "Hall searched, not found") == 0
    ws = open_workspace(db, clock=Clock.from_text(NOW))
    try:
        entries = svc.timeline(ws, breaches_in(db)[0].id)
    finally:
        ws.close()
    assert [e.kind for e in entries] == ["action", "action", "note"]  # by when it happened
    assert entries[0].text == "Phoned the hall caretaker"
    assert entries[1].text.startswith("Breach logged")
    assert entries[2].text == "Hall searched, not found" and entries[2].actor == "tester"
    assert run(db, "breach", "show", "BR-2026-001") == 0
    out = capsys.readouterr().out
    assert "Phoned the hall caretaker" in out and "Hall searched, not found" in out
    assert "Outcome:  Undecided" in out


def test_note_errors(db, capsys):
    assert run(db, "breach", "note", "BR-2026-009", "x") == 1
    assert "No breach BR-2026-009" in capsys.readouterr().err
    run(db, "breach", "add", "--what", "Lost register")
    assert run(db, "breach", "note", "BR-2026-001", "   ") == 1
    assert "empty" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        run(db, "breach", "note", "BR-2026-001", "x", "--kind", "assessment")
    assert caught.value.code == 2


def test_breach_needs_an_action(db, capsys):
    with pytest.raises(SystemExit) as caught:
        run(db, "breach")
    assert caught.value.code == 2
