"""Saving, archiving and restoring records: every change lands in the history, nothing is lost."""

from __future__ import annotations

import os

import pytest

from dpo_tui.clock import Clock
from dpo_tui.services import organisations, records
from dpo_tui.services.workspace import open_workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import ReadOnlyDatabase, StorageError


def test_insert_update_archive_restore_are_all_in_history(ws, org):
    saved = records.save(ws, org.id, "action", {"what": "Sign processor contracts", "owner": "Ann"})
    rid = saved.record.id
    records.save(ws, org.id, "action", {"owner": "Bob", "due": "31/12/2026"}, record_id=rid)
    records.archive(ws, rid, "duplicate of AC-002")
    records.restore(ws, rid)

    entries = repo.history(ws.db, rid)
    assert [e.action for e in entries] == ["insert", "update", "archive", "restore"]
    assert all(e.actor == "tester" and e.org_id == org.id and e.ref == "AC-001" for e in entries)
    assert entries[1].changes == {"owner": ["Ann", "Bob"], "due": [None, "2026-12-31"]}
    assert entries[2].note == "duplicate of AC-002"
    lines = records.history_lines(ws, rid)
    assert {"field": "Owner", "before": "Ann", "after": "Bob"} in lines[1]["changes"]


def test_a_refused_save_writes_nothing(ws, org):
    with pytest.raises(records.ValidationFailed) as caught:
        records.save(ws, org.id, "action", {"what": "", "due": "2026-02-30"})
    assert set(caught.value.errors) == {"what", "due"}
    assert records.count(ws, org.id, "action") == 0
    assert repo.org_history(ws.db, org.id)[-1].register == "organisation"


def test_archiving_needs_a_reason_and_archived_records_cannot_be_edited(ws, org):
    rid = records.save(ws, org.id, "action", {"what": "x"}).record.id
    with pytest.raises(records.ValidationFailed):
        records.archive(ws, rid, "  ")
    records.archive(ws, rid, "done elsewhere")
    assert records.list_records(ws, org.id, "action") == []
    assert [r.id for r in records.list_records(ws, org.id, "action", archived=True)] == [rid]
    with pytest.raises(StorageError, match="archived"):
        records.save(ws, org.id, "action", {"what": "y"}, record_id=rid)


def test_copy_makes_a_new_draft_with_the_same_values(ws, org):
    rid = records.save(ws, org.id, "action", {"what": "Train staff", "owner": "Ann"}).record.id
    copy = records.save(ws, org.id, "action", records.copy_values(ws, rid)).record
    assert copy.ref == "AC-002" and copy.values["what"] == "Train staff (copy)"
    assert copy.values["owner"] == "Ann"


def test_filter_matches_any_field_case_insensitively_including_non_ascii(ws, org):
    records.save(ws, org.id, "action", {"what": "Ring Åsa about the register", "owner": "Ŵyn"})
    records.save(ws, org.id, "action", {"what": "Something else"})
    assert len(records.list_records(ws, org.id, "action", text="åSA")) == 1
    assert len(records.list_records(ws, org.id, "action", text="ŵyn register")) == 1
    assert records.count(ws, org.id, "action", text="nothing-like-this") == 0


def test_records_belong_to_their_organisation(ws, org):
    other = organisations.create(ws, {"name": "Other Club"}).record
    records.save(ws, org.id, "action", {"what": "mine"})
    assert records.list_records(ws, other.id, "action") == []


def test_organisations_create_update_find_switch_and_history(ws, org):
    second = organisations.create(ws, {"name": "Coding Club CIC", "role": "Controller and processor"})
    assert second.record.values["role"] == "both"
    assert organisations.current(ws).id == second.record.id
    organisations.select(ws, org.id)
    assert organisations.current(ws).id == org.id
    assert organisations.find(ws, "coding").id == second.record.id
    with pytest.raises(StorageError, match="No organisation"):
        organisations.find(ws, "nobody")
    updated = organisations.update(ws, org.id, {"ico_registration_number": "not-a-number"})
    assert "does not look like" in updated.warnings["ico_registration_number"]
    assert updated.record.values["ico_registration_number"] == "not-a-number"
    assert repo.history(ws.db, org.id)[-1].changes["ico_registration_number"] == ["", "not-a-number"]
    with pytest.raises(records.ValidationFailed):
        organisations.update(ws, org.id, {"timezone": "Mars/Olympus"})


def test_read_only_database_refuses_saves_and_keeps_data(tmp_path, clock):
    path = tmp_path / "ro.db"
    ws = open_workspace(path, clock=clock, actor="t")
    org = organisations.create(ws, {"name": "Keep Me"}).record
    ws.close()
    # chmod alone does not stop root (CI runs as root), so also open read-only explicitly.
    os.chmod(path, 0o400)
    try:
        ws = open_workspace(path, clock=Clock(), actor="t", read_only=True)
        assert ws.read_only
        with pytest.raises(ReadOnlyDatabase, match="read-only"):
            records.save(ws, org.id, "action", {"what": "x"})
        with pytest.raises(ReadOnlyDatabase):
            organisations.update(ws, org.id, {"name": "Changed"})
        assert organisations.get(ws, org.id).values["name"] == "Keep Me"
        ws.close()
    finally:
        os.chmod(path, 0o600)


def test_actor_defaults_to_environment_then_setting(tmp_path, clock, monkeypatch):
    from dpo_tui.services.workspace import default_actor

    ws = open_workspace(tmp_path / "a.db", clock=clock)
    repo.set_setting(ws.db, "actor", "Saved Name")
    assert default_actor(ws.db, environ={}) == "Saved Name"
    assert default_actor(ws.db, environ={"DPO_TUI_USER": "Env Name"}) == "Env Name"
    ws.close()
