"""The quarterly review service: each decision's effect, accountability answers, sign-off, and a
review interrupted half-way that resumes with nothing lost."""

from __future__ import annotations

import pytest

from dpo_tui.clock import Clock
from dpo_tui.domain import deadlines, registers, reviews
from dpo_tui.domain.records import Record
from dpo_tui.services import dashboard, organisations, records, review
from dpo_tui.services.records import ValidationFailed
from dpo_tui.services.workspace import Workspace, open_workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError


def add(ws: Workspace, org: Record, register: str, **values) -> Record:
    return records.save(ws, org.id, register, values).record


def item_for(state: review.ReviewState, ref: str, kind: str = "record") -> review.ReviewItem:
    return next(i for i in state.items if i.ref == ref and i.kind == kind)


def decide_all(ws: Workspace, review_id: str, decision: str = "still-accurate") -> review.ReviewState:
    state = review.state(ws, review_id)
    while state.next_item is not None:
        state = review.decide(ws, review_id, state.next_item.key, decision)
    return state


@pytest.fixture
def studio(ws, org) -> dict[str, Record]:
    """A small organisation: one record of each reviewed register, none reviewed recently."""
    return {
        "activity": add(ws, org, "activity", purpose="Class bookings", status="active",
                        last_reviewed="2026-03-01", lawful_bases=["b"]),
        "processor": add(ws, org, "processor", legal_name="Stripe Payments UK Ltd",
                         last_review="2026-01-10", contract_signed="2023-01-01"),
        "retention": add(ws, org, "retention", category="Payroll records", period_number=3,
                         period_unit="years", trigger="end-of-tax-year", justification="HMRC"),
        "client": add(ws, org, "client_processing", client_name="St Luke's School",
                      status="active"),
    }


# ---------------------------------------------------------------- starting


def test_start_creates_one_review_for_the_quarter_and_resumes_it(ws, org, studio):
    first = review.start_or_resume(ws, org.id)
    assert first.review.ref == "RV-001" and first.review.values["period"] == "2026 Q4"
    assert first.review.values["status"] == "in-progress"
    assert first.review.values["started_at"] == "2026-11-22T10:00:00Z"
    again = review.start_or_resume(ws, org.id)
    assert again.review.id == first.review.id
    assert records.count(ws, org.id, "review") == 1
    refs = [i.ref for i in first.items if i.kind == "record"]
    assert refs == ["PA-001", "CP-001", "PR-001", "RR-001"]
    assert first.next_item is first.items[0] and not first.complete


def test_items_to_cover_before_starting_matches_the_review(ws, org, studio):
    preview = review.items_to_cover(ws, org.id)
    state = review.start_or_resume(ws, org.id)
    assert [c.key for c in preview] == [i.key for i in state.items]


# ---------------------------------------------------------------- decisions


def test_still_accurate_marks_the_record_reviewed_per_the_settings(ws, org, studio):
    organisations.update(ws, org.id, {"activity_review_months": 6, "processor_review_months": 24})
    state = review.start_or_resume(ws, org.id)
    rid = state.review.id
    for ref in ("PA-001", "PR-001", "RR-001"):
        state = review.decide(ws, rid, item_for(state, ref).key, "still-accurate", "checked with Ann")
    activity = records.get(ws, studio["activity"].id).values
    assert (activity["last_reviewed"], activity["next_review"]) == ("2026-11-22", "2027-05-22")
    processor = records.get(ws, studio["processor"].id).values
    assert (processor["last_review"], processor["next_review"]) == ("2026-11-22", "2028-11-22")
    rule = records.get(ws, studio["retention"].id).values
    assert (rule["last_review"], rule["next_review"]) == ("2026-11-22", "2027-11-22")
    row = state.review.values["items"][0]
    assert row["ref"] == "PA-001" and row["decision"] == "still-accurate"
    assert row["note"] == "checked with Ann" and row["decided_at"] == "2026-11-22T10:00:00Z"
    assert row["register"] == "activity" and row["title"] == "Class bookings"
    assert repo.history(ws.db, studio["activity"].id)[-1].note == "confirmed in review RV-001"


