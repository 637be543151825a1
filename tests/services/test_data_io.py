"""export-data / import-data: a lossless round trip, and a bad file refused as a whole."""

from __future__ import annotations

import copy
import json
import sqlite3
import stat
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpo_tui import cli
from dpo_tui.clock import Clock
from dpo_tui.domain import registers
from dpo_tui.domain import schema as s
from dpo_tui.services import data_io, organisations, records
from dpo_tui.services.data_io import ImportRefused
from dpo_tui.services.workspace import Workspace, open_workspace
from dpo_tui.storage import bulk
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "data-format.schema.json"
TABLES = ("organisations", "records", "links", "history", "timeline", "settings")


# ---------------------------------------------------------------- building a rich database


def sample_value(f: s.Field, n: int) -> Any:
    """A valid, non-empty value of every field kind (links are filled in a second pass)."""
    kind = f.kind
    if kind == s.TEXT:
        return f"{f.label} {n} – Café Łódź [/] <b>"
    if kind == s.EMAIL:
        return f"person{n}@example.org"
    if kind == s.LONGTEXT:
        return f"First line {n}\nSecond line with “quotes” and [bold]markup[/bold]"
    if kind == s.CHOICE:
        return f.choices[n % len(f.choices)][0]
    if kind == s.MULTICHOICE:
        return list(dict.fromkeys([f.choices[0][0], f.choices[-1][0]]))
    if kind == s.TAGS:
        return [f"tag {n}", "Ünïcode tag"]
    if kind == s.DATE:
        return f"2026-0{1 + n % 9}-1{n % 10}"
    if kind == s.DATETIME:
        return f"2026-0{1 + n % 9}-1{n % 10}T09:30:00Z"
    if kind == s.BOOL:
        return n % 2 == 0
    if kind == s.INT:
        return 10 + n
    if kind == s.ROWS:
        return [{c: f"{c} {n}" for c in f.columns}]
    if kind == s.LINK:
        return []
    raise AssertionError(f"no sample for {kind}")


def full_values(register: str, n: int) -> dict[str, Any]:
    """Every field filled; a non-required field a cross-field rule objects to is left empty."""
    schema = registers.schema(register)
    values = {f.name: sample_value(f, n) for f in schema.fields}
    optional = [f for f in reversed(schema.fields) if not f.required]
    for _ in range(2 * len(schema.fields)):
        result = s.validate(schema, values)
        if result.ok:
            return values
        blanked = False
        for name in result.errors:
            f = schema.field(name)
            if not f.required and not s.is_empty(values[name]):
                values[name], blanked = f.empty_value(), True
        if not blanked:  # the rule's cause is another field: give up the last optional one
            f = next(f for f in optional if not s.is_empty(values[f.name]))
            values[f.name] = f.empty_value()
    raise AssertionError(f"{register}: no valid sample: {s.validate(schema, values).errors}")


def build_rich_database(ws: Workspace) -> dict[str, list[str]]:
    """Two organisations (one archived) with records of every register this build has,
    links both ways, updates, archived and restored records, timeline entries and settings."""
    org = organisations.create(ws, {"name": "Harbour Dance Studio", "dpo_name": "Dee Pio",
                                    "email": "hello@harbour.example"}).record
    organisations.update(ws, org.id, {"telephone": "01632 960000"})
    names = registers.available()
    ids: dict[str, list[str]] = {}
    for n, register in enumerate(names * 2):
        saved = records.save(ws, org.id, register, full_values(register, n)).record
        ids.setdefault(register, []).append(saved.id)
    # Second pass: link every record to the records its link fields may point at.
    for register in names:
        schema = registers.schema(register)
        for record_id in ids[register]:
            links = {f.name: list(reversed(ids.get(f.target, []))) for f in schema.link_fields}
            if links:
                records.save(ws, org.id, register, links, record_id=record_id)
    for register in names:
        first = ids[register][0]
        records.save(ws, org.id, register, {schema_text_field(register): "Changed later"},
                     record_id=first, note="second thoughts")
        if register != "breach":  # breaches are never archived
            records.archive(ws, ids[register][1], "Replaced by a newer record")
            records.archive(ws, first, "Archived by mistake")
            records.restore(ws, first)
    for record_id in ids.get("breach", ids["action"])[:2]:
        for k, kind in enumerate(("note", "decision")):
            repo.append_timeline(ws.db, org.id, record_id, at=f"2026-11-2{k}T08:00:00Z",
                                 logged_at=ws.now_iso(), kind=kind, text=f"{kind} «{k}» [/]",
                                 actor="tester", data={"step": k, "who": ["Ann", "Bob"]})
    old = organisations.create(ws, {"name": "Old Coding Club", "dpo_not_appointed_reason":
                                    "Fewer than 10 staff, no large-scale monitoring"}).record
    records.save(ws, old.id, "action", {"what": "Hand over records", "status": "done"})
    organisations.archive(ws, old.id, "Club closed in 2025")
    organisations.select(ws, org.id)
    repo.set_setting(ws.db, "actor", "Dee Pio")
    return ids


