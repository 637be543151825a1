"""Processor register: validation, the next-review default, and every finding appearing and going."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from dpo_tui.domain import processors as p
from dpo_tui.domain.records import HIGH, LOW, MEDIUM, Record, Snapshot
from dpo_tui.domain.schema import validate
from dpo_tui.paths import data_dir

TODAY = date(2026, 11, 22)
ALL_CLAUSES = [value for value, _ in p.clause_choices()]


def complete(**changes: Any) -> dict[str, Any]:
    """A UK processor with a full Art 28 contract, reviewed this year: no findings."""
    values = {
        "legal_name": "Larkspur Web Hosting Ltd",
        "service": "Website hosting",
        "status": "active",
        "contract_reference": "DPA v2",
        "contract_signed": "2025-06-02",
        "contract_end": "2027-06-01",
        "clauses": list(ALL_CLAUSES),
        "locations": ["United Kingdom"],
        "last_review": "2026-05-18",
    }
    values.update(changes)
    result = validate(p.SCHEMA, values)
    assert result.ok, result.errors
    return result.values


def findings_for(values: dict[str, Any], *, today: date = TODAY,
                 org: dict[str, Any] | None = None) -> list:
    record = Record("processor", values, id="p1", ref="PR-001")
    snapshot = Snapshot(org=Record("organisation", org or {}, id="o1"),
                        records={"processor": [record]},
                        as_of=datetime(today.year, today.month, today.day, 12, tzinfo=UTC))
    return p.findings(snapshot)


def codes(values: dict[str, Any], **kwargs: Any) -> set[str]:
    return {f.code for f in findings_for(values, **kwargs)}


def test_a_complete_processor_has_no_findings():
    assert findings_for(complete()) == []


def test_status_defaults_to_active():
    assert p.SCHEMA.defaults()["status"] == "active"


def test_schema_basics():
    assert p.SCHEMA.name == "processor" and p.SCHEMA.ref_prefix == "PR"
    assert p.SCHEMA.title_field == "legal_name"
    assert [f.name for f in p.SCHEMA.table_fields] == [
        "legal_name", "service", "contract_end", "next_review", "status"]
    assert len(ALL_CLAUSES) == 8
    assert not p.SCHEMA.link_fields  # the link lives on the activity
    result = validate(p.SCHEMA, {"legal_name": ""})
    assert "legal_name" in result.errors


def test_contract_cannot_end_before_it_was_signed():
    base = {**p.SCHEMA.defaults(), "legal_name": "X", "contract_signed": "2026-01-10"}
    result = validate(p.SCHEMA, {**base, "contract_end": "2025-12-31"})
    assert list(result.errors) == ["contract_end"]
    assert validate(p.SCHEMA, {**base, "contract_end": "2026-01-10"}).ok


def test_uk_extension_ticked_for_a_non_us_recipient_is_a_warning():
    base = {**p.SCHEMA.defaults(), "legal_name": "X", "uk_extension": "yes"}
    result = validate(p.SCHEMA, {**base, "locations": "Ireland"})
    assert result.ok and "uk_extension" in result.warnings
    result = validate(p.SCHEMA, {**base, "locations": "USA"})
    assert "uk_extension" not in result.warnings


# ---------------------------------------------------------------- next review


def test_next_review_due_uses_the_recorded_date_first():
    assert p.next_review_due({"next_review": "2027-01-01", "last_review": "2026-06-01"}, 12) \
        == date(2027, 1, 1)


def test_next_review_due_defaults_to_months_after_the_last_review():
    assert p.next_review_due({"last_review": "2026-06-01"}, 12) == date(2027, 6, 1)
    assert p.next_review_due({"last_review": "2026-06-01"}, 6) == date(2026, 12, 1)
    # month-end and leap-day clamping
    assert p.next_review_due({"last_review": "2024-02-29"}, 12) == date(2025, 2, 28)
    assert p.next_review_due({"last_review": "2026-08-31"}, 6) == date(2027, 2, 28)


def test_next_review_due_falls_back_to_due_diligence_then_none():
    assert p.next_review_due({"due_diligence_date": "2026-01-15"}, 12) == date(2027, 1, 15)
    assert p.next_review_due({}, 12) is None


def test_before_save_fills_an_empty_next_review():
    values = p.before_save({"last_review": "2026-05-18", "next_review": None}, datetime.now(UTC))
    assert values["next_review"] == "2027-05-18"


def test_before_save_replaces_a_stale_next_review_but_keeps_a_chosen_one():
    stale = {"last_review": "2026-11-20", "next_review": "2026-11-01"}
    assert p.before_save(stale, datetime.now(UTC))["next_review"] == "2027-11-20"
    chosen = {"last_review": "2026-11-20", "next_review": "2027-03-01"}
    assert p.before_save(chosen, datetime.now(UTC))["next_review"] == "2027-03-01"
    never = {"last_review": None, "next_review": None}
    assert p.before_save(never, datetime.now(UTC)) == never


# ---------------------------------------------------------------- findings


def test_no_contract_appears_for_an_active_processor_and_goes_with_a_reference():
    bare = complete(contract_reference="", contract_signed=None, contract_link="")
    found = [f for f in findings_for(bare) if f.code == "processor-no-contract"]
    assert len(found) == 1 and found[0].severity == HIGH and found[0].field == "contract_reference"
    assert "processor-no-contract" not in codes({**bare, "contract_link": "Shared drive/DPA.pdf"})
    assert "processor-no-contract" not in codes({**bare, "contract_signed": "2026-01-01"})
    # a proposed processor has no contract yet: not a finding
    assert "processor-no-contract" not in codes({**bare, "status": "proposed"})


def test_clauses_incomplete_lists_the_missing_ones():
    values = complete(clauses=[c for c in ALL_CLAUSES if c not in ("audits", "rights")])
    found = [f for f in findings_for(values) if f.code == "processor-clauses-incomplete"]
    assert len(found) == 1 and found[0].severity == MEDIUM
    assert "Assist with individuals' rights" in found[0].message
    assert "Audits and information" in found[0].message
    assert "Confidentiality" not in found[0].message
    assert "processor-clauses-incomplete" not in codes(complete(clauses=ALL_CLAUSES))


def test_review_overdue_then_due_soon_then_fine():
    overdue = complete(last_review="2025-06-01", next_review="2026-11-21")
    found = [f for f in findings_for(overdue) if f.code.startswith("processor-review")]
    assert [(f.code, f.severity) for f in found] == [("processor-review-overdue", MEDIUM)]

    soon = complete(next_review="2026-12-22")  # 30 days ahead: the edge of the warning window
    assert [f.code for f in findings_for(soon)] == ["processor-review-due"]
    assert findings_for(soon)[0].severity == LOW

    later = complete(next_review="2026-12-23")
    assert findings_for(later) == []


def test_review_default_counts_from_the_last_review_with_the_org_setting():
    values = complete(last_review="2026-01-10", next_review=None)
    assert "processor-review-overdue" not in codes(values)  # 12 months: due 2027-01-10
    assert "processor-review-due" not in codes(values)
    assert "processor-review-overdue" in codes(values, org={"processor_review_months": 6})
    # the warning window follows the org's warning_days
    assert "processor-review-due" in codes(values, org={"warning_days": 60})


def test_never_reviewed_is_reported_until_a_date_is_recorded():
    values = complete(last_review=None, next_review=None, due_diligence_date=None)
    assert "processor-never-reviewed" in codes(values)
    assert "processor-never-reviewed" not in codes({**values, "due_diligence_date": "2026-10-01"})


def test_contract_ending_within_60_days():
    ending = complete(contract_end="2027-01-21")  # 60 days after 22 Nov 2026
    found = [f for f in findings_for(ending) if f.code == "processor-contract-ending"]
    assert len(found) == 1 and found[0].severity == MEDIUM
    assert "processor-contract-ending" in codes(complete(contract_end="2026-11-22"))
    assert "processor-contract-ending" not in codes(complete(contract_end="2027-01-22"))


def test_contract_ended_while_the_processor_is_still_active():
    ended = complete(contract_signed="2024-01-01", contract_end="2026-11-21")
    found = [f for f in findings_for(ended) if f.code == "processor-contract-ended"]
    assert len(found) == 1 and found[0].severity == HIGH
    assert "processor-contract-ending" not in codes(ended)
    # a renewed contract, or the processor marked as ended, clears it
    assert "processor-contract-ended" not in codes({**ended, "contract_end": "2027-11-21"})
    assert findings_for({**ended, "status": "ended"}) == []


def test_transfer_without_a_mechanism():
    india = complete(locations=["United Kingdom", "India"])
    found = [f for f in findings_for(india) if f.code == "processor-transfer-no-mechanism"]
    assert len(found) == 1 and found[0].severity == HIGH and "India" in found[0].message
    assert "processor-transfer-no-mechanism" not in codes({**india, "transfer_mechanism": "idta"})
    assert "processor-transfer-no-mechanism" not in codes(
        {**india, "transfer_mechanism": "art49-contract"})


def test_approved_destinations_need_no_mechanism():
    values = complete(locations=["UK", "Ireland", "Frankfurt, Germany", "Japan", "Jersey"])
    assert findings_for(values) == []


def test_an_approved_destination_claim_does_not_cover_an_unapproved_place():
    values = complete(locations=["Ireland", "India"], transfer_mechanism="uk-adequacy")
    found = [f for f in findings_for(values) if f.code == "processor-transfer-no-mechanism"]
    assert len(found) == 1 and "approved destination" in found[0].message
    assert "Ireland" not in found[0].message
    assert findings_for({**values, "locations": ["Ireland"]}) == []


def test_the_us_is_approved_only_with_the_uk_extension():
    us = complete(locations=["United States"], us_recipient=True, uk_extension=False)
    assert "processor-transfer-no-mechanism" in codes(us)
    certified = {**us, "uk_extension": True, "transfer_mechanism": "uk-extension",
                 "fallback_mechanism": "idta"}
    assert findings_for(certified) == []
    # the UK Extension does not reach beyond the US
    elsewhere = {**certified, "locations": ["United States", "India"]}
    found = [f for f in findings_for(elsewhere) if f.code == "processor-transfer-no-mechanism"]
    assert len(found) == 1 and "India" in found[0].message and "UK Extension" in found[0].message


def test_us_recipient_without_uk_extension_and_no_fallback():
    us = complete(locations=["USA"], us_recipient=True, uk_extension=False)
    found = [f for f in findings_for(us) if f.code == "processor-us-no-safeguard"]
    assert len(found) == 1 and found[0].severity == HIGH
    assert "processor-us-no-safeguard" not in codes({**us, "fallback_mechanism": "uk-addendum"})
    assert "processor-us-no-safeguard" not in codes({**us, "transfer_mechanism": "idta"})
    assert "processor-us-no-safeguard" not in codes({**us, "uk_extension": True})


def test_us_recipient_ticked_without_a_us_location_still_counts():
    values = complete(us_recipient=True, uk_extension=None)
    assert "processor-us-no-safeguard" in codes(values)


def test_relying_on_the_uk_extension_alone_asks_for_a_fallback():
    values = complete(locations=["United States"], us_recipient=True, uk_extension=True,
                      transfer_mechanism="uk-extension")
    found = [f for f in findings_for(values) if f.code == "processor-us-no-fallback"]
    assert len(found) == 1 and found[0].severity == LOW
    assert findings_for({**values, "fallback_mechanism": "idta"}) == []
    # with a safeguard as the mechanism the Extension is not relied on alone
    assert findings_for({**values, "transfer_mechanism": "uk-addendum"}) == []


def test_ended_processors_get_no_findings_and_proposed_ones_do():
    bad = complete(clauses=[], locations=["India"], last_review=None, next_review="2020-01-01")
    assert findings_for({**bad, "status": "ended"}) == []
    assert {"processor-clauses-incomplete", "processor-transfer-no-mechanism",
            "processor-review-overdue"} <= codes({**bad, "status": "proposed"})


def test_findings_point_at_the_record():
    found = findings_for(complete(clauses=[]))
    assert found[0].register == "processor" and found[0].record_id == "p1"
    assert found[0].ref == "PR-001" and found[0].field == "clauses"


# ---------------------------------------------------------------- demo data


def test_demo_processors_are_valid_and_show_only_the_deliberate_gaps():
    items = json.loads((data_dir() / "demo" / "processors.json").read_text(encoding="utf-8"))
    assert [i["ref"] for i in items] == [f"PR-00{n}" for n in range(1, 7)]
    records = []
    for item in items:
        result = validate(p.SCHEMA, {k: v for k, v in item.items() if k != "ref"})
        assert result.ok and not result.warnings, (item["ref"], result.errors, result.warnings)
        records.append(Record("processor", result.values, id=item["ref"], ref=item["ref"]))
    snapshot = Snapshot(org=Record("organisation", {}, id="o1"), records={"processor": records},
                        as_of=datetime(2026, 11, 22, 12, tzinfo=UTC))
    found = sorted((f.ref, f.code) for f in p.findings(snapshot))
    assert found == [("PR-001", "processor-review-due"),
                     ("PR-004", "processor-clauses-incomplete")]
    mailchimp = next(r for r in records if r.ref == "PR-002")
    assert mailchimp.values["uk_extension"] is True and p.is_us_recipient(mailchimp.values)


@pytest.mark.parametrize("place", ["United States", "USA", "U.S.A.", "usa", "United States of America"])
def test_us_place_names(place):
    assert p.is_us_place(place)
