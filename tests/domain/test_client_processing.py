"""The processor's record (Art 30(2)): schema and each finding appearing and disappearing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dpo_tui.domain import client_processing as cp
from dpo_tui.domain import schema as s
from dpo_tui.domain.records import HIGH, LOW, MEDIUM, Record, Snapshot

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

COMPLETE: dict[str, Any] = {
    "client_name": "St Aldhelm's Primary School",
    "client_email": "office@school.example",
    "processing_categories": ["Weekly music lessons", "Attendance registers"],
    "security_measures": "Restricted shared folder; two-factor sign-in.",
    "contract_link": "Data processing agreement 2025",
    "status": "active",
}


def record(**changes: Any) -> Record:
    return Record("client_processing", {**cp.SCHEMA.defaults(), **COMPLETE, **changes},
                  id="c1", org_id="o1", ref="CP-001")


def findings(rec: Record, role: str = "both") -> set[tuple[str, str, str]]:
    snap = Snapshot(org=Record("organisation", {"name": "Studio", "role": role}, id="o1"),
                    records={"client_processing": [rec]}, as_of=NOW)
    return {(f.code, f.field or "", f.severity) for f in cp.findings(snap)}


def test_schema_basics():
    assert cp.SCHEMA.name == "client_processing" and cp.SCHEMA.ref_prefix == "CP"
    assert cp.SCHEMA.title_field == "client_name"
    assert cp.SCHEMA.field("transfers").columns == ("destination", "recipient", "mechanism")
    assert cp.SCHEMA.field("sub_processors").target == "processor"
    result = s.validate(cp.SCHEMA, {**cp.SCHEMA.defaults(), "client_name": "A school"})
    assert result.ok and result.values["status"] == "draft"
    assert not s.validate(cp.SCHEMA, cp.SCHEMA.defaults()).ok


def test_complete_record_has_no_findings():
    assert findings(record()) == set()


@pytest.mark.parametrize("role", ["processor", "both"])
def test_contact_details_missing(role: str):
    rec = record(client_email="", client_address="", client_telephone="")
    assert findings(rec, role) == {("client-processing-required-empty", "client_address", MEDIUM)}
    assert findings(record(client_email="", client_telephone="0117 496 0000"), role) == set()


def test_categories_of_processing_missing():
    assert findings(record(processing_categories=[])) == {
        ("client-processing-required-empty", "processing_categories", MEDIUM)}


def test_security_measures_missing_is_low():
    assert findings(record(security_measures="")) == {
        ("client-processing-required-empty", "security_measures", LOW)}


def test_transfer_without_safeguard():
    row = {"destination": "India", "recipient": "Support", "mechanism": ""}
    assert findings(record(transfers=[row])) == {
        ("client-processing-transfer-unsafeguarded", "transfers", HIGH)}
    assert findings(record(transfers=[{**row, "mechanism": "IDTA"}])) == set()
    assert findings(record(transfers=[{"destination": "Ireland", "recipient": "Google",
                                       "mechanism": ""}])) == set()


def test_contract_missing():
    assert findings(record(contract_link="")) == {
        ("client-processing-no-contract", "contract_link", MEDIUM)}


def test_a_pure_controller_gets_no_processor_findings():
    empty = record(client_email="", processing_categories=[], security_measures="", contract_link="")
    assert findings(empty, role="controller") == set()
    assert len(findings(empty, role="both")) == 4


def test_ended_records_raise_no_findings():
    assert findings(record(status="ended", processing_categories=[], contract_link="")) == set()
    assert findings(record(status="draft", contract_link="")) != set()


def test_messages_name_the_client():
    snap = Snapshot(org=Record("organisation", {"role": "processor"}, id="o1"),
                    records={"client_processing": [record(contract_link="")]}, as_of=NOW)
    [finding] = cp.findings(snap)
    assert finding.message.startswith("St Aldhelm's Primary School:")
    assert (finding.register, finding.ref, finding.record_id) == ("client_processing", "CP-001", "c1")