def schema_text_field(register: str) -> str:
    schema = registers.schema(register)
    return next(f.name for f in schema.fields if f.kind in (s.TEXT, s.LONGTEXT) and f.required)


def table_dump(ws: Workspace) -> dict[str, list[tuple]]:
    return {t: ws.db.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in TABLES}


def without_stamp(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "exported_at"}


@pytest.fixture
def source(tmp_path: Path, clock: Clock) -> Workspace:
    ws = open_workspace(tmp_path / "source.db", clock=clock, actor="tester")
    build_rich_database(ws)
    yield ws
    ws.close()


@pytest.fixture
def exported(source: Workspace) -> dict[str, Any]:
    return data_io.export_data(source)


@pytest.fixture
def empty(tmp_path: Path) -> Workspace:
    # A later clock and another person: import must keep the original times and actors.
    ws = open_workspace(tmp_path / "empty.db", clock=Clock.from_text("2027-03-01T12:00:00Z"),
                        actor="restorer")
    yield ws
    ws.close()


def first_org(data: dict[str, Any]) -> dict[str, Any]:
    return data["organisations"][0]


def find_record(data: dict[str, Any], register: str, ref: str | None = None) -> dict[str, Any]:
    return next(r for r in first_org(data)["records"]
                if r["register"] == register and (ref is None or r["ref"] == ref))


# ---------------------------------------------------------------- round trip


def test_the_rich_database_covers_every_register_and_kind_of_row(exported):
    registers_present = {r["register"] for r in first_org(exported)["records"]}
    assert registers_present == set(registers.available())
    assert {"activity", "processor", "retention", "breach", "action"} <= registers_present
    org = first_org(exported)
    assert org["links"] and org["timeline"]
    actions = {h["action"] for h in org["history"]}
    assert {"insert", "update", "archive", "restore"} <= actions
    assert any(r["archived_at"] and r["archive_reason"] for r in org["records"])
    assert exported["organisations"][1]["archived_at"] is not None
    assert exported["settings"]["actor"] == "Dee Pio"


def test_export_import_export_gives_identical_data(source, exported, empty):
    summary = data_io.import_data(empty, exported)
    again = data_io.export_data(empty)
    assert without_stamp(again) == without_stamp(exported)
    assert again["exported_at"] == "2027-03-01T12:00:00Z"
    assert summary.organisations == ["Harbour Dance Studio", "Old Coding Club"]
    assert summary.history == sum(len(o["history"]) for o in exported["organisations"])
    assert summary.timeline == len(first_org(exported)["timeline"]) > 0
    # The raw rows are the same too (ids of autoincrement columns aside). The search column
    # is rebuilt on import: the same words, maybe in another order.
    record_columns = "id, org_id, register, ref, data, created_at, updated_at, archived_at, archive_reason"
    for table, columns, order in (("organisations", "*", "1"), ("records", record_columns, "1"),
                                  ("links", "*", "1, 2, 3, 4"), ("settings", "*", "1")):
        query = f"SELECT {columns} FROM {table} ORDER BY {order}"
        assert empty.db.execute(query).fetchall() == source.db.execute(query).fetchall()
    query = "SELECT id, search FROM records ORDER BY id"
    for (id_a, search_a), (id_b, search_b) in zip(source.db.execute(query).fetchall(),
                                                  empty.db.execute(query).fetchall(), strict=True):
        assert id_a == id_b and sorted(search_a.split()) == sorted(search_b.split())
    for table, columns in (("history", "at, org_id, register, record_id, ref, action, changes, "
                                       "actor, note"),
                           ("timeline", "uid, org_id, record_id, at, logged_at, kind, text, "
                                        "data, actor")):
        query = f"SELECT {columns} FROM {table} ORDER BY id"
        assert empty.db.execute(query).fetchall() == source.db.execute(query).fetchall()


