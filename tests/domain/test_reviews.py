"""The review register: its schema, the accountability questions, what a review covers, and the
findings "review overdue" and "none ever done" appearing and disappearing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dpo_tui.domain import registers, reviews
from dpo_tui.domain.organisation import SCHEMA as ORG_SCHEMA
from dpo_tui.domain.records import HIGH, LOW, MEDIUM, Finding, Record, Snapshot
from dpo_tui.domain.schema import validate

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def org_record(**values) -> Record:
    return Record("organisation", {**ORG_SCHEMA.defaults(), "name": "Harbour Music Ltd", **values},
                  id="org-1", created_at="2026-06-01T09:00:00Z")


def rec(register: str, ref: str, **values) -> Record:
    return Record(register, {**registers.schema(register).defaults(), **values}, id=f"id-{ref}",
                  org_id="org-1", ref=ref)


def snap(*records: Record, org: Record | None = None) -> Snapshot:
    grouped: dict[str, list[Record]] = {}
    for r in records:
        grouped.setdefault(r.register, []).append(r)
    return Snapshot(org=org or org_record(), records=grouped, as_of=NOW)


def signed(ref: str = "RV-001", signed_off_at: str = "2026-09-01T10:00:00Z", **values) -> Record:
    return rec("review", ref, **{"period": "2026 Q3", "status": "signed-off", "reviewer": "Ann",
                                  "signed_off_at": signed_off_at, **values})


def codes(found: list[Finding]) -> list[str]:
    return [f.code for f in found]


# ---------------------------------------------------------------- schema


def test_the_register_is_known_with_its_prefix_and_title_field():
    schema = registers.schema("review")
    assert schema.ref_prefix == "RV" and schema.title_field == "period"
    assert "review" in registers.available()


def test_a_signed_off_review_needs_a_reviewer_and_a_time():
    result = validate(reviews.SCHEMA, {"period": "2026 Q4", "status": "signed-off"})
    assert set(result.errors) == {"reviewer", "signed_off_at"}
    ok = validate(reviews.SCHEMA, {"period": "2026 Q4", "status": "signed-off", "reviewer": "Ann",
                                   "signed_off_at": "2026-11-22 10:00"})
    assert ok.ok and ok.values["signed_off_at"] == "2026-11-22T10:00:00Z"


def test_item_decisions_and_answers_must_be_known_codes():
    base = {"period": "2026 Q4", "status": "in-progress"}
    bad_item = validate(reviews.SCHEMA, {**base, "items": [{"key": "record:x", "ref": "PA-001",
                                                            "decision": "maybe"}]})
    assert "items" in bad_item.errors and "maybe" in bad_item.errors["items"]
    bad_answer = validate(reviews.SCHEMA, {**base, "accountability": [
        {"question_id": "leadership-owner", "answer": "sometimes"}]})
    assert "accountability" in bad_answer.errors
    good = validate(reviews.SCHEMA, {**base,
                                     "items": [{"key": "record:x", "ref": "PA-001",
                                                "decision": "still-accurate"}],
                                     "accountability": [{"question_id": "leadership-owner",
                                                         "answer": "partly"}]})
    assert good.ok
    assert good.values["items"][0]["decision"] == "still-accurate"
    assert set(good.values["items"][0]) == set(reviews.ITEM_COLUMNS)


@pytest.mark.parametrize(("given", "code"), [
    ("still-accurate", reviews.STILL_ACCURATE), ("Still accurate", reviews.STILL_ACCURATE),
    ("edit", reviews.EDITED), ("retire", reviews.RETIRED), ("action", reviews.ACTION_RAISED),
    ("action-raised", reviews.ACTION_RAISED),
])
def test_decisions_by_verb_or_code(given, code):
    assert reviews.normalise_decision(given) == code
    assert reviews.decision_label(code)


def test_an_unknown_decision_is_refused():
    with pytest.raises(ValueError, match="Unknown decision"):
        reviews.normalise_decision("ignore")


@pytest.mark.parametrize(("day", "label"), [
    (date(2026, 1, 1), "2026 Q1"), (date(2026, 3, 31), "2026 Q1"), (date(2026, 4, 1), "2026 Q2"),
    (date(2026, 9, 30), "2026 Q3"), (date(2026, 12, 31), "2026 Q4"),
])
def test_period_label_is_the_calendar_quarter(day, label):
    assert reviews.period_label(day) == label


def test_cells_are_one_line_without_separators():
    assert reviews.one_line("a\nb | c\t d") == "a b / c d"
    assert len(reviews.one_line("x" * 500)) == 200


def test_item_keys_name_their_record():
    f = Finding(MEDIUM, "activity-no-retention", "Bookings: no retention", "activity", "abc", "PA-001",
                "retention_rules")
    key = reviews.finding_key(f)
    assert key.startswith("finding:activity-no-retention:abc:retention_rules:")
    assert reviews.key_record_id(key) == "abc"
    assert reviews.key_record_id(reviews.record_key("def")) == "def"
    loose = Finding(LOW, "x", "message", "organisation")
    assert reviews.key_record_id(reviews.finding_key(loose)) is None
    # Two findings with the same code on the same field (two transfers) keep distinct keys.
    other = Finding(MEDIUM, f.code, "Bookings: another", "activity", "abc", "PA-001", f.field)
    assert reviews.finding_key(other) != key


# ---------------------------------------------------------------- accountability questions


def test_ten_ico_categories_each_with_questions_and_a_source():
    data = reviews.accountability()
    labels = [c["label"] for c in data["categories"]]
    # REGULATORY.md §8, in the ICO's order.
    assert labels == ["Leadership and oversight", "Policies and procedures", "Training and awareness",
                      "Individuals' rights", "Transparency", "Records of processing and lawful basis",
                      "Contracts and data sharing", "Risks and data protection impact assessments",
                      "Records management and security", "Breach response and monitoring"]
    assert data["source"]["url"].startswith("https://ico.org.uk/")
    assert "accountability-framework" in data["source"]["url"]
    assert data["source"]["name"] == "ICO Accountability Framework"
    questions = reviews.accountability_questions()
    assert all(len(c["questions"]) >= 2 for c in data["categories"])
    assert len({q["id"] for q in questions}) == len(questions)
    assert [a["value"] for a in data["answers"]] == list(reviews.ANSWERS)


def test_latest_answers_come_from_the_latest_signed_off_review_with_any():
    older = signed("RV-001", "2026-06-01T10:00:00Z", accountability=[
        {"question_id": "leadership-owner", "category": "Leadership and oversight",
         "question": "q", "answer": "no", "notes": ""}])
    newer_without = signed("RV-002", "2026-09-01T10:00:00Z")
    in_progress = rec("review", "RV-003", period="2026 Q4", accountability=[
        {"question_id": "leadership-owner", "answer": "yes"}])
    review, answers = reviews.latest_answers([older, newer_without, in_progress])
    assert review.ref == "RV-001" and answers[0]["answer"] == "no"
    assert reviews.latest_answers([in_progress]) == (None, [])


# ---------------------------------------------------------------- findings


def test_none_ever_done_is_a_low_finding_until_one_is_signed_off():
    (f,) = reviews.findings(snap())
    assert (f.severity, f.code, f.register) == (LOW, "review-never-done", "review")
    started = rec("review", "RV-001", period="2026 Q4", started_at="2026-11-20T10:00:00Z")
    (f,) = reviews.findings(snap(started))
    assert f.code == "review-never-done" and f.record_id == "id-RV-001"
    assert reviews.findings(snap(signed(next_due="2026-12-01"))) == []


def test_overdue_once_the_next_review_date_has_passed():
    (f,) = reviews.findings(snap(signed(next_due="2026-11-21")))
    assert (f.severity, f.code, f.ref) == (MEDIUM, "review-overdue", "RV-001")
    assert "since 2026-11-21" in f.message
    assert reviews.findings(snap(signed(next_due="2026-11-22"))) == []  # due today: not yet late


def test_without_a_stored_date_the_interval_setting_counts_from_the_sign_off():
    old = signed(signed_off_at="2026-07-01T10:00:00Z")
    assert codes(reviews.findings(snap(old))) == ["review-overdue"]  # + 3 months = 1 October
    assert reviews.findings(snap(old, org=org_record(review_interval_months=6))) == []


def test_the_latest_sign_off_counts():
    found = reviews.findings(snap(signed("RV-001", "2026-03-01T10:00:00Z", next_due="2026-06-01"),
                                  signed("RV-002", "2026-10-01T10:00:00Z", next_due="2027-01-01")))
    assert found == []


def test_review_due_without_any_review_counts_from_the_organisation():
    due = reviews.review_due(snap(), TODAY)
    assert due.due == date(2026, 9, 1) and due.last is None and due.current is None


# ---------------------------------------------------------------- what a review covers


def finding(severity: str, code: str, record: Record | None, register: str = "activity",
            message: str = "gap") -> Finding:
    return Finding(severity, code, message, register, record.id if record else None,
                   record.ref if record else "", "x")


def test_records_not_reviewed_within_the_interval_are_covered_each_with_its_findings():
    never = rec("activity", "PA-001", purpose="Bookings", status="active")
    recent = rec("activity", "PA-002", purpose="Payroll", status="active", last_reviewed="2026-10-01")
    stale = rec("activity", "PA-003", purpose="Photos", status="active", last_reviewed="2026-08-01")
    retired = rec("activity", "PA-004", purpose="Old", status="retired")
    ended = rec("processor", "PR-001", legal_name="Old host", status="ended")
    proc = rec("processor", "PR-002", legal_name="Stripe", last_review="2026-01-01")
    rule = rec("retention", "RR-001", category="Payroll", last_review="2026-11-01")
    client = rec("client_processing", "CP-001", client_name="St Luke's School", status="active")
    found = [finding(HIGH, "activity-no-lawful-basis", never),
             finding(MEDIUM, "activity-no-retention", recent),
             finding(LOW, "org-no-registration", None, register="organisation"),
             finding(MEDIUM, "action-overdue", rec("action", "AC-001"), register="action"),
             Finding(LOW, "review-never-done", "none", "review")]
    s = snap(never, recent, stale, retired, ended, proc, rule, client)
    covered = reviews.items_to_cover(s, found, TODAY)
    assert [(c.kind, c.ref) for c in covered] == [
        ("record", "PA-001"), ("finding", "PA-001"),  # the record, then its findings
        ("record", "PA-003"),
        ("record", "CP-001"),
        ("record", "PR-002"),
        # findings about records not listed, most serious first (then by ref); none about reviews
        ("finding", "AC-001"), ("finding", "PA-002"), ("finding", ""),
    ]
    assert covered[0].reason == "Never reviewed"
    assert covered[2].reason == "Last reviewed 2026-08-01"


def test_the_interval_setting_decides_what_is_recent():
    stale = rec("activity", "PA-003", purpose="Photos", status="active", last_reviewed="2026-08-01")
    six_months = org_record(review_interval_months=6)
    assert reviews.items_to_cover(snap(stale, org=six_months), [], TODAY) == []


def test_a_confirmation_in_an_earlier_review_counts_for_registers_without_a_review_date():
    client = rec("client_processing", "CP-001", client_name="School", status="active")
    earlier = signed(items=[{"key": "record:id-CP-001", "register": "client_processing",
                             "ref": "CP-001", "title": "School", "decision": "still-accurate",
                             "note": "", "action_ref": "", "decided_at": "2026-10-15T10:00:00Z"}])
    assert reviews.items_to_cover(snap(client, earlier), [], TODAY) == []
    too_old = signed(items=[{**earlier.values["items"][0], "decided_at": "2026-01-15T10:00:00Z"}])
    assert [c.ref for c in reviews.items_to_cover(snap(client, too_old), [], TODAY)] == ["CP-001"]
    action_only = signed(items=[{**earlier.values["items"][0], "decision": "action-raised"}])
    assert [c.ref for c in reviews.items_to_cover(snap(client, action_only), [], TODAY)] == ["CP-001"]


def test_keep_lists_a_record_the_review_in_hand_has_just_confirmed():
    done = rec("activity", "PA-001", purpose="Bookings", status="active", last_reviewed="2026-11-22")
    f = finding(MEDIUM, "activity-no-retention", done)
    assert [c.kind for c in reviews.items_to_cover(snap(done), [f], TODAY)] == ["finding"]
    kept = reviews.items_to_cover(snap(done), [f], TODAY, keep={"id-PA-001"})
    assert [(c.kind, c.ref) for c in kept] == [("record", "PA-001"), ("finding", "PA-001")]


def test_items_for_report_read_as_words_without_internal_keys():
    review = signed(items=[
        {"key": "record:abc", "register": "activity", "ref": "PA-001", "title": "Bookings",
         "decision": "still-accurate", "note": "", "action_ref": "", "decided_at": "2026-11-22T10:00:00Z"},
        {"key": "finding:processor-no-contract:def:contract_reference:1234abcd",
         "register": "processor", "ref": "PR-001", "title": "Stripe: no contract",
         "decision": "action-raised", "note": "chase", "action_ref": "AC-001",
         "decided_at": "2026-11-22T10:01:00Z"},
        {"key": "finding:org-no-registration:org-1:ico_registration_number:99999999",
         "register": "organisation", "ref": "Harbour Music Ltd", "title": "No ICO number",
         "decision": "edited", "note": "", "action_ref": "", "decided_at": "2026-11-22T10:02:00Z"},
    ])
    rows = reviews.items_for_report(review)
    assert rows[0] == {"ref": "PA-001", "register": "Processing activities", "kind": "Record",
                       "item": "Bookings", "decision": "Still accurate", "note": "", "action": "",
                       "decided_at": "2026-11-22T10:00:00Z"}
    assert (rows[1]["kind"], rows[1]["decision"], rows[1]["action"]) == ("Finding", "Action raised",
                                                                         "AC-001")
    assert rows[2]["register"] == "Organisation profile"
    assert not any("record:" in str(v) or "finding:" in str(v) for row in rows for v in row.values())
