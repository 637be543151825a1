"""`dpo-tui report` through cli.main: the short pack, the file name, errors, import-data."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from dpo_tui import cli
from dpo_tui.clock import Clock
from dpo_tui.services import organisations, records
from dpo_tui.services.workspace import open_workspace

NOW = "2026-11-22T10:00:00Z"


def make_db(path: Path) -> Path:
    ws = open_workspace(path, clock=Clock.from_text(NOW), actor="tester")
    org = organisations.create(ws, {"name": "Harbour Music Ltd", "dpo_name": "Jo"}).record
    records.save(ws, org.id, "processor", {"legal_name": "Stripe Payments UK Ltd",
                                           "status": "active"})
    records.save(ws, org.id, "retention", {"category": "Accounting records", "period_number": 6,
                                           "period_unit": "years",
                                           "trigger": "end-of-financial-year"})
    records.save(ws, org.id, "activity", {"purpose": "Class bookings", "status": "active"})
    organisations.create(ws, {"name": "Coding Club CIC", "dpo_name": "Al"})
    ws.close()
    return path


def run(db: Path, *args: str, as_of: str = NOW) -> int:
    return cli.main(["--db", str(db), "--as-of", as_of, "--user", "tester", *args])


@dataclass
class ShortPack:
    db: Path
    out: Path
    path: Path
    text: str
    stdout: str


@pytest.fixture(scope="module")
def short_pack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShortPack]:
    """One render for the module: the accountant's pack of the first organisation."""
    folder = tmp_path_factory.mktemp("cli-report")
    db = make_db(folder / "cli.db")
    out = folder / "reports"
    out.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        printed: list[str] = []
        mp.setattr("builtins.print", lambda *a, **k: printed.append(" ".join(map(str, a))))
        code = run(db, "report", "--org", "harbour", "--out", str(out),
                   "--sections", "cover, summary,processors,retention")
    assert code == 0
    path = Path(printed[-1])
    reader = PdfReader(path)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    yield ShortPack(db, out, path, text, "\n".join(printed))


def test_prints_the_path_of_a_pdf_named_after_the_organisation_and_date(short_pack):
    assert short_pack.path == short_pack.out / "harbour-music-dpo-report-2026-11-22.pdf"
    assert short_pack.path.read_bytes().startswith(b"%PDF-1.7")
    assert short_pack.stdout.strip() == str(short_pack.path)


def test_sections_make_the_short_pack(short_pack):
    text = short_pack.text
    for heading in ["1. Summary", "2. Processor register", "3. Retention schedule",
                    "Stripe Payments UK Ltd", "Accounting records"]:
        assert heading in text, heading
    # Other sections have no numbered heading (the summary still names every register).
    for absent in ["Breach log", "Findings: actions needed", "Organisation details",
                   "Record of processing activities", "Actions register", "Quarterly review"]:
        assert not re.search(rf"\b\d+\. {absent}", text), absent
    assert "Class bookings" not in text  # activities are not in the pack


def test_the_attached_data_loads_with_import_data(short_pack, tmp_path, capsys):
    data = PdfReader(short_pack.path).attachments
    (name, (content, *_)), = data.items()
    exported = tmp_path / name
    exported.write_bytes(content)
    assert json.loads(content)["organisations"][0]["values"]["name"] == "Harbour Music Ltd"
    empty = tmp_path / "empty.db"
    assert run(empty, "import-data", str(exported)) == 0
    capsys.readouterr()
    assert run(empty, "orgs") == 0
    assert capsys.readouterr().out.strip() == "* Harbour Music Ltd"


def test_unknown_section_is_a_usage_error_listing_the_valid_ones(tmp_path, capsys):
    db = tmp_path / "x.db"
    with pytest.raises(SystemExit) as exit_info:
        run(db, "report", "--sections", "cover,accounts")
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unknown section: accounts" in err
    assert ("valid sections: cover, summary, organisation, activities, client_processing, "
            "processors, retention, breaches, findings, actions, review") in err
    assert not db.exists()


def test_help_lists_the_sections(capsys):
    with pytest.raises(SystemExit):
        cli.main(["report", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Sections: cover, summary, organisation, activities" in out
    assert "--sections cover,summary,processors,retention" in out


def test_a_folder_that_does_not_exist_is_a_clear_error(tmp_path, capsys):
    db = make_db(tmp_path / "cli.db")
    target = tmp_path / "nowhere" / "r.pdf"
    assert run(db, "report", "--out", str(target)) == 1
    err = capsys.readouterr().err
    assert err.startswith("dpo-tui: The folder ") and "nowhere does not exist" in err
    assert "Traceback" not in err and not target.parent.exists()


def test_no_database_and_unknown_organisation_are_clear_errors(tmp_path, capsys):
    assert run(tmp_path / "none.db", "report") == 1
    assert "There is no database at" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()
    db = make_db(tmp_path / "cli.db")
    assert run(db, "report", "--org", "Nobody", "--out", str(tmp_path)) == 1
    assert "No organisation called 'Nobody'" in capsys.readouterr().err
