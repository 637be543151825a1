"""Breach use cases on a real database: quick add, assessment, timeline, reporting, closing,
the demo data, and every path that might change or remove a timeline entry or a breach."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from dpo_tui.clock import Clock
from dpo_tui.domain import breaches as b
from dpo_tui.domain import registers
from dpo_tui.domain.breach_assessment import AssessmentIncomplete
from dpo_tui.paths import data_dir
from dpo_tui.services import breaches as svc
from dpo_tui.services import data_io, organisations, records
from dpo_tui.services.records import ValidationFailed
from dpo_tui.services.workspace import open_workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError

LOG_ONLY_ANSWERS = {
    "personal_data": {"answer": "yes", "reason": "Names of 9 children"},
    "risk": {"answer": "unlikely", "reason": "The one recipient deleted it"},
}
REPORT_ANSWERS = {
    "personal_data": {"answer": "yes", "reason": "Children's health notes"},
    "risk": {"answer": "likely", "reason": "Lost in public"},
    "high_risk": {"answer": "no", "reason": "No contact details"},
}
TELL_ANSWERS = {**REPORT_ANSWERS, "high_risk": {"answer": "yes", "reason": "Health and whereabouts"}}


@pytest.fixture
def breach(ws, org):
    return svc.quick_add(ws, org.id, "Pupil list emailed to the wrong parent",
                         found_by="Office manager", how_found="Parent replied")


def timeline_rows(ws) -> list[tuple]:
    return ws.db.execute("SELECT * FROM timeline ORDER BY id").fetchall()


# ---------------------------------------------------------------- quick add


def test_quick_add_numbers_per_year_and_starts_the_clock(ws, org):
    first = svc.quick_add(ws, org.id, "Lost register")
    second = svc.quick_add(ws, org.id, "Misdirected email", aware_at="2026-11-21 18:20")
    assert (first.ref, second.ref) == ("BR-2026-001", "BR-2026-002")
    assert first.values["aware_at"] == "2026-11-22T10:00:00Z"  # default: now, from the clock
    assert second.values["aware_at"] == "2026-11-21T18:20:00Z"  # typed in Europe/London (GMT)
    assert first.values["outcome"] == b.UNDECIDED
    state = b.clock_state(second.values, ws.clock.now())
    assert state.status == b.RUNNING and state.hours_left == pytest.approx(56 + 20 / 60)
    entries = svc.timeline(ws, first.id)
    assert len(entries) == 1 and entries[0].kind == "action"
    assert entries[0].text.startswith("Breach logged")
    assert "25/11/2026 10:00 GMT" in entries[0].text
    assert entries[0].actor == "tester"


def test_quick_add_keeps_found_by_and_how(ws, org, breach):
    assert breach.values["found_by"] == "Office manager"
    assert breach.values["how_found"] == "Parent replied"


def test_refs_follow_the_year_of_becoming_aware(ws, org):
    late = svc.quick_add(ws, org.id, "Found in January", aware_at="2025-12-31 23:30")
    now = svc.quick_add(ws, org.id, "This year")
    older = svc.quick_add(ws, org.id, "Another from 2025", aware_at="2025-06-01T09:00Z")
    assert (late.ref, now.ref, older.ref) == ("BR-2025-001", "BR-2026-001", "BR-2025-002")


def test_ref_year_uses_the_organisations_zone(tmp_path):
    ws = open_workspace(tmp_path / "paris.db", clock=Clock.from_text("2027-01-05T12:00:00Z"),
                        actor="tester")
    try:
        org = organisations.create(ws, {"name": "Atelier", "dpo_name": "A", "timezone": "Europe/Paris"}).record
        record = svc.quick_add(ws, org.id, "New Year's Eve party photos", aware_at="2027-01-01 00:30")
        assert record.values["aware_at"] == "2026-12-31T23:30:00Z"
        assert record.ref == "BR-2027-001"  # 2027 in Paris, where the organisation is
    finally:
        ws.close()


def test_quick_add_refuses_bad_input_and_writes_nothing(ws, org):
    with pytest.raises(ValidationFailed) as caught:
        svc.quick_add(ws, org.id, "Lost phone", aware_at="2026-11-23 09:00")
    assert "future" in caught.value.errors["aware_at"]
    with pytest.raises(ValidationFailed) as caught:
        svc.quick_add(ws, org.id, "Lost phone", aware_at="yesterday-ish")
    assert "aware_at" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        svc.quick_add(ws, org.id, "   ")
    assert "what_happened" in caught.value.errors
    assert records.count(ws, org.id, "breach") == 0
    assert timeline_rows(ws) == []


def test_hostile_text_is_stored_as_typed(ws, org):
    record = svc.quick_add(ws, org.id, "[red]x[/] '; DROP TABLE records; --")
    assert records.get(ws, record.id).values["what_happened"] == "[red]x[/] '; DROP TABLE records; --"


# ---------------------------------------------------------------- assessment


def test_assessment_sets_the_outcome_and_is_kept_in_the_timeline(ws, org, breach):
    assessment, saved = svc.record_assessment(ws, breach.id, LOG_ONLY_ANSWERS)
    assert assessment.outcome == saved.record.values["outcome"] == b.LOG_ONLY
    assert "The one recipient deleted it" in saved.record.values["outcome_reasons"]
    entries = svc.assessments(ws, breach.id)
    assert len(entries) == 1
    assert entries[0].data == {"answers": LOG_ONLY_ANSWERS, "outcome": b.LOG_ONLY}
    history = records.history_lines(ws, breach.id)
    assert history[-1]["note"] == "assessment"


def test_assessment_can_be_redone_and_each_is_kept(ws, org, breach):
    svc.record_assessment(ws, breach.id, LOG_ONLY_ANSWERS)
    _, saved = svc.record_assessment(ws, breach.id, TELL_ANSWERS)
    assert saved.record.values["outcome"] == b.REPORT_AND_TELL
    assert "individuals_told_at" in saved.warnings
    assert [e.data["outcome"] for e in svc.assessments(ws, breach.id)] == [b.LOG_ONLY, b.REPORT_AND_TELL]


def test_incomplete_assessment_writes_nothing(ws, org, breach):
    before = timeline_rows(ws)
    with pytest.raises(AssessmentIncomplete) as caught:
        svc.record_assessment(ws, breach.id, {"personal_data": {"answer": "yes", "reason": ""}})
    assert set(caught.value.errors) == {"personal_data", "risk"}
    assert timeline_rows(ws) == before
    assert records.get(ws, breach.id).values["outcome"] == b.UNDECIDED


def test_assessment_that_conflicts_with_the_record_is_rolled_back(ws, org, breach):
    svc.record_assessment(ws, breach.id, LOG_ONLY_ANSWERS)
    records.save(ws, org.id, "breach", {"containment": "Deleted"}, record_id=breach.id)
    svc.close(ws, breach.id, lessons_learned="Check recipients")
    before = timeline_rows(ws)
    with pytest.raises(ValidationFailed) as caught:  # closed, yet now reportable and never reported
        svc.record_assessment(ws, breach.id, REPORT_ANSWERS)
    assert "ico_notified_at" in caught.value.errors
    assert timeline_rows(ws) == before
    assert records.get(ws, breach.id).values["outcome"] == b.LOG_ONLY


# ---------------------------------------------------------------- timeline entries


def test_timeline_entries_are_added_in_order(ws, org, breach):
    svc.add_timeline_entry(ws, breach.id, "Asked the parent to delete it", kind="action",
                           at="2026-11-22 09:45")
    svc.add_timeline_entry(ws, breach.id, "Parent confirmed deletion", kind="message")
    entries = svc.timeline(ws, breach.id)
    assert [e.kind for e in entries] == ["action", "action", "message"]
    assert entries[0].at == "2026-11-22T09:45:00Z"
    assert entries[0].logged_at == "2026-11-22T10:00:00Z"  # written now, about then


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"text": "x", "kind": "assessment"}, "kind"),  # only via record_assessment
    ({"text": "x", "kind": "gossip"}, "kind"),
    ({"text": "  "}, "text"),
    ({"text": "x\x1b]0;owned\x07"}, "text"),
    ({"text": "x", "at": "2026-11-23 12:00"}, "at"),  # in the future
    ({"text": "x", "at": "not a time"}, "at"),
    ({"text": "x", "kind": "correction", "corrects": "no-such-entry"}, "corrects"),
])
def test_bad_timeline_entries_are_refused(ws, org, breach, kwargs, field):
    before = timeline_rows(ws)
    with pytest.raises(ValidationFailed) as caught:
        svc.add_timeline_entry(ws, breach.id, **kwargs)
    assert field in caught.value.errors
    assert timeline_rows(ws) == before


def test_a_correction_is_a_new_entry_and_the_original_stays(ws, org, breach):
    wrong = svc.add_timeline_entry(ws, breach.id, "Emailed 12 families", kind="message")
    fix = svc.add_timeline_entry(ws, breach.id, "It was 9 families, not 12", kind="correction",
                                 corrects=wrong.uid)
    entries = svc.timeline(ws, breach.id)
    assert wrong.uid in [e.uid for e in entries]
    assert next(e for e in entries if e.uid == wrong.uid).text == "Emailed 12 families"
    assert fix.data == {"corrects": wrong.uid}
    with pytest.raises(ValidationFailed):
        svc.add_timeline_entry(ws, breach.id, "x", kind="note", corrects=wrong.uid)


def test_timeline_is_only_for_breaches(ws, org):
    action = records.save(ws, org.id, "action", {"what": "Review contracts"}).record
    with pytest.raises(StorageError):
        svc.add_timeline_entry(ws, action.id, "x")
    with pytest.raises(StorageError):
        svc.timeline(ws, action.id)


def test_find_by_ref_is_case_insensitive(ws, org, breach):
    assert svc.find(ws, org.id, "br-2026-001").id == breach.id
    with pytest.raises(StorageError, match="No breach BR-2026-999"):
        svc.find(ws, org.id, "BR-2026-999")


# ---------------------------------------------------------------- reporting and closing


def test_mark_ico_notified_in_time(ws, org):
    record = svc.quick_add(ws, org.id, "Lost register", aware_at="2026-11-20 16:45")
    svc.record_assessment(ws, record.id, REPORT_ANSWERS)
    saved = svc.mark_ico_notified(ws, record.id, at="2026-11-22 09:30", reference="IC-1234")
    values = saved.record.values
    assert (values["ico_notified_at"], values["ico_reference"], values["ico_report_type"]) == (
        "2026-11-22T09:30:00Z", "IC-1234", "initial")
    assert b.clock_state(values, ws.clock.now()).status == b.NOTIFIED_IN_TIME
    entries = svc.timeline(ws, record.id)  # ordered by when things happened
    assert [e.kind for e in entries] == ["message", "action", "assessment"]  # logged after the fact
    message = entries[0]
    assert "IC-1234" in message.text and "40 h 45 min" in message.text


def test_mark_ico_notified_late_needs_reasons(ws, org):
    record = svc.quick_add(ws, org.id, "Processor told us late", aware_at="2026-11-18 09:00")
    svc.record_assessment(ws, record.id, REPORT_ANSWERS)
    before = timeline_rows(ws)
    with pytest.raises(ValidationFailed) as caught:
        svc.mark_ico_notified(ws, record.id)
    assert "delay_reasons" in caught.value.errors
    assert timeline_rows(ws) == before
    assert records.get(ws, record.id).values["ico_notified_at"] is None
    saved = svc.mark_ico_notified(ws, record.id, delay_reasons="The processor's report came late")
    assert b.clock_state(saved.record.values, ws.clock.now()).status == b.NOTIFIED_LATE


def test_close_needs_a_decision_then_records_it(ws, org, breach):
    with pytest.raises(ValidationFailed) as caught:
        svc.close(ws, breach.id)
    assert "outcome" in caught.value.errors
    svc.record_assessment(ws, breach.id, LOG_ONLY_ANSWERS)
    saved = svc.close(ws, breach.id, lessons_learned="Turn off autocomplete")
    assert b.status(saved.record.values) == b.CLOSED
    assert saved.record.values["lessons_learned"] == "Turn off autocomplete"
    assert svc.timeline(ws, breach.id)[-1].text == "Breach closed."


def test_findings_follow_the_breach(ws, org, breach):
    found = {f.code for f in records.findings(ws, org.id) if f.register == "breach"}
    assert {"breach-undecided", "breach-no-containment"} <= found
    svc.record_assessment(ws, breach.id, LOG_ONLY_ANSWERS)
    records.save(ws, org.id, "breach", {"containment": "Parent deleted it"}, record_id=breach.id)
    assert not [f for f in records.findings(ws, org.id) if f.register == "breach"]


# ---------------------------------------------------------------- nothing is changed or removed


def test_timeline_refuses_update_and_delete_in_sql(ws, org, breach):
    entry = svc.timeline(ws, breach.id)[0]
    attempts = [
        ("UPDATE timeline SET text = 'rewritten' WHERE id = ?", [entry.id]),
        ("UPDATE timeline SET at = '2020-01-01T00:00:00Z'", []),
        ("DELETE FROM timeline WHERE id = ?", [entry.id]),
        ("DELETE FROM timeline", []),
        # REPLACE deletes the old row first: refused too (recursive triggers are on).
        ("INSERT OR REPLACE INTO timeline (id, uid, org_id, record_id, at, logged_at, kind, text, "
         "data, actor) VALUES (?, ?, ?, ?, ?, ?, 'note', 'replaced', '{}', 'x')",
         [entry.id, entry.uid, entry.org_id, entry.record_id, entry.at, entry.logged_at]),
        ("INSERT INTO timeline (uid, org_id, record_id, at, logged_at, kind, text, data, actor) "
         "VALUES (?, ?, ?, ?, ?, 'note', 'x', '{}', 'x') ON CONFLICT(uid) DO UPDATE SET text = 'upserted'",
         [entry.uid, entry.org_id, entry.record_id, entry.at, entry.logged_at]),
    ]
    for sql, params in attempts:
        with pytest.raises(sqlite3.IntegrityError):
            ws.db.execute(sql, params)
    assert svc.timeline(ws, breach.id) == [entry]


def test_timeline_refuses_sqlite_utils_table_api(ws, org, breach):
    entry = svc.timeline(ws, breach.id)[0]
    table = sqlite_utils.Database(ws.db.conn)["timeline"]
    with pytest.raises(sqlite3.IntegrityError):
        table.update(entry.id, {"text": "rewritten"})
    with pytest.raises(sqlite3.IntegrityError):
        table.delete(entry.id)
    with pytest.raises(sqlite3.IntegrityError):
        table.delete_where("1 = 1")
    with pytest.raises(sqlite3.IntegrityError):
        table.upsert({"id": entry.id, "uid": entry.uid, "text": "upserted"}, pk="id")
    assert svc.timeline(ws, breach.id) == [entry]


def test_timeline_refuses_changes_through_the_repository_transaction(ws, org, breach):
    entry = svc.timeline(ws, breach.id)[0]
    with pytest.raises(StorageError, match="cannot be changed"):
        with repo.transaction(ws.db):
            ws.db.execute("UPDATE timeline SET text = 'x'")
    with pytest.raises(StorageError, match="cannot be removed"):
        with repo.transaction(ws.db):
            ws.db.execute("DELETE FROM timeline")
    assert svc.timeline(ws, breach.id) == [entry]


def test_editing_the_breach_never_touches_its_timeline(ws, org, breach):
    svc.add_timeline_entry(ws, breach.id, "Phoned the parent", kind="action")
    before = timeline_rows(ws)
    records.save(ws, org.id, "breach", {"what_happened": "Changed wording", "containment": "x"},
                 record_id=breach.id)
    svc.record_assessment(ws, breach.id, LOG_ONLY_ANSWERS)
    after = timeline_rows(ws)
    assert after[:len(before)] == before  # only appended to


def test_a_breach_cannot_be_archived_or_deleted(ws, org, breach):
    with pytest.raises(StorageError, match="cannot be archived"):
        records.archive(ws, breach.id, "no longer needed")
    with pytest.raises(StorageError, match="close them instead"):
        repo.set_archived(ws.db, breach.id, archived=True, reason="x", at=ws.now_iso(), actor="x")
    with pytest.raises(sqlite3.IntegrityError):
        ws.db.execute("UPDATE records SET archived_at = '2026-11-22T10:00:00Z' WHERE id = ?", [breach.id])
    with pytest.raises(sqlite3.IntegrityError):
        ws.db.execute("DELETE FROM records WHERE id = ?", [breach.id])
    with pytest.raises(sqlite3.IntegrityError):
        sqlite_utils.Database(ws.db.conn)["records"].delete(breach.id)
    with pytest.raises(sqlite3.IntegrityError):
        ws.db.execute("REPLACE INTO records (id, org_id, register, ref, data, created_at, updated_at) "
                      "VALUES (?, ?, 'breach', ?, '{}', 'x', 'x')", [breach.id, org.id, breach.ref])
    kept = records.get(ws, breach.id)
    assert not kept.archived and kept.values["what_happened"] == breach.values["what_happened"]
    assert [r.id for r in records.list_records(ws, org.id, "breach")] == [breach.id]


def test_archiving_the_organisation_keeps_its_breaches_and_timelines(ws, org, breach):
    before = timeline_rows(ws)
    organisations.archive(ws, org.id, "Closed the business")
    assert records.get(ws, breach.id).archived_at is None
    assert timeline_rows(ws) == before


def test_import_cannot_change_or_remove_breaches_or_timeline(ws, org, breach, tmp_path):
    svc.record_assessment(ws, breach.id, LOG_ONLY_ANSWERS)
    before_timeline = timeline_rows(ws)
    before_record = records.get(ws, breach.id)
    exported = data_io.export_data(ws)
    # The same file with a rewritten entry and a shorter timeline: refused as a whole.
    tampered = copy.deepcopy(exported)
    tampered["organisations"][0]["timeline"][0]["text"] = "rewritten"
    tampered["organisations"][0]["timeline"] = tampered["organisations"][0]["timeline"][:1]
    with pytest.raises(data_io.ImportRefused):
        data_io.import_data(ws, tampered)
    assert timeline_rows(ws) == before_timeline
    # A file into an empty database may not bring an archived breach either.
    other = open_workspace(tmp_path / "other.db", clock=ws.clock, actor="tester")
    try:
        archived = copy.deepcopy(exported)
        for rec in archived["organisations"][0]["records"]:
            if rec["register"] == "breach":
                rec["archived_at"] = "2026-11-22T10:00:00Z"
                rec["archive_reason"] = "tidy up"
        with pytest.raises(data_io.ImportRefused, match="never archived"):
            data_io.import_data(other, archived)
        # The honest file round-trips with the timeline and assessment intact.
        data_io.import_data(other, exported)
        assert svc.timeline(other, breach.id) == svc.timeline(ws, breach.id)
        assert records.get(other, breach.id).values == before_record.values
    finally:
        other.close()


# ---------------------------------------------------------------- demo data


def _demo_targets(ws, org_id) -> dict[str, str]:
    """Stand-in activities and processors with the refs the demo breaches link to."""
    ref_to_id = {}
    for register, refs in (("activity", ["PA-001", "PA-003", "PA-005"]), ("processor", ["PR-003"])):
        schema = registers.schema(register)
        for ref in refs:
            rec = repo.insert_record(ws.db, org_id, schema, {}, at=ws.now_iso(), actor="t", ref=ref)
            ref_to_id[ref] = rec.id
    return ref_to_id


def demo_items() -> list[dict]:
    return json.loads((data_dir() / "demo" / "breaches.json").read_text(encoding="utf-8"))


def test_demo_breaches_load_with_links_timelines_and_assessments(ws, org):
    ref_to_id = _demo_targets(ws, org.id)
    created = svc.load_demo_breaches(ws, org.id, demo_items(), ref_to_id)
    by_ref = {r.ref: r for r in created}
    assert list(by_ref) == ["BR-2026-001", "BR-2026-002", "BR-2026-003"]

    lost = by_ref["BR-2026-001"]
    assert lost.values["outcome"] == b.REPORT_AND_TELL
    assert lost.values["children"] and lost.values["special_category"]
    assert set(lost.values["activities"]) == {ref_to_id["PA-001"], ref_to_id["PA-005"]}
    assert b.clock_state(lost.values, ws.clock.now()).status == b.NOTIFIED_IN_TIME
    assert lost.values["ico_reference"] and lost.values["individuals_told_at"]
    assert [e.kind for e in svc.assessments(ws, lost.id)] == ["assessment"]

    near = by_ref["BR-2026-002"]
    assert near.values["near_miss"] and near.values["outcome"] == b.LOG_ONLY

    email = by_ref["BR-2026-003"]
    assert email.values["outcome"] == b.LOG_ONLY and b.status(email.values) == b.OPEN
    assert email.values["processor_involved"] == [ref_to_id["PR-003"]]
    assert set(email.values["activities"]) == {ref_to_id["PA-001"], ref_to_id["PA-003"]}
    entries = svc.timeline(ws, email.id)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert "assessment" in [e.kind for e in entries]

    # A realistic demo: nothing in it is a high-severity gap.
    snap = records.snapshot(ws, org.id)
    assert not [f for f in b.findings(snap) if f.severity == "high"]
    linked = b.activities_with_breaches(snap)
    assert linked[ref_to_id["PA-001"]] == ["BR-2026-001", "BR-2026-002", "BR-2026-003"]


def test_demo_loader_refuses_unknown_links_and_wrong_outcomes(ws, org):
    ref_to_id = _demo_targets(ws, org.id)
    items = demo_items()
    with pytest.raises(ValueError, match="PA-005"):
        svc.load_demo_breaches(ws, org.id, items, {k: v for k, v in ref_to_id.items() if k != "PA-005"})
    items[2]["values"]["outcome"] = b.REPORT_ICO
    with pytest.raises(ValueError, match="outcome"):
        svc.load_demo_breaches(ws, org.id, items, ref_to_id)
    assert records.count(ws, org.id, "breach") == 0
    assert timeline_rows(ws) == []


def test_demo_file_is_valid_json_with_three_breaches():
    path = Path(data_dir()) / "demo" / "breaches.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    assert len(items) == 3
    assert {i["values"].get("near_miss") for i in items} == {True, False}