def test_imported_records_read_back_like_the_originals(source, exported, empty):
    data_io.import_data(empty, exported)
    for record in first_org(exported)["records"]:
        before = records.get(source, record["id"])
        after = records.get(empty, record["id"])
        assert after == before
        assert records.history_lines(empty, record["id"]) == records.history_lines(source, record["id"])
    for record in first_org(exported)["records"]:
        assert repo.timeline(empty.db, record["id"]) == repo.timeline(source.db, record["id"])
    # The filter finds imported records (their search text was rebuilt on import).
    org_id = first_org(exported)["id"]
    assert records.list_records(empty, org_id, "action", text="changed later")


def test_write_export_is_private_and_import_reads_it_back(source, empty, tmp_path):
    out = data_io.write_export(source, tmp_path / "records.json")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".records")] == []
    summary = data_io.import_data(empty, out)
    assert summary.records == {r: n for r, n in _count_registers(source).items()}
    assert without_stamp(json.loads(out.read_text())) == without_stamp(data_io.export_data(empty))


def _count_registers(ws: Workspace) -> dict[str, int]:
    return dict(ws.db.execute("SELECT register, count(*) FROM records GROUP BY register").fetchall())


def test_export_replaces_an_existing_file_atomically(source, tmp_path):
    out = tmp_path / "records.json"
    out.write_text("old")
    data_io.write_export(source, out)
    assert json.loads(out.read_text())["format"] == "dpo-tui-data"
    assert sorted(p.name for p in tmp_path.iterdir() if "records" in p.name) == ["records.json"]


def test_import_adds_to_a_database_that_has_other_organisations(ws, org, exported):
    repo.set_setting(ws.db, "actor", "Someone Else")
    before = organisations.get(ws, org.id)
    summary = data_io.import_data(ws, exported)
    assert {o.values["name"] for o in organisations.all(ws, include_archived=True)} == {
        "Test Studio", "Harbour Dance Studio", "Old Coding Club"}
    assert organisations.get(ws, org.id) == before
    assert repo.get_setting(ws.db, "actor") == "Someone Else"  # kept, not overwritten
    assert "actor" in summary.settings_kept and "actor" in "\n".join(summary.lines())


# ---------------------------------------------------------------- refused files write nothing