def test_a_confirmed_record_keeps_its_place_in_the_list(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    before = [i.key for i in state.items]
    state = review.decide(ws, state.review.id, item_for(state, "PR-001").key, "still-accurate")
    after = [i.key for i in state.items]
    assert [k for k in after if k in before] == [k for k in before if k in after]
    assert item_for(state, "PR-001").decided
    assert state.next_item.ref == "PA-001"  # carry on at the first item still open


def test_a_client_record_confirmed_in_a_signed_off_review_is_not_asked_again(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    decide_all(ws, state.review.id)
    review.sign_off(ws, state.review.id, "Dee Pio")
    later = open_workspace(ws.path, clock=Clock.from_text("2026-12-15T10:00:00Z"), actor="tester")
    try:
        refs = [i.ref for i in review.start_or_resume(later, org.id).items if i.kind == "record"]
    finally:
        later.close()
    assert "CP-001" not in refs and refs == []


@pytest.mark.parametrize(("key", "register", "status"), [
    ("activity", "activity", "retired"),
    ("processor", "processor", "ended"),
    ("client", "client_processing", "ended"),
])
def test_retire_sets_the_retired_status(ws, org, studio, key, register, status):
    state = review.start_or_resume(ws, org.id)
    record = studio[key]
    state = review.decide(ws, state.review.id, item_for(state, record.ref).key, "retire")
    assert records.get(ws, record.id).values["status"] == status
    assert item_for(state, record.ref).decision == reviews.RETIRED
    assert repo.history(ws.db, record.id)[-1].note == "retired in review RV-001"


def test_retire_archives_a_retention_rule(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    review.decide(ws, state.review.id, item_for(state, "RR-001").key, "retire")
    rule = records.get(ws, studio["retention"].id)
    assert rule.archived and rule.archive_reason == "retired in review RV-001"
    # It is gone from the registers but stays in the review as decided.
    state = review.state(ws, state.review.id)
    assert item_for(state, "RR-001").decision == reviews.RETIRED


def test_retire_drops_an_overdue_action(ws, org):
    action = add(ws, org, "action", what="Renew contracts", due="2026-10-01")
    state = review.start_or_resume(ws, org.id)
    finding = item_for(state, action.ref, kind="finding")
    review.decide(ws, state.review.id, finding.key, "retire")
    assert records.get(ws, action.id).values["status"] == "dropped"


def test_a_breach_cannot_be_retired_and_nothing_is_written(ws, org):
    from dpo_tui.services import breaches

    breach = breaches.quick_add(ws, org.id, "Email sent to the wrong parent",
                                aware_at="2026-11-21 09:00")
    state = review.start_or_resume(ws, org.id)
    finding = item_for(state, breach.ref, kind="finding")
    with pytest.raises(ValidationFailed, match="cannot be retired"):
        review.decide(ws, state.review.id, finding.key, "retire")
    assert review.state(ws, state.review.id).review.values["items"] == []
    assert records.get(ws, breach.id).values == breach.values


def test_raise_action_creates_an_action_that_the_dashboard_shows(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    item = item_for(state, "PR-001")
    state = review.decide(ws, state.review.id, item.key, "action", "contract missing clauses",
                          what="Get Stripe's DPA signed", owner="Dee", due="2026-12-01")
    (action,) = records.list_records(ws, org.id, "action")
    assert action.values["what"] == "Get Stripe's DPA signed" and action.values["owner"] == "Dee"
    assert action.values["due"] == "2026-12-01" and action.values["status"] == "open"
    assert action.values["source"] == "PR-001"
    assert "Raised in review RV-001 (2026 Q4)" in action.values["notes"]
    assert "contract missing clauses" in action.values["notes"]
    assert item_for(state, "PR-001").action_ref == action.ref == "AC-001"
    due = [i for i in dashboard.due_items(ws, org.id) if i.kind == deadlines.ACTION]
    assert [(i.ref, i.status) for i in due] == [("AC-001", deadlines.DUE_SOON)]
    # The processor itself is not confirmed by raising an action.
    assert records.get(ws, studio["processor"].id).values["last_review"] == "2026-01-10"


def test_an_action_without_a_what_gets_one_from_the_item(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    review.decide(ws, state.review.id, item_for(state, "PA-001").key, "action")
    (action,) = records.list_records(ws, org.id, "action")
    assert action.values["what"] == "Follow up PA-001: Class bookings"


def test_a_refused_action_writes_nothing_at_all(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    with pytest.raises(ValidationFailed):
        review.decide(ws, state.review.id, item_for(state, "PA-001").key, "action",
                      what="x", due="31/02/2027")
    assert records.list_records(ws, org.id, "action") == []
    assert review.state(ws, state.review.id).review.values["items"] == []


def test_edit_records_the_decision_and_counts_as_reviewed(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    records.save(ws, org.id, "activity", {"security_measures": "Two-step sign-in"},
                 record_id=studio["activity"].id)
    state = review.decide(ws, state.review.id, item_for(state, "PA-001").key, "edit")
    assert item_for(state, "PA-001").decision == reviews.EDITED
    values = records.get(ws, studio["activity"].id).values
    assert values["last_reviewed"] == "2026-11-22" and values["security_measures"] == "Two-step sign-in"


def test_an_edit_that_puts_a_finding_right_is_still_recorded(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    finding = next(i for i in state.items if i.key.startswith("finding:org-contact:"))
    organisations.update(ws, org.id, {"address": "1 Quay Street", "email": "hi@harbour.example"})
    with pytest.raises(StorageError, match="not an item"):
        review.decide(ws, state.review.id, finding.key, "edit")  # the finding has gone
    state = review.decide(ws, state.review.id, finding.key, "edit", seen=finding)
    row = state.review.values["items"][-1]
    assert (row["key"], row["decision"], row["register"]) == (finding.key, "edited", "organisation")
    assert state.item(finding.key).decision == reviews.EDITED  # listed first: decided, now gone


def test_deciding_again_replaces_the_earlier_decision(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    key = item_for(state, "PA-001").key
    review.decide(ws, state.review.id, key, "still-accurate")
    state = review.decide(ws, state.review.id, key, "edit", "fixed the purpose")
    rows = [r for r in state.review.values["items"] if r["key"] == key]
    assert len(rows) == 1 and rows[0]["decision"] == "edited" and rows[0]["note"] == "fixed the purpose"


def test_unknown_decisions_and_items_are_refused(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    with pytest.raises(ValidationFailed, match="Unknown decision"):
        review.decide(ws, state.review.id, state.items[0].key, "ignore")
    with pytest.raises(StorageError, match="not an item"):
        review.decide(ws, state.review.id, "record:nope", "still-accurate")


def test_a_note_with_a_control_character_is_refused_markup_is_kept(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    key = item_for(state, "PA-001").key
    with pytest.raises(ValidationFailed):
        review.decide(ws, state.review.id, key, "still-accurate", "bad \x1b[31m note")
    assert records.get(ws, studio["activity"].id).values["last_reviewed"] == "2026-03-01"
    state = review.decide(ws, state.review.id, key, "still-accurate", "[b]ok[/b] <i>")
    assert item_for(state, "PA-001").note == "[b]ok[/b] <i>"


# ---------------------------------------------------------------- accountability


def test_accountability_answers_are_merged_and_can_be_cleared(ws, org):
    state = review.start_or_resume(ws, org.id)
    rid = state.review.id
    review.answer_accountability(ws, rid, {"leadership-owner": "yes",
                                           "training-refresher": ("partly", "two teachers left")})
    state = review.answer_accountability(ws, rid, {"breaches-known": {"answer": "N", "notes": ""},
                                                   "leadership-owner": "p"})
    rows = state.review.values["accountability"]
    assert [(r["question_id"], r["answer"]) for r in rows] == [
        ("leadership-owner", "partly"), ("training-refresher", "partly"), ("breaches-known", "no")]
    assert rows[1]["category"] == "Training and awareness" and rows[1]["notes"] == "two teachers left"
    assert rows[0]["question"].startswith("Is one named person responsible")
    state = review.answer_accountability(ws, rid, {"leadership-owner": ""})
    assert "leadership-owner" not in state.answers


def test_accountability_refuses_unknown_questions_and_answers(ws, org):
    rid = review.start_or_resume(ws, org.id).review.id
    with pytest.raises(ValidationFailed, match="no accountability question"):
        review.answer_accountability(ws, rid, {"nope": "yes"})
    with pytest.raises(ValidationFailed, match="not yes, partly or no"):
        review.answer_accountability(ws, rid, {"leadership-owner": "sometimes"})
    assert review.state(ws, rid).answers == {}


# ---------------------------------------------------------------- sign-off


def test_sign_off_waits_for_every_decision_and_a_reviewer(ws, org, studio):
    state = review.start_or_resume(ws, org.id)
    rid = state.review.id
    with pytest.raises(ValidationFailed, match=rf"{len(state.items)} items still need a decision"):
        review.sign_off(ws, rid, "Dee Pio")
    decide_all(ws, rid)
    with pytest.raises(ValidationFailed, match="reviewer"):
        review.sign_off(ws, rid, "  ")
    organisations.update(ws, org.id, {"review_interval_months": 4})
    signed = review.sign_off(ws, rid, "Dee Pio", "All confirmed; Stripe DPA to chase.")
    assert signed.values["status"] == "signed-off" and signed.values["reviewer"] == "Dee Pio"
    assert signed.values["signed_off_at"] == "2026-11-22T10:00:00Z"
    assert signed.values["next_due"] == "2027-03-22"
    assert signed.values["notes"] == "All confirmed; Stripe DPA to chase."


def test_the_interval_can_be_given_at_sign_off(ws, org):
    rid = review.start_or_resume(ws, org.id).review.id
    decide_all(ws, rid)
    assert review.sign_off(ws, rid, "Dee", months=1).values["next_due"] == "2026-12-22"


def test_a_signed_off_review_is_closed_and_the_next_one_is_new(ws, org, studio):
    rid = review.start_or_resume(ws, org.id).review.id
    first_key = review.state(ws, rid).items[0].key
    decide_all(ws, rid)
    review.sign_off(ws, rid, "Dee Pio")
    with pytest.raises(StorageError, match="already signed off"):
        review.decide(ws, rid, first_key, "edit")
    with pytest.raises(StorageError, match="already signed off"):
        review.answer_accountability(ws, rid, {"leadership-owner": "yes"})
    with pytest.raises(StorageError, match="already signed off"):
        review.sign_off(ws, rid, "Dee Pio")
    signed_state = review.state(ws, rid)
    assert signed_state.signed_off and signed_state.pending == []
    assert review.start_or_resume(ws, org.id).review.ref == "RV-002"


def test_review_findings_follow_the_sign_off(ws, org):
    assert "review-never-done" in [f.code for f in records.findings(ws, org.id)]
    rid = review.start_or_resume(ws, org.id).review.id
    decide_all(ws, rid)
    review.sign_off(ws, rid, "Dee Pio")
    assert not [f for f in records.findings(ws, org.id) if f.register == "review"]
    later = open_workspace(ws.path, clock=Clock.from_text("2027-02-23T10:00:00Z"), actor="tester")
    try:
        found = [f for f in records.findings(later, org.id) if f.register == "review"]
    finally:
        later.close()
    assert [f.code for f in found] == ["review-overdue"]


# ---------------------------------------------------------------- the demo, start to finish


@pytest.fixture
def demo_ws(tmp_path):
    from dpo_tui.services.demo import load_demo

    workspace = open_workspace(tmp_path / "demo.db", clock=Clock.from_text("2026-11-22T12:00:00Z"),
                               actor="tester")
    org = load_demo(workspace)
    yield workspace, org
    workspace.close()


def complete_demo_review(ws: Workspace, org_id: str) -> Record:
    """Retire one activity, raise an action on one processor, accept everything else."""
    state = review.start_or_resume(ws, org_id)
    rid = state.review.id
    state = review.decide(ws, rid, item_for(state, "PA-009").key, "retire")
    state = review.decide(ws, rid, item_for(state, "PR-001").key, "action",
                          what="Check Stripe's sub-processor list", owner="Owner", due="2027-01-15")
    decide_all(ws, rid)
    review.answer_accountability(ws, rid, {q["id"]: "yes" for q in
                                           reviews.accountability_questions()[:5]})
    return review.sign_off(ws, rid, "Jo Lark", "Quarter reviewed.")


def test_a_complete_review_of_the_demo_clears_what_was_due(demo_ws):
    ws, org = demo_ws
    before = dashboard.due_items(ws, org.id)
    assert deadlines.any_urgent(before)
    signed = complete_demo_review(ws, org.id)
    assert signed.values["next_due"] == "2027-02-22"
    decided = {r["ref"]: r["decision"] for r in signed.values["items"]
               if r["key"].startswith("record:")}
    assert decided["PA-009"] == "retired" and decided["PR-001"] == "action-raised"
    assert decided["PA-001"] == "still-accurate"
    assert len(signed.values["accountability"]) == 5
    after = dashboard.due_items(ws, org.id)
    # What was overdue is confirmed or retired. Stripe's review stays due (an action was raised
    # instead of confirming it), beside the action itself and the next review.
    assert [(i.kind, i.ref, i.status) for i in after] == [
        (deadlines.PROCESSOR_REVIEW, "PR-001", deadlines.DUE_SOON),
        (deadlines.ACTION, "AC-001", deadlines.OK),
        (deadlines.QUARTERLY_REVIEW, signed.ref, deadlines.OK)]


def test_an_interrupted_review_resumes_with_nothing_lost(demo_ws, tmp_path):
    ws, org = demo_ws
    state = review.start_or_resume(ws, org.id)
    rid = state.review.id
    half = len(state.items) // 2
    decisions: dict[str, str] = {}
    for _ in range(half):
        item = state.next_item
        decision = "action" if item.ref == "PR-002" else "still-accurate"
        state = review.decide(ws, rid, item.key, decision)
        decisions[item.key] = reviews.normalise_decision(decision)
    state = review.answer_accountability(ws, rid, {"leadership-owner": ("partly", "owner only")})
    seen = [(i.key, i.decision) for i in state.items]
    next_key = state.next_item.key
    ws.close()  # the app is closed half-way

    again = open_workspace(ws.path, clock=ws.clock, actor="tester")
    try:
        resumed = review.start_or_resume(again, org.id)
        assert resumed.review.id == rid
        assert {i.key: i.decision for i in resumed.decided} == decisions
        assert [(i.key, i.decision) for i in resumed.items] == seen
        assert resumed.next_item.key == next_key
        assert resumed.answers["leadership-owner"]["notes"] == "owner only"
    finally:
        again.close()

    next_day = open_workspace(ws.path, clock=Clock.from_text("2026-11-23T09:00:00Z"), actor="tester")
    try:
        finished = decide_all(next_day, rid)
        assert finished.complete and len(finished.decided) >= half + 1
        signed = review.sign_off(next_day, rid, "Jo Lark")
        assert signed.values["signed_off_at"] == "2026-11-23T09:00:00Z"
        assert records.count(next_day, org.id, "review") == 1
        kept = {r["key"]: r["decision"] for r in signed.values["items"]}
        assert all(kept[key] == decision for key, decision in decisions.items())
    finally:
        next_day.close()


def test_the_overview_counts_live_records_as_the_registers_do(ws, org):
    """The dashboard's record counts come from its snapshot; they must match the registers."""
    first = records.save(ws, org.id, "action", {"what": "Review contracts"}).record
    records.save(ws, org.id, "action", {"what": "Renew the ICO fee"})
    records.archive(ws, first.id, "done")
    counts = dashboard.overview(ws, org.id).counts
    assert counts["action"] == 1
    assert counts == {name: records.count(ws, org.id, name) for name in counts}
    assert set(counts) == set(registers.available())
