"""The record of processing activities: schema, helpers and every gap check (appear and disappear)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dpo_tui.domain import activities as act
from dpo_tui.domain import schema as s
from dpo_tui.domain.records import HIGH, LOW, MEDIUM, Record, Snapshot
from dpo_tui.domain.transfers import find_destination, is_approved_destination, transfer_problem
from dpo_tui.domain.vocab import load

TODAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

# An activity with nothing missing: the baseline every case below changes one thing in.
COMPLETE: dict[str, Any] = {
    "purpose": "Class bookings",
    "individual_categories": ["Parents and guardians"],
    "data_categories": ["Name and title", "Contact details (address, email, telephone)"],
    "other_recipients": ["Teachers and tutors"],
    "security_measures": "Two-factor sign-in; encrypted laptops.",
    "lawful_bases": ["b"],
    "retention_note": "2 years from the last class attended",
    "status": "active",
    "last_reviewed": "2026-06-01",
    "next_review": "2027-06-01",
}


def record(**changes: Any) -> Record:
    values = {**act.SCHEMA.defaults(), **COMPLETE, **changes}
    return Record("activity", values, id="a1", org_id="o1", ref="PA-001")


def found(rec: Record, *, live_ids: set[str] | None = None, months: int = 12) -> set[tuple[str, str]]:
    return {(f.code, f.field or "") for f in act.activity_findings(rec, TODAY, review_months=months,
                                                                   live_ids=live_ids)}


def snapshot(*records: Record, **org_values: Any) -> Snapshot:
    org = Record("organisation", {"name": "Studio", **org_values}, id="o1")
    extra: dict[str, list[Record]] = {}
    for r in records:
        extra.setdefault(r.register, []).append(r)
    return Snapshot(org=org, records=extra, as_of=NOW)


# ---------------------------------------------------------------- schema


def test_every_ico_column_has_a_field_and_its_exact_label():
    numbers = {f.ico_column for f in act.SCHEMA.fields if f.ico_column}
    assert numbers == set(range(1, 31))
    for number, label, _ in act.ICO_COLUMNS:
        primary = act.column_fields(number)[0]
        assert primary.label == label, number
    assert act.COLUMN_LABEL[8].startswith("Names of third countries")
    assert act.COLUMN_LABEL[29] == ("Is personal data retained and erased in accordance with "
                                    "the policy document?")


def test_structured_columns_share_a_number_and_the_primary_field_comes_first():
    assert [f.name for f in act.column_fields(6)] == ["other_recipients", "processors"]
    assert [f.name for f in act.column_fields(10)] == ["retention_note", "retention_rules"]
    assert act.SCHEMA.field("processors").target == "processor"
    assert act.SCHEMA.field("retention_rules").target == "retention"
    assert act.SCHEMA.field("breach_records").target == "breach"


def test_table_columns_and_required_fields():
    assert {f.name for f in act.SCHEMA.table_fields} == {"purpose", "lawful_bases",
                                                          "data_categories", "status"}
    # Only the name and status are required, so a half-written draft can always be saved.
    assert {f.name for f in act.SCHEMA.fields if f.required} == {"purpose", "status"}
    result = s.validate(act.SCHEMA, {**act.SCHEMA.defaults(), "purpose": "Bookings"})
    assert result.ok and result.values["status"] == "draft"
    assert not s.validate(act.SCHEMA, {**act.SCHEMA.defaults(), "purpose": ""}).ok


def test_sections_follow_the_ico_grouping():
    names = [name for name, _ in act.SCHEMA.sections()]
    assert names == ["Purpose", "Individuals and data", "Recipients and transfers",
                     "Retention and security", "Lawful basis", "Rights", "Source and location",
                     "DPIA", "Breaches", "Schedule 1 (DPA 2018)", "Ownership and review"]
    assert all(f.help for f in act.SCHEMA.fields if f.ico_column and f.ico_column not in (22,))


def test_choices_come_from_the_vocabularies():
    bases = dict(act.SCHEMA.field("lawful_bases").choices)
    assert set(bases) == {"a", "b", "c", "d", "e", "ea", "f"}
    assert "Recognised legitimate interests" in bases["ea"]
    assert set(dict(act.SCHEMA.field("art9_conditions").choices)) == set("abcdefghij")
    result = s.validate(act.SCHEMA, {"purpose": "x", "lawful_bases": "(b) Contract; c"})
    assert result.values["lawful_bases"] == ["b", "c"]


def test_transfers_are_rows_of_destination_recipient_mechanism():
    result = s.validate(act.SCHEMA, {"purpose": "x",
                                     "transfers": "United States | Mailchimp | UK Extension"})
    assert result.values["transfers"] == [{"destination": "United States", "recipient": "Mailchimp",
                                           "mechanism": "UK Extension"}]


def test_review_dates_in_the_wrong_order_warn_but_save():
    result = s.validate(act.SCHEMA, {"purpose": "x", "status": "active",
                                     "last_reviewed": "2026-05-01", "next_review": "2026-04-01"})
    assert result.ok and "next_review" in result.warnings


# ---------------------------------------------------------------- data categories


@pytest.mark.parametrize(("category", "kind"), [
    ("Name and title", "ordinary"),
    ("health", "special"),  # a vocabulary value
    ("Health and medical conditions", "special"),  # a vocabulary label
    ("Pupil allergies", "special"),  # typed by the user
    ("Wheelchair access needs", "special"),
    ("Injury details", "special"),
    ("Health and safety training records", "ordinary"),
    ("Photographs, video and audio recordings", "ordinary"),
    ("Religious beliefs", "special"),
    ("DBS check results (criminal record)", "criminal"),
    ("Criminal convictions", "criminal"),
    ("Enhanced DBS certificate number", "criminal"),
])
def test_category_kind(category: str, kind: str):
    assert act.category_kind(category) == kind
    assert act.is_special(category) == (kind == "special")
    assert act.is_criminal(category) == (kind == "criminal")


def test_every_special_and_criminal_vocabulary_entry_is_marked():
    kinds = {item["value"]: item["kind"] for item in load("vocabularies/data_categories")}
    assert {v for v, k in kinds.items() if k == "special"} >= {
        "health", "ethnicity", "religion", "political", "trade-union", "genetic", "biometric",
        "sex-life", "sexual-orientation"}
    assert {v for v, k in kinds.items() if k == "criminal"} == {"criminal", "dbs"}
    assert set(kinds.values()) == {"ordinary", "special", "criminal"}


# ---------------------------------------------------------------- rights


def test_rights_follow_the_ico_table():
    core = {"informed", "access", "rectification", "restriction", "automated"}
    assert set(act.rights_for_bases(["a"])) == core | {"erasure", "portability", "withdraw-consent"}
    assert set(act.rights_for_bases(["b"])) == core | {"erasure", "portability"}
    assert set(act.rights_for_bases(["c"])) == core
    assert set(act.rights_for_bases(["d"])) == core | {"erasure"}
    assert set(act.rights_for_bases(["e"])) == core | {"object"}
    assert set(act.rights_for_bases(["f"])) == core | {"erasure", "object"}
    assert set(act.rights_for_bases(["ea"])) == core | {"erasure", "object"}
    assert act.rights_for_bases([]) == []
    assert act.rights_for_bases(["zz"]) == []


BASES = st.lists(st.sampled_from(["a", "b", "c", "d", "e", "ea", "f"]), max_size=7)


@given(BASES, BASES)
def test_rights_property_union_and_rules(first: list[str], second: list[str]):
    both = act.rights_for_bases(first + second)
    # More bases never take a right away, and the union is exactly the rights of each basis.
    assert set(act.rights_for_bases(first)) <= set(both)
    assert set(both) == set(act.rights_for_bases(first)) | set(act.rights_for_bases(second))
    bases = set(first + second)
    assert ("portability" in both) == bool(bases & {"a", "b"})  # Art 20(1)(a)
    assert ("erasure" in both) == bool(bases - {"c", "e"})  # Art 17(3)(b)
    assert ("object" in both) == bool(bases & {"e", "ea", "f"})  # Art 21(1)
    assert ("access" in both) == bool(bases)
    order = [value for value, _ in act.SCHEMA.field("rights").choices]
    assert both == sorted(both, key=order.index)


def test_before_save_fills_rights_only_when_left_empty():
    filled = act.before_save({"lawful_bases": ["c"], "rights": []}, NOW)
    assert filled["rights"] == act.rights_for_bases(["c"])
    kept = act.before_save({"lawful_bases": ["c"], "rights": ["access"]}, NOW)
    assert kept["rights"] == ["access"]
    assert act.before_save({"lawful_bases": [], "rights": []}, NOW)["rights"] == []


def test_before_save_sets_the_children_flag_and_breach_occurred_without_overriding():
    values = act.before_save({"individual_categories": ["Pupils (children)"], "children": None}, NOW)
    assert values["children"] is True
    assert act.before_save({"individual_categories": ["Pupils (children)"],
                            "children": False}, NOW)["children"] is False
    assert act.before_save({"individual_categories": ["Customers"], "children": None},
                           NOW)["children"] is None
    assert act.before_save({"breach_records": ["b1"], "breach_occurred": None},
                           NOW)["breach_occurred"] is True


# ---------------------------------------------------------------- transfers


@pytest.mark.parametrize(("destination", "mechanism", "approved"), [
    ("Germany", "", True),
    ("germany (Frankfurt data centre)", "", True),
    ("Frankfurt, Germany", "", True),
    ("EEA", "", True),
    ("Republic of Korea", "", True),
    ("South Korea", "", True),
    ("United Kingdom", "", True),
    ("United States", "", False),
    ("U.S.A.", "UK Extension to the EU-US Data Privacy Framework", True),
    ("US", "certified to the DPF", True),
    ("United States", "IDTA", False),  # lawful with a safeguard, but not an approved destination
    ("India", "", False),
    ("India", "adequacy", False),
    ("Brazil", "", False),  # EU-adequate, not UK-approved (REGULATORY.md §3)
    ("Faroe Islands", "", False),
])
def test_approved_destinations(destination: str, mechanism: str, approved: bool):
    assert is_approved_destination(destination, mechanism) is approved


def test_every_listed_destination_is_found_by_name_and_code():
    for item in load("approved_destinations")["destinations"]:
        assert find_destination(item["name"]) is item
        assert find_destination(item["code"].lower()) is item


APPROVED_NAMES = [i["name"] for i in load("approved_destinations")["destinations"]
                  if i["basis"] != "extension"]
MECHANISMS = st.sampled_from(["", "IDTA", "UK Extension", "adequacy", "whatever we agreed"])


@given(st.sampled_from(APPROVED_NAMES), MECHANISMS, st.booleans())
def test_approved_destinations_property(name: str, mechanism: str, upper: bool):
    text = name.upper() if upper else name
    assert is_approved_destination(text, mechanism)
    assert transfer_problem({"destination": text, "recipient": "x", "mechanism": mechanism}) is None


@given(st.text(alphabet="qxzjvkw ", min_size=1, max_size=12), MECHANISMS)
def test_unknown_destinations_need_a_real_safeguard(name: str, mechanism: str):
    if not name.strip():
        return
    assert not is_approved_destination(name, mechanism)
    problem = transfer_problem({"destination": name, "recipient": "", "mechanism": mechanism})
    assert (problem is None) == (mechanism in ("IDTA", "whatever we agreed"))


def test_transfer_rows_meaning_no_transfer_are_not_problems():
    assert transfer_problem({"destination": "None", "recipient": "", "mechanism": ""}) is None
    assert transfer_problem({"destination": "", "recipient": "", "mechanism": ""}) is None
    assert "no destination" in transfer_problem({"destination": "", "recipient": "Acme",
                                                 "mechanism": ""})


# ---------------------------------------------------------------- findings: appear, disappear


def test_a_complete_activity_has_no_findings():
    assert found(record()) == set()


@pytest.mark.parametrize(("field", "empty"), [
    ("individual_categories", []),
    ("data_categories", []),
])
def test_required_categories(field: str, empty: list[str]):
    assert ("activity-required-empty", field) in found(record(**{field: empty}))
    assert ("activity-required-empty", field) not in found(record())


def test_recipients_empty_then_a_live_processor_linked():
    rec = record(other_recipients=[], processors=[])
    assert ("activity-required-empty", "other_recipients") in found(rec)
    linked = record(other_recipients=[], processors=["p1"])
    assert ("activity-required-empty", "other_recipients") not in found(linked, live_ids={"p1"})
    # a processor that has been archived no longer counts
    assert ("activity-required-empty", "other_recipients") in found(linked, live_ids=set())
    none = record(other_recipients=["None outside the organisation"])
    assert found(none) == set()


def test_security_measures_where_possible_is_low():
    findings = act.activity_findings(record(security_measures=""), TODAY)
    assert [(f.code, f.field, f.severity) for f in findings] == [
        ("activity-required-empty", "security_measures", LOW)]


def test_no_lawful_basis():
    assert ("activity-no-lawful-basis", "lawful_bases") in found(record(lawful_bases=[]))
    assert found(record(lawful_bases=["c"])) == set()


def test_special_category_without_art9_condition():
    rec = record(data_categories=["Name and title", "Pupil allergies"])
    findings = act.activity_findings(rec, TODAY)
    special = [f for f in findings if f.code == "activity-special-no-art9"]
    assert len(special) == 1 and special[0].severity == HIGH
    assert "Pupil allergies" in special[0].message and special[0].field == "art9_conditions"
    fixed = record(data_categories=["Name and title", "Pupil allergies"], art9_conditions=["c"])
    assert found(fixed) == set()


def test_criminal_offence_data_without_schedule_1_condition():
    rec = record(data_categories=["DBS check results (criminal record)"])
    assert ("activity-criminal-no-sch1", "sch1_conditions") in found(rec)
    fixed = record(data_categories=["DBS check results (criminal record)"],
                   sch1_conditions=["p2-18", "p3-36"], sch1_lawful_bases=["c"],
                   retention_policy_link="Appropriate policy document", retained_per_policy=True)
    assert found(fixed) == set()


def test_art9_conditions_that_need_schedule_1():
    rec = record(data_categories=["Health and medical conditions"], art9_conditions=["b"])
    assert ("activity-art9-needs-sch1", "sch1_conditions") in found(rec)
    fixed = record(data_categories=["Health and medical conditions"], art9_conditions=["b"],
                   sch1_conditions=["p1-1"], sch1_lawful_bases=["c"],
                   retention_policy_link="APD", retained_per_policy=True)
    assert found(fixed) == set()
    # (a) explicit consent needs no Schedule 1 condition
    assert ("activity-art9-needs-sch1", "sch1_conditions") not in found(
        record(data_categories=["Health and medical conditions"], art9_conditions=["a"]))


SCH1_COMPLETE = {"data_categories": ["DBS check results (criminal record)"],
                 "sch1_conditions": ["p2-18"], "sch1_lawful_bases": ["c"],
                 "retention_policy_link": "APD", "retained_per_policy": True}


@pytest.mark.parametrize(("field", "missing"), [
    ("sch1_lawful_bases", []),
    ("retention_policy_link", ""),
    ("retained_per_policy", None),
])
def test_schedule_1_columns_required_when_relied_on(field: str, missing: Any):
    rec = record(**{**SCH1_COMPLETE, field: missing})
    assert found(rec) == {("activity-required-empty", field)}
    assert found(record(**SCH1_COMPLETE)) == set()
    # Not relied on (no criminal data, no Sch 1 condition): the columns may stay empty.
    assert found(record(**{field: missing})) == set()


def test_reasons_needed_when_not_retained_per_policy():
    rec = record(**{**SCH1_COMPLETE, "retained_per_policy": False})
    assert found(rec) == {("activity-required-empty", "policy_deviation_reasons")}
    explained = record(**{**SCH1_COMPLETE, "retained_per_policy": False,
                          "policy_deviation_reasons": "Kept during an open safeguarding referral"})
    assert found(explained) == set()


def test_a_schedule_1_condition_given_means_schedule_1_is_relied_on():
    rec = record(sch1_conditions=["p2-18"])
    assert ("activity-required-empty", "retention_policy_link") in found(rec)


@pytest.mark.parametrize(("row", "fixed_mechanism"), [
    ({"destination": "India", "recipient": "Support desk", "mechanism": ""}, "IDTA"),
    ({"destination": "United States", "recipient": "Mailchimp", "mechanism": ""},
     "UK Extension to the EU-US Data Privacy Framework"),
    ({"destination": "United States", "recipient": "Mailchimp", "mechanism": "adequacy"},
     "UK Addendum"),
    ({"destination": "Australia", "recipient": "Host", "mechanism": "UK adequacy"},
     "Art 49 derogation: explicit consent"),
])
def test_transfer_without_safeguard(row: dict[str, str], fixed_mechanism: str):
    findings = act.activity_findings(record(transfers=[row]), TODAY)
    assert [(f.code, f.severity) for f in findings] == [("activity-transfer-unsafeguarded", HIGH)]
    assert row["destination"] in findings[0].message
    assert found(record(transfers=[{**row, "mechanism": fixed_mechanism}])) == set()


def test_transfers_to_approved_destinations_need_nothing():
    rows = [{"destination": "Ireland", "recipient": "Stripe", "mechanism": ""},
            {"destination": "Germany (Frankfurt)", "recipient": "Host", "mechanism": ""}]
    assert found(record(transfers=rows)) == set()


def test_legitimate_interests_without_lia_or_description():
    rec = record(lawful_bases=["f"])
    assert found(rec) == {("activity-li-no-lia", "lia_link"),
                          ("activity-li-undescribed", "legitimate_interests")}
    described = record(lawful_bases=["f"], legitimate_interests="Keeping pupils safe")
    assert found(described) == {("activity-li-no-lia", "lia_link")}
    complete = record(lawful_bases=["f"], legitimate_interests="Keeping pupils safe",
                      lia_link="Drive › LIA 2026")
    assert found(complete) == set()
    # recognised legitimate interests (ea) need no balancing test
    assert found(record(lawful_bases=["ea"])) == set()


def test_consent_without_a_consent_record():
    assert found(record(lawful_bases=["a"])) == {("activity-consent-no-record", "consent_record_link")}
    assert found(record(lawful_bases=["a"], consent_record_link="Booking form log")) == set()
    explicit = record(data_categories=["Health and medical conditions"], art9_conditions=["a"])
    assert found(explicit) == {("activity-consent-no-record", "consent_record_link")}


@pytest.mark.parametrize(("progress", "severity"), [
    (None, HIGH), ("not-started", HIGH), ("not-needed", HIGH), ("in-progress", MEDIUM)])
def test_dpia_required_and_not_complete(progress: str | None, severity: str):
    findings = act.activity_findings(record(dpia_required=True, dpia_progress=progress), TODAY)
    assert [(f.code, f.severity) for f in findings] == [("activity-dpia-incomplete", severity)]
    assert found(record(dpia_required=True, dpia_progress="complete")) == set()
    assert found(record(dpia_required=False, dpia_progress=progress)) == set()


def test_no_retention():
    rec = record(retention_note="", retention_rules=[])
    assert found(rec) == {("activity-no-retention", "retention_rules")}
    linked = record(retention_note="", retention_rules=["r1"])
    assert found(linked, live_ids={"r1"}) == set()
    assert found(linked, live_ids=set()) == {("activity-no-retention", "retention_rules")}


def test_review_overdue_by_next_review_date():
    assert found(record(next_review="2026-11-21")) == {("activity-review-overdue", "next_review")}
    assert found(record(next_review="2026-11-22")) == set()


def test_review_overdue_from_last_review_and_the_org_interval():
    rec = record(next_review=None, last_reviewed="2025-10-01")
    assert found(rec, months=12) == {("activity-review-overdue", "next_review")}
    assert found(rec, months=24) == set()
    assert found(record(next_review=None, last_reviewed="2026-01-01"), months=12) == set()
    # The organisation's setting reaches the rule through the snapshot.
    assert [f.code for f in act.findings(snapshot(rec, activity_review_months=24))] == []
    assert [f.code for f in act.findings(snapshot(rec, activity_review_months=6))] == [
        "activity-review-overdue"]


def test_no_review_date_for_an_active_activity_only():
    active = record(next_review=None, last_reviewed=None)
    assert found(active) == {("activity-no-review-date", "next_review")}
    assert found(record(next_review=None, last_reviewed=None, status="draft")) == set()


def test_retired_activities_raise_no_findings():
    empty = Record("activity", {"purpose": "Old newsletter", "status": "retired"}, id="a9", ref="PA-009")
    assert act.findings(snapshot(empty)) == []
    draft = Record("activity", {"purpose": "New idea", "status": "draft"}, id="a8", ref="PA-008")
    codes = {f.code for f in act.findings(snapshot(draft))}
    assert "activity-no-lawful-basis" in codes and "activity-no-retention" in codes


def test_findings_name_the_record_and_field():
    findings = act.findings(snapshot(record(lawful_bases=[])))
    assert len(findings) == 1
    f = findings[0]
    assert (f.register, f.record_id, f.ref, f.field) == ("activity", "a1", "PA-001", "lawful_bases")
    assert f.message.startswith("Class bookings:")