def refused(ws: Workspace, data: Any) -> list[str]:
    before = table_dump(ws)
    with pytest.raises(ImportRefused) as caught:
        data_io.import_data(ws, data)
    assert table_dump(ws) == before, "a refused import must write nothing"
    assert caught.value.problems
    assert "nothing was imported" in str(caught.value)
    return caught.value.problems


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d.clear() or d.update({"hello": 1}), 'this is not a dpo-tui data file'),
    (lambda d: d.update(version=2), "newer version of dpo-tui (format version 2"),
    (lambda d: d.update(version="1"), '"version" must be 1'),
    (lambda d: d.pop("organisations"), 'file: "organisations" is missing'),
    (lambda d: d.update(organisations={}), '"organisations" must be a list, not an object'),
    (lambda d: d.update(surprise=True), 'file: "surprise" is not part of the format'),
    (lambda d: d["settings"].update(x=3), 'settings: "x" must be text'),
    (lambda d: first_org(d).pop("history"), 'organisation "Harbour Dance Studio": "history" is missing'),
    (lambda d: first_org(d)["values"].update(name=""), 'organisation 1: field "name": Name is required'),
    (lambda d: first_org(d)["values"].update(timezone="Mars/Olympus"), "Time zone 'Mars/Olympus' is unknown"),
    (lambda d: find_record(d, "action", "AC-001").pop("ref"), "record 1 (action)"),
    (lambda d: find_record(d, "action", "AC-001").update(values=[]),
     'record AC-001 (action): "values" must be an object, not a list'),
    (lambda d: find_record(d, "action", "AC-001").update(created_at="2026-11-22 10:00"),
     'record AC-001 (action): "created_at" must be a UTC time like 2026-11-22T10:00:00Z, not "2026-11-22 10:00"'),
    (lambda d: find_record(d, "action", "AC-001").update(archived_at="2026-02-30T10:00:00Z"),
     'record AC-001 (action): "archived_at" must be a UTC time'),
    (lambda d: first_org(d)["records"].append(copy.deepcopy(find_record(d, "action", "AC-001"))),
     "appears twice in the file"),
    (lambda d: first_org(d)["history"][0].update(changes={"name": "X"}),
     'history entry 1: "changes" must map each field to [before, after]'),
    (lambda d: first_org(d)["history"][0].update(record_id="nobody"),
     'history entry 1: is about "nobody", which is not this organisation'),
    (lambda d: next(h for h in first_org(d)["history"] if h["register"] == "action").update(
        register="organisation"), '"register" is "organisation" but the record is "action"'),
    (lambda d: first_org(d)["timeline"][0].update(record_id="nobody"),
     'timeline entry 1: is about "nobody"'),
    (lambda d: first_org(d)["timeline"][1].update(uid=first_org(d)["timeline"][0]["uid"]),
     "timeline entry 2: uid"),
])
def test_a_structurally_bad_file_is_refused_with_where_and_why(empty, exported, mutate, expected):
    data = copy.deepcopy(exported)
    mutate(data)
    problems = refused(empty, data)
    assert any(expected in p for p in problems), problems


def test_not_an_object_is_refused(empty):
    assert refused(empty, [1, 2]) == ["the file must hold a JSON object, not a list"]


def test_an_unknown_register_is_refused_naming_the_record(empty, exported):
    data = copy.deepcopy(exported)
    find_record(data, "action", "AC-002")["register"] = "spaceship"
    problems = refused(empty, data)
    assert any('record AC-002 (spaceship): unknown register "spaceship"' in p for p in problems)


def test_an_invalid_value_is_refused_naming_record_and_field(empty, exported):
    data = copy.deepcopy(exported)
    find_record(data, "action", "AC-001")["values"]["status"] = "maybe"
    find_record(data, "action", "AC-002")["values"]["colour"] = "blue"
    problems = refused(empty, data)
    assert ('organisation "Harbour Dance Studio", record AC-001 (action): field "status": '
            "Status 'maybe' is not one of: Open, In progress, Done, Dropped") in problems
    assert ('organisation "Harbour Dance Studio", record AC-002 (action): field "colour" is not '
            "a field of action records") in problems


def test_values_must_have_their_stored_json_type(empty, exported):
    data = copy.deepcopy(exported)
    find_record(data, "action", "AC-001")["values"]["due"] = 20261201
    activity = find_record(data, "activity")
    activity["values"]["transfers"] = True
    activity["values"]["children"] = "yes"
    problems = refused(empty, data)
    assert any('record AC-001 (action): field "due": Due date must be text, not a number' in p
               for p in problems), problems
    assert any(f'record {activity["ref"]} (activity): field "transfers"' in p
               and "must be a list of rows" in p for p in problems), problems
    assert any(f'record {activity["ref"]} (activity): field "children"' in p
               and "must be true, false or null, not text" in p for p in problems), problems


def test_every_problem_is_listed_not_just_the_first(empty, exported):
    data = copy.deepcopy(exported)
    for record in first_org(data)["records"]:
        if record["register"] == "action":
            record["values"]["what"] = ""
    problems = refused(empty, data)
    action_refs = [r["ref"] for r in first_org(exported)["records"] if r["register"] == "action"]
    assert len([p for p in problems if "What needs doing is required" in p]) == len(action_refs) >= 2


