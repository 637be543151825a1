"""`dpo-tui check`: the items and exit code for the demo organisation at several --as-of dates,
and exit 2 whenever the check cannot run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dpo_tui import cli
from dpo_tui.clock import Clock
from dpo_tui.services import organisations, records, review
from dpo_tui.services.workspace import open_workspace

DEMO_LOADED = "2026-11-22T12:00:00Z"


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    """The demo organisation, loaded on 22 November 2026 (its first review is due 3 months on)."""
    from dpo_tui.services.demo import load_demo

    path = tmp_path / "demo.db"
    ws = open_workspace(path, clock=Clock.from_text(DEMO_LOADED), actor="tester")
    load_demo(ws)
    ws.close()
    return path


def run(db: Path, *args: str, as_of: str = DEMO_LOADED) -> int:
    return cli.main(["--db", str(db), "--as-of", as_of, *args])


def check_json(db: Path, capsys, as_of: str, *args: str) -> tuple[int, list[dict]]:
    code = run(db, "check", "--json", *args, as_of=as_of)
    return code, json.loads(capsys.readouterr().out)


def summary(items: list[dict]) -> list[tuple[str, str, str]]:
    return [(i["kind"], i["ref"], i["status"]) for i in items]


# ---------------------------------------------------------------- the demo at several dates


def test_demo_on_the_day_it_is_loaded(demo_db, capsys):
    code, items = check_json(demo_db, capsys, "2026-11-22")
    assert code == 1
    assert summary(items) == [
        ("retention-review", "RR-004", "overdue"),
        ("activity-review", "PA-009", "overdue"),
        ("processor-review", "PR-001", "due soon"),
        ("quarterly-review", "", "ok"),
    ]
    first = items[0]
    assert first["organisation"] == "Little Larks Music Studio Ltd"
    assert first["title"] == "Photos and video of pupils"
    assert first["due"] == "2026-09-30T23:59:59+01:00"  # end of the day, British Summer Time
    assert first["message"] == "Photos and video of pupils: review overdue since 2026-09-30 (53 days ago)"
    assert items[-1]["due"] == "2027-02-22T23:59:59+00:00"


def test_demo_before_anything_falls_due_exits_0(demo_db, capsys):
    code, items = check_json(demo_db, capsys, "2026-08-01T09:00:00+01:00")
    assert code == 0
    assert summary(items) == [("quarterly-review", "", "ok")]


def test_demo_in_march_has_reviews_due_and_a_contract_ending(demo_db, capsys):
    code, items = check_json(demo_db, capsys, "2027-03-01")
    assert code == 1
    by_ref = {(i["kind"], i["ref"]): i for i in items}
    assert by_ref[("quarterly-review", "")]["status"] == "overdue"
    assert by_ref[("processor-review", "PR-003")]["status"] == "overdue"
    assert by_ref[("activity-review", "PA-001")]["status"] == "due soon"
    contract = by_ref[("processor-contract", "PR-005")]
    assert contract["status"] == "due soon" and "2027-04-30 (in 60 days)" in contract["message"]
    statuses = [i["status"] for i in items]
    assert statuses == sorted(statuses, key=["overdue", "due soon", "ok"].index)


def test_demo_in_april_lists_the_disposals_due_this_quarter(demo_db, capsys):
    code, items = check_json(demo_db, capsys, "2027-04-01")
    assert code == 1
    disposals = {i["ref"]: i for i in items if i["kind"] == "retention-disposal"}
    assert set(disposals) == {"RR-002", "RR-008"}
    assert "year ended 2021-03-31" in disposals["RR-002"]["message"]
    assert "cut-off 2021-04-01" in disposals["RR-002"]["message"]
    assert "year ended 2024-04-05" in disposals["RR-008"]["message"]
    assert "cut-off 2024-04-06" in disposals["RR-008"]["message"]


def test_a_new_breach_counts_down_and_then_is_overdue(demo_db, capsys):
    from dpo_tui.services import breaches

    ws = open_workspace(demo_db, clock=Clock.from_text("2026-11-23T09:00:00Z"), actor="tester")
    org = organisations.current(ws)
    breaches.quick_add(ws, org.id, "Class photos emailed to the wrong family")
    ws.close()
    code, items = check_json(demo_db, capsys, "2026-11-25T12:00:00Z")
    assert code == 1
    first = items[0]
    assert (first["kind"], first["ref"], first["status"]) == ("breach", "BR-2026-004", "due soon")
    assert first["due"] == "2026-11-26T09:00:00+00:00"
    assert first["message"].startswith("21 h 00 min left to report to the ICO")
    code, items = check_json(demo_db, capsys, "2026-11-26T10:00:00Z")
    assert (items[0]["ref"], items[0]["status"]) == ("BR-2026-004", "overdue")


def test_after_a_complete_review_nothing_is_due(demo_db, capsys):
    ws = open_workspace(demo_db, clock=Clock.from_text("2026-11-22T12:00:00Z"), actor="tester")
    org = organisations.current(ws)
    state = review.start_or_resume(ws, org.id)
    while state.next_item is not None:
        state = review.decide(ws, state.review.id, state.next_item.key, "still-accurate")
    review.sign_off(ws, state.review.id, "Jo Lark")
    ws.close()
    code, items = check_json(demo_db, capsys, "2026-11-23")
    assert code == 0
    assert summary(items) == [("quarterly-review", "RV-001", "ok")]
    assert "2027-02-22" in items[0]["message"] and "last signed off 2026-11-22" in items[0]["message"]


def test_the_fee_reminder_six_weeks_before_expiry(demo_db, capsys):
    code, items = check_json(demo_db, capsys, "2027-06-23")  # 42 days before 4 August 2027
    fee = [i for i in items if i["kind"] == "registration"]
    assert len(fee) == 1 and fee[0]["status"] == "due soon" and fee[0]["register"] == "organisation"
    code, items = check_json(demo_db, capsys, "2027-06-22")
    assert not [i for i in items if i["kind"] == "registration"]


# ---------------------------------------------------------------- human output and organisations


def test_human_output_lists_items_and_counts(demo_db, capsys):
    assert run(demo_db, "check", as_of="2026-11-22") == 1
    out = capsys.readouterr().out
    assert "Little Larks Music Studio Ltd" in out and "not legal advice" in out
    assert "OVERDUE   2026-09-30" in out and "RR-004  Photos and video of pupils" in out
    assert "due soon  2026-12-01" in out
    assert out.strip().endswith("2 overdue, 1 due soon, 1 ok")


def test_all_organisations_by_default_or_one_with_org(demo_db, capsys):
    ws = open_workspace(demo_db, clock=Clock.from_text(DEMO_LOADED), actor="tester")
    second = organisations.create(ws, {"name": "Byte Club CIC", "dpo_name": "Kim"}).record
    records.save(ws, second.id, "action", {"what": "Write a privacy notice", "due": "2026-11-01"})
    ws.close()
    code, items = check_json(demo_db, capsys, "2026-11-22")
    assert code == 1
    assert {i["organisation"] for i in items} == {"Little Larks Music Studio Ltd", "Byte Club CIC"}
    code, items = check_json(demo_db, capsys, "2026-11-22", "--org", "byte")
    assert {i["organisation"] for i in items} == {"Byte Club CIC"}
    assert summary(items)[0] == ("action", "AC-001", "overdue")
    assert run(demo_db, "check", as_of="2026-11-22") == 1
    assert "[Byte Club CIC] AC-001" in capsys.readouterr().out


# ---------------------------------------------------------------- errors: exit 2


def test_a_missing_database_is_an_error_and_is_not_created(tmp_path, capsys):
    missing = tmp_path / "nowhere.db"
    assert run(missing, "check") == 2
    assert "There is no database" in capsys.readouterr().err
    assert not missing.exists()


def test_an_unknown_organisation_is_an_error(demo_db, capsys):
    assert run(demo_db, "check", "--org", "Nobody Ltd") == 2
    err = capsys.readouterr().err
    assert "No organisation called 'Nobody Ltd'" in err and "Little Larks" in err


def test_a_database_without_organisations_is_an_error(tmp_path, capsys):
    path = tmp_path / "empty.db"
    open_workspace(path, clock=Clock.from_text(DEMO_LOADED)).close()
    assert run(path, "check") == 2
    assert "no organisation" in capsys.readouterr().err


def test_a_file_that_is_not_a_database_is_an_error(tmp_path, capsys):
    path = tmp_path / "notes.db"
    path.write_text("not a database\n" * 100)
    assert run(path, "check", "--json") == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("dpo-tui check: ")


@pytest.mark.parametrize("args", [["--as-of", "2026-02-30"], ["--as-of", "next tuesday"]])
def test_a_bad_as_of_is_a_usage_error(demo_db, capsys, args):
    """Exit 2, as for any bad option, so cron tells it apart from 'something is due' (1)."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--db", str(demo_db), *args, "check"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--as-of:" in err and "usage: dpo-tui" in err and "Traceback" not in err


def test_a_bad_dpo_tui_now_names_the_variable(demo_db, capsys, monkeypatch):
    monkeypatch.setenv("DPO_TUI_NOW", "yesterday-ish")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--db", str(demo_db), "check"])
    assert exit_.value.code == 2
    assert "DPO_TUI_NOW:" in capsys.readouterr().err
