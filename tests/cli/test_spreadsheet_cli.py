"""import-ico, export-ico, export-csv from the command line: preview, consent to write, files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from dpo_tui import cli
from dpo_tui.commands.spreadsheet import printable
from dpo_tui.services import organisations
from dpo_tui.services import records as rs
from dpo_tui.services.workspace import open_workspace

NOW = "2026-11-22T10:00:00Z"
CHECKOUT = Path(__file__).resolve().parents[2]
HEADER = ["Business function", "Purpose of processing", "Categories of individuals",
          "Categories of personal data", "Article 6 lawful basis for processing personal data",
          "Last reviewed"]


def sheet(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    ws = book.active
    ws.title = "Template"
    ws["A1"] = "Controller"
    ws["B1"] = "Acme Dance Ltd"
    for r, row in enumerate(rows, start=3):
        for c, value in enumerate(row, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    book.save(path)
    return path


@pytest.fixture
def record_file(tmp_path: Path) -> Path:
    return sheet(tmp_path / "record.xlsx", [
        HEADER,
        ["Bookings", "Class bookings", "Parents", "Name; email", "Contract", "12/03/2026"],
        ["Finance", "Payroll", "Employees", "Bank details", "Because HMRC says", datetime(2026, 1, 5)],
        ["HR", None, "Employees", "Contracts"],
    ])


def run(db: Path, *args: str) -> int:
    return cli.main(["--db", str(db), "--as-of", NOW, *args])


def activities(db: Path) -> dict[str, list[str]]:
    """Organisation name -> purposes of its live activities."""
    ws = open_workspace(db, actor="tester")
    try:
        return {org.values["name"]: sorted(r.values["purpose"]
                                           for r in rs.list_records(ws, org.id, "activity"))
                for org in organisations.all(ws)}
    finally:
        ws.close()


class FakeTerminal:
    def isatty(self) -> bool:
        return True


# ---------------------------------------------------------------- import-ico


def test_without_yes_and_without_a_terminal_nothing_is_written(tmp_path, record_file, capsys):
    db = tmp_path / "dpo.db"
    assert run(db, "import-ico", str(record_file)) == 1
    out, err = capsys.readouterr()
    assert "Rows: 1 ready, 1 with warnings, 1 invalid, 0 duplicates, 0 skipped" in out
    assert "Into a new organisation: Acme Dance Ltd" in out
    assert "row     5  warning   Finance — Payroll: Article 6 lawful basis for processing " \
           "personal data: 'Because HMRC says' is not recognised; kept in the import note" in out
    assert "row     6  invalid   HR: Purpose of processing is required" in out
    assert "run again with --yes to import" in err
    assert activities(db) == {}


def test_with_yes_the_file_is_imported(tmp_path, record_file, capsys):
    db = tmp_path / "dpo.db"
    assert run(db, "import-ico", str(record_file), "--yes") == 0
    out = capsys.readouterr().out
    assert "Created the organisation Acme Dance Ltd." in out
    assert "Created 2 activities, updated 0, skipped 0; 1 invalid row not imported." in out
    assert activities(db) == {"Acme Dance Ltd": ["Class bookings", "Payroll"]}


@pytest.mark.parametrize("answer, code, imported", [("y", 0, True), ("yes", 0, True),
                                                    ("n", 1, False), ("", 1, False)])
def test_at_a_terminal_it_asks_first(tmp_path, record_file, capsys, monkeypatch, answer, code,
                                     imported):
    db = tmp_path / "dpo.db"
    questions = []
    monkeypatch.setattr(sys, "stdin", FakeTerminal())
    monkeypatch.setattr("builtins.input", lambda q: questions.append(q) or answer)
    assert run(db, "import-ico", str(record_file)) == code
    assert questions == ["Import now? [y/N] "]
    assert bool(activities(db)) is imported
    if not imported:
        assert "Nothing was imported." in capsys.readouterr().out


def test_a_closed_terminal_counts_as_no(tmp_path, record_file, monkeypatch):
    def closed(question: str) -> str:
        raise EOFError

    db = tmp_path / "dpo.db"
    monkeypatch.setattr(sys, "stdin", FakeTerminal())
    monkeypatch.setattr("builtins.input", closed)
    assert run(db, "import-ico", str(record_file)) == 1
    assert activities(db) == {}


def test_a_second_import_skips_or_updates(tmp_path, record_file, capsys):
    db = tmp_path / "dpo.db"
    run(db, "import-ico", str(record_file), "--yes")
    capsys.readouterr()
    assert run(db, "import-ico", str(record_file), "--yes") == 0
    out = capsys.readouterr().out
    assert "duplicate" in out and "Nothing to import." in out
    assert run(db, "import-ico", str(record_file), "--yes", "--update") == 0
    out = capsys.readouterr().out
    assert "row     4  update    Bookings — Class bookings: already recorded as PA-001" in out
    assert "Created 0 activities, updated 2, skipped 0" in out
    assert activities(db) == {"Acme Dance Ltd": ["Class bookings", "Payroll"]}


def test_org_picks_an_organisation_or_names_a_new_one(tmp_path, record_file, capsys):
    db = tmp_path / "dpo.db"
    ws = open_workspace(db, actor="tester")
    organisations.create(ws, {"name": "Studio North"})
    organisations.create(ws, {"name": "Studio South"})
    ws.close()
    assert run(db, "import-ico", str(record_file), "--yes", "--org", "studio north") == 0
    assert run(db, "import-ico", str(record_file), "--yes", "--org", "Coding Club") == 0
    assert "Into a new organisation: Coding Club" in capsys.readouterr().out
    assert activities(db) == {"Coding Club": ["Class bookings", "Payroll"],
                              "Studio North": ["Class bookings", "Payroll"], "Studio South": []}
    assert run(db, "import-ico", str(record_file), "--yes", "--org", "Studio") == 1
    assert "matches several organisations" in capsys.readouterr().err


def test_a_file_that_is_not_a_spreadsheet_is_refused(tmp_path, capsys):
    db = tmp_path / "dpo.db"
    fake = tmp_path / "record.xlsx"
    fake.write_text("Purpose of processing\nBookings\n")
    assert run(db, "import-ico", str(fake), "--yes") == 1
    err = capsys.readouterr().err
    assert err.startswith(f"dpo-tui: {fake} is not an Excel .xlsx workbook")
    assert activities(db) == {}


def test_printable_shows_control_characters_instead_of_obeying_them():
    assert printable("bad\x1b[2Jname\x07") == "bad\\x1b[2Jname\\x07"
    assert printable("two\nlines\tok") == "two\nlines\tok"


# ---------------------------------------------------------------- exports


@pytest.fixture
def imported_db(tmp_path, record_file) -> Path:
    db = tmp_path / "dpo.db"
    assert run(db, "import-ico", str(record_file), "--yes") == 0
    return db


def test_export_ico_writes_the_layout(imported_db, tmp_path, capsys):
    out = tmp_path / "exports" / "record.xlsx"
    out.parent.mkdir()
    capsys.readouterr()
    assert run(imported_db, "export-ico", "--out", str(out)) == 0
    assert capsys.readouterr().out.strip() == f"Wrote 2 activities to {out}"
    sheet = load_workbook(out)["Template"]
    assert sheet["A9"].value == "Business function" and sheet["B10"].value == "Class bookings"
    assert sheet["B5"].value == "Acme Dance Ltd"


def test_export_csv_writes_one_register(imported_db, tmp_path, capsys):
    out = tmp_path / "activities.csv"
    assert run(imported_db, "export-csv", "activity", "--out", str(out), "--org", "acme") == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["Purpose of processing"] for r in rows] == ["Class bookings", "Payroll"]
    assert rows[0]["Ref"] == "PA-001"


@pytest.mark.parametrize("args, message", [
    (("export-csv", "people", "--out", "x.csv"), "Unknown register 'people'"),
    (("export-ico", "--out", "missing/x.xlsx"), "does not exist; create it"),
    (("export-ico", "--out", "x.xlsx", "--org", "Nobody"), "No organisation called 'Nobody'"),
])
def test_export_mistakes_are_explained(imported_db, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert run(imported_db, *args) == 1
    assert message in capsys.readouterr().err


def test_exporting_without_a_database_does_not_create_one(tmp_path, capsys):
    db = tmp_path / "none.db"
    assert run(db, "export-ico", "--out", str(tmp_path / "x.xlsx")) == 1
    assert "There is no database" in capsys.readouterr().err
    assert not db.exists()


def test_csv_export_does_not_load_openpyxl(imported_db, tmp_path):
    """Only the .xlsx commands pay for openpyxl; a fresh interpreter shows what is loaded."""
    code = (
        "import json, sys\n"
        "from dpo_tui import cli\n"
        f"rc = cli.main(['--db', {str(imported_db)!r}, 'export-csv', 'activity', '--out', "
        f"{str(tmp_path / 'a.csv')!r}])\n"
        "print(json.dumps([rc, 'openpyxl' in sys.modules]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd=CHECKOUT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [0, False]