def test_an_archived_breach_is_refused(empty, exported):
    data = copy.deepcopy(exported)
    breach = find_record(data, "breach")
    breach["archived_at"], breach["archive_reason"] = "2026-11-22T10:00:00Z", "tidy"
    problems = refused(empty, data)
    assert any(f"record {breach['ref']} (breach): breach records are never archived" in p
               for p in problems)


def test_a_dangling_link_is_refused(empty, exported):
    data = copy.deepcopy(exported)
    org = first_org(data)
    link = org["links"][0]
    source_record = next(r for r in org["records"] if r["id"] == link["from_id"])
    values = source_record["values"][link["field"]]
    values[values.index(link["to_id"])] = "gone-id"
    link["to_id"] = "gone-id"
    problems = refused(empty, data)
    assert any(f"record {source_record['ref']} ({source_record['register']}): field "
               f'"{link["field"]}" links to gone-id, which is not a record in the file' in p
               for p in problems), problems


def test_link_values_must_agree_with_link_rows(empty, exported):
    data = copy.deepcopy(exported)
    org = first_org(data)
    link = org["links"][0]
    source_record = next(r for r in org["records"] if r["id"] == link["from_id"])
    source_record["values"][link["field"]] = []
    problems = refused(empty, data)
    assert any(f"record {source_record['ref']}" in p and "but the link rows say" in p
               for p in problems), problems


def test_reverse_links_may_be_left_out_or_must_agree(empty, exported, tmp_path):
    activity_schema = registers.schema("activity")
    reverse = activity_schema.reverse_link_fields
    assert reverse, "activities show their breaches, stored on the breach side"
    f = reverse[0]
    data = copy.deepcopy(exported)
    org = first_org(data)
    linked = [link for link in org["links"] if link["field"] == f.reverse_of]
    assert linked
    activity = next(r for r in org["records"] if r["id"] == linked[0]["to_id"])
    truth = sorted(link["from_id"] for link in linked if link["to_id"] == activity["id"])
    activity["values"][f.name] = ["made-up-id"]
    problems = refused(empty, data)
    assert any(f'record {activity["ref"]} (activity): field "{f.name}" lists' in p
               for p in problems), problems
    activity["values"][f.name] = list(reversed(truth))
    data_io.import_data(empty, data)
    assert sorted(records.get(empty, activity["id"]).values[f.name]) == truth
    assert f.name not in json.loads(empty.db.execute(
        "SELECT data FROM records WHERE id = ?", [activity["id"]]).fetchone()[0])


def test_a_link_into_another_organisation_is_refused(empty, exported):
    data = copy.deepcopy(exported)
    org, old = data["organisations"]
    link = org["links"][0]
    target = next(r for r in org["records"] if r["id"] == link["to_id"])
    org["records"].remove(target)
    old["records"].append(target)
    problems = refused(empty, data)
    assert any("a record of another organisation" in p for p in problems), problems


def test_a_link_on_a_field_that_is_not_a_link_is_refused(empty, exported):
    data = copy.deepcopy(exported)
    org = first_org(data)
    action = find_record(data, "action", "AC-001")
    org["links"].append({"field": "owner", "from_id": action["id"], "to_id": action["id"],
                         "position": 0})
    problems = refused(empty, data)
    assert any('record AC-001 (action): "owner" is not a link field' in p for p in problems)


def test_an_organisation_already_present_is_refused_and_left_as_it_was(source, exported):
    # Even with a changed copy: import can never change existing records, breaches or timelines.
    data = copy.deepcopy(exported)
    for record in first_org(data)["records"]:
        record["values"][schema_text_field(record["register"])] = "Overwritten?"
    problems = refused(source, data)
    assert problems[0].startswith('organisation "Harbour Dance Studio": already present in this '
                                  "database")
    assert "import into an empty database" in problems[0]
    assert len([p for p in problems if "already present" in p]) == 2
    assert without_stamp(data_io.export_data(source)) == without_stamp(exported)


def test_a_record_id_already_used_elsewhere_is_refused(ws, org, exported):
    data = copy.deepcopy(exported)
    taken = records.save(ws, org.id, "action", {"what": "mine"}).record.id
    record = find_record(data, "action", "AC-001")
    for link in first_org(data)["links"]:
        assert record["id"] not in (link["from_id"], link["to_id"])
    for entry in first_org(data)["history"] + first_org(data)["timeline"]:
        if entry["record_id"] == record["id"]:
            entry["record_id"] = taken
    record["id"] = taken
    problems = refused(ws, data)
    assert ('organisation "Harbour Dance Studio", record AC-001 (action): record id '
            f"{taken} is already used in this database") in problems


def test_a_failure_while_writing_rolls_everything_back(empty, exported, monkeypatch):
    calls = {"n": 0}
    real = bulk.insert_timeline

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return real(*args, **kwargs)

    monkeypatch.setattr(bulk, "insert_timeline", failing)
    before = table_dump(empty)
    with pytest.raises(StorageError, match="disk I/O error"):
        data_io.import_data(empty, exported)
    assert table_dump(empty) == before


# ---------------------------------------------------------------- reading files


def test_bad_json_is_refused_with_line_and_column(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "format": "dpo-tui-data",\n  "version": 1,,\n}\n')
    with pytest.raises(ImportRefused) as caught:
        data_io.read_data_file(bad)
    assert caught.value.problems == [
        f"{bad} is not valid JSON: Expecting property name enclosed in double quotes "
        "at line 3, column 16"]


def test_missing_and_unreadable_files_are_refused(tmp_path):
    with pytest.raises(ImportRefused, match="There is no file"):
        data_io.read_data_file(tmp_path / "nope.json")
    with pytest.raises(ImportRefused, match="is a folder"):
        data_io.read_data_file(tmp_path)
    binary = tmp_path / "x.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ImportRefused, match="not a text"):
        data_io.read_data_file(binary)


# ---------------------------------------------------------------- the JSON Schema


def test_json_schema_is_valid_and_accepts_a_real_export(exported):
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(exported)
    # And the JSON file as written, not just the dict.
    jsonschema.Draft202012Validator(schema).validate(json.loads(json.dumps(exported)))


@pytest.mark.parametrize("mutate", [
    lambda d: d.update(version=2),
    lambda d: d.pop("settings"),
    lambda d: d.update(extra=1),
    lambda d: first_org(d).pop("timeline"),
    lambda d: first_org(d).update(created_at="yesterday"),
    lambda d: find_record(d, "action").update(ref=""),
    lambda d: find_record(d, "action").update(values="x"),
    lambda d: find_record(d, "action").update(colour="red"),
    lambda d: first_org(d)["links"][0].update(position=-1),
    lambda d: first_org(d)["history"][0].update(changes={"a": [1]}),
    lambda d: first_org(d)["timeline"][0].update(data=[]),
    lambda d: find_record(d, "breach").update(archived_at="2026-11-22T10:00:00Z"),
])
def test_json_schema_and_import_agree_on_structural_errors(empty, exported, mutate):
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text()))
    data = copy.deepcopy(exported)
    mutate(data)
    assert list(validator.iter_errors(data)), "the JSON Schema should refuse this"
    refused(empty, data)


# ---------------------------------------------------------------- the CLI


@pytest.fixture
def run_cli(capsys):
    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        return code, out, err

    return run


def test_cli_export_then_import_into_a_new_database(source, tmp_path, run_cli):
    source.close()
    out = tmp_path / "all.json"
    code, stdout, _ = run_cli("--db", str(source.path), "export-data", "--out", str(out))
    assert code == 0 and str(out) in stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    restored = tmp_path / "restored.db"
    code, stdout, _ = run_cli("--db", str(restored), "import-data", str(out))
    assert code == 0
    assert "Imported 2 organisations: Harbour Dance Studio, Old Coding Club" in stdout
    code, _, err = run_cli("--db", str(restored), "import-data", str(out))
    assert code == 1 and "already present" in err and "nothing was imported" in err


def test_cli_export_errors_are_clear(source, tmp_path, run_cli):
    source.close()
    code, _, err = run_cli("--db", str(source.path), "export-data", "--out",
                           str(tmp_path / "no-such-folder" / "x.json"))
    assert code == 1 and "does not exist" in err
    code, _, err = run_cli("--db", str(tmp_path / "nothing.db"), "export-data", "--out",
                           str(tmp_path / "x.json"))
    assert code == 1 and "There is no database" in err
    assert not (tmp_path / "nothing.db").exists()
    code, _, err = run_cli("--db", str(source.path), "export-data", "--out", str(tmp_path))
    assert code == 1 and "is a folder" in err


def test_cli_export_into_a_folder_that_is_not_writable(source, tmp_path, run_unprivileged):
    source.close()
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    result = run_unprivileged("-m", "dpo_tui", "--db", str(source.path), "export-data",
                              "--out", str(folder / "x.json"))
    folder.chmod(0o700)
    assert result.returncode == 1, result.stderr
    assert f"Cannot write in the folder {folder}" in result.stderr
    assert "Traceback" not in result.stderr and list(folder.iterdir()) == []


def test_cli_import_errors_are_clear(empty, exported, tmp_path, run_cli):
    empty.close()
    db = str(empty.path)
    code, _, err = run_cli("--db", db, "import-data", str(tmp_path / "missing.json"))
    assert code == 1 and "There is no file" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "dpo-tui-data",\n "version": }')
    code, _, err = run_cli("--db", db, "import-data", str(bad))
    assert code == 1 and "not valid JSON" in err and "line 2, column 13" in err
    data = copy.deepcopy(exported)
    find_record(data, "action", "AC-001")["values"]["status"] = "maybe"
    find_record(data, "action", "AC-002")["register"] = "spaceship"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(data))
    code, _, err = run_cli("--db", db, "import-data", str(wrong))
    assert code == 1
    assert "nothing was imported (" in err
    assert '  - organisation "Harbour Dance Studio", record AC-001 (action): field "status"' in err
    assert 'record AC-002 (spaceship): unknown register "spaceship"' in err
    check = open_workspace(empty.path)
    assert organisations.all(check, include_archived=True) == []
    check.close()


# ---------------------------------------------------------------- any damage: refused, never a crash


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False)
    | st.text(max_size=8) | st.sampled_from(["2026-11-22T10:00:00Z", "action", "breach", "", "x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                  max_size=3),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def small_export(tmp_path_factory) -> dict[str, Any]:
    ws = open_workspace(tmp_path_factory.mktemp("small") / "s.db",
                        clock=Clock.from_text("2026-11-22T10:00:00Z"), actor="tester")
    org = organisations.create(ws, {"name": "Tiny Club", "dpo_name": "Dee Pio"}).record
    for register in ("processor", "activity", "breach", "action"):
        saved = records.save(ws, org.id, register, full_values(register, 1)).record
        if register == "activity":
            processor = records.list_records(ws, org.id, "processor")[0]
            records.save(ws, org.id, "activity", {"processors": [processor.id]}, record_id=saved.id)
        if register == "breach":
            repo.append_timeline(ws.db, org.id, saved.id, at=ws.now_iso(), logged_at=ws.now_iso(),
                                 kind="note", text="noted", actor="tester")
    data = data_io.export_data(ws)
    ws.close()
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.data())
def test_any_damaged_file_is_refused_cleanly_or_imported_whole(small_export, tmp_path_factory,
                                                                choice):
    data = copy.deepcopy(small_export)
    where = choice.draw(st.sampled_from(_paths(data)[1:]))
    replacement = choice.draw(JSON_VALUES)
    node = data
    for key in where[:-1]:
        node = node[key]
    if choice.draw(st.booleans()) and isinstance(node, dict):
        del node[where[-1]]
    else:
        node[where[-1]] = replacement
    target = open_workspace(tmp_path_factory.mktemp("fuzz") / "t.db",
                            clock=Clock.from_text("2027-01-01T00:00:00Z"), actor="fuzz")
    try:
        before = table_dump(target)
        try:
            data_io.import_data(target, data)
        except ImportRefused as refusal:
            assert refusal.problems and all(isinstance(p, str) for p in refusal.problems)
            assert table_dump(target) == before
        else:
            # Accepted: then it is all there, and exports as a valid file.
            again = data_io.export_data(target)
            jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text())).validate(again)
            assert len(again["organisations"]) == len(data["organisations"])
    finally:
        target.close()
