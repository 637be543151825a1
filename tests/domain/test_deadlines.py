"""Deadlines: each kind of item appears inside its window and disappears outside it, with the
right status, and the list comes most urgent first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dpo_tui.domain import deadlines, registers
from dpo_tui.domain.deadlines import DUE_SOON, OK, OVERDUE, DueItem, date_status, due_items
from dpo_tui.domain.organisation import SCHEMA as ORG_SCHEMA
from dpo_tui.domain.records import Record, Snapshot

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


def org_record(created_at: str = "2026-10-01T09:00:00Z", **values) -> Record:
    return Record("organisation", {**ORG_SCHEMA.defaults(), "name": "Harbour Music Ltd", **values},
                  id="org-1", ref="", created_at=created_at)


def rec(register: str, ref: str, **values) -> Record:
    return Record(register, {**registers.schema(register).defaults(), **values}, id=f"id-{ref}",
                  org_id="org-1", ref=ref)


def snap(*records: Record, org: Record | None = None) -> Snapshot:
    grouped: dict[str, list[Record]] = {}
    for r in records:
        grouped.setdefault(r.register, []).append(r)
    return Snapshot(org=org or org_record(), records=grouped, as_of=NOW)


def items(*records: Record, org: Record | None = None, now: datetime = NOW,
          kind: str | None = None) -> list[DueItem]:
    found = due_items(snap(*records, org=org), now=now)
    return [i for i in found if kind is None or i.kind == kind]


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- breaches


def breach(ref: str = "BR-2026-001", hours_ago: float = 10, **values) -> Record:
    return rec("breach", ref, what_happened="Laptop left on a train", aware_at=iso(NOW - timedelta(hours=hours_ago)),
               **values)


def test_an_open_breach_counts_down_72_hours_from_awareness():
    (item,) = items(breach(hours_ago=10), kind=deadlines.BREACH)
    assert item.status == DUE_SOON
    assert item.due == NOW + timedelta(hours=62)
    assert not item.all_day
    assert "62 h 00 min left" in item.message and item.title == "Laptop left on a train"
    assert item.register == "breach" and item.record_id == "id-BR-2026-001"


def test_a_breach_past_72_hours_is_overdue_and_comes_first():
    found = items(breach(hours_ago=73), rec("action", "AC-001", what="Old", due=day(-40)))
    assert [i.kind for i in found][:2] == [deadlines.BREACH, deadlines.ACTION]
    assert found[0].status == OVERDUE and "Overdue by 1 h 00 min" in found[0].message


@pytest.mark.parametrize("values", [
    {"ico_notified_at": iso(NOW - timedelta(hours=1))},
    {"near_miss": True},
    {"outcome": "log-only"},
    {"outcome": "log-only", "closed_at": iso(NOW - timedelta(hours=1))},
])
def test_no_countdown_once_reported_or_not_reportable(values):
    assert items(breach(**values), kind=deadlines.BREACH) == []


def test_a_running_breach_comes_before_everything_else():
    found = items(rec("action", "AC-001", what="Sooner", due=day(0)),
                  rec("action", "AC-002", what="Long overdue", due=day(-60)), breach(hours_ago=1))
    assert [(i.kind, i.status) for i in found][:3] == [
        (deadlines.BREACH, DUE_SOON), (deadlines.ACTION, OVERDUE), (deadlines.ACTION, DUE_SOON)]


# ---------------------------------------------------------------- processors


@pytest.mark.parametrize(("offset", "status"), [(0, DUE_SOON), (60, DUE_SOON), (61, None), (-1, OVERDUE)])
def test_processor_contract_end_within_sixty_days(offset, status):
    found = items(rec("processor", "PR-001", legal_name="Stripe", contract_end=day(offset),
                      contract_signed="2020-01-01", next_review=day(300)), kind=deadlines.PROCESSOR_CONTRACT)
    assert [i.status for i in found] == ([status] if status else [])
    if status == OVERDUE:
        assert "still active" in found[0].message


def test_an_ended_or_proposed_processor_with_a_past_contract_is_not_chased():
    ended = rec("processor", "PR-001", legal_name="Old", status="ended", contract_end=day(-5),
                contract_signed="2020-01-01")
    proposed = rec("processor", "PR-002", legal_name="New", status="proposed", contract_end=day(-5),
                   contract_signed="2020-01-01", next_review=day(300))
    assert items(ended, proposed, kind=deadlines.PROCESSOR_CONTRACT) == []
    assert items(ended, kind=deadlines.PROCESSOR_REVIEW) == []


def test_processor_review_inside_the_warning_window():
    due_soon = rec("processor", "PR-001", legal_name="Stripe", next_review=day(30))
    later = rec("processor", "PR-002", legal_name="Xero", next_review=day(31))
    overdue = rec("processor", "PR-003", legal_name="Mailchimp", next_review=day(-2))
    found = items(due_soon, later, overdue, kind=deadlines.PROCESSOR_REVIEW)
    assert [(i.ref, i.status) for i in found] == [("PR-003", OVERDUE), ("PR-001", DUE_SOON)]
    assert found[0].message == f"Mailchimp: review overdue since {day(-2)} (2 days ago)"


def test_warning_days_and_review_interval_come_from_the_organisation():
    org = org_record(warning_days=7, processor_review_months=6)
    near = rec("processor", "PR-001", legal_name="Stripe", next_review=day(10))
    assert items(near, org=org, kind=deadlines.PROCESSOR_REVIEW) == []
    # Only a last review: the next is processor_review_months later (6, not the default 12).
    last = rec("processor", "PR-002", legal_name="Xero", last_review=(TODAY - timedelta(days=180)).isoformat())
    (item,) = items(last, org=org, kind=deadlines.PROCESSOR_REVIEW)
    assert item.status in (DUE_SOON, OVERDUE)
    assert items(last, kind=deadlines.PROCESSOR_REVIEW) == []  # default 12 months: not yet


# ---------------------------------------------------------------- retention


def payroll_rule(**values) -> Record:
    # 3 years from the end of the tax year (5 April): records of the year ended 5 April 2024
    # fall due on 6 April 2027.
    return rec("retention", "RR-001", **{
        "category": "Payroll records", "period_number": 3, "period_unit": "years",
        "trigger": "end-of-tax-year", "justification": "HMRC", "next_review": "2027-12-01",
        **values})


def test_a_disposal_due_this_quarter_shows_with_its_cut_off():
    april = datetime(2027, 4, 2, 9, 0, tzinfo=UTC)
    (item,) = items(payroll_rule(), now=april, kind=deadlines.RETENTION_DISPOSAL)
    assert item.status == DUE_SOON and item.due.date() == date(2027, 4, 6)
    assert "year ended 2024-04-05" in item.message
    assert "cut-off 2024-04-06" in item.message and "delete" in item.message


def test_a_disposal_next_quarter_is_not_shown_yet():
    assert items(payroll_rule(), now=datetime(2027, 3, 31, 9, 0, tzinfo=UTC),
                 kind=deadlines.RETENTION_DISPOSAL) == []


def test_a_rolling_rule_has_no_disposal_date():
    rule = rec("retention", "RR-002", category="Enquiries", period_number=1, period_unit="years",
               trigger="last-interaction", justification="business", next_review="2027-12-01")
    assert items(rule, kind=deadlines.RETENTION_DISPOSAL) == []


def test_a_retention_rule_review_overdue():
    (item,) = items(payroll_rule(next_review=None, last_review="2025-10-01"),
                    kind=deadlines.RETENTION_REVIEW)
    assert item.status == OVERDUE and item.ref == "RR-001"


# ---------------------------------------------------------------- activities


def test_activity_review_due_from_next_review_or_last_review_plus_interval():
    explicit = rec("activity", "PA-001", purpose="Bookings", status="active", next_review=day(-1))
    computed = rec("activity", "PA-002", purpose="Payroll", status="active", last_reviewed="2026-06-10")
    retired = rec("activity", "PA-003", purpose="Old", status="retired", next_review=day(-100))
    fresh = rec("activity", "PA-004", purpose="New", status="draft", next_review=day(200))
    org = org_record(activity_review_months=6)
    found = items(explicit, computed, retired, fresh, org=org, kind=deadlines.ACTIVITY_REVIEW)
    assert [(i.ref, i.status) for i in found] == [("PA-001", OVERDUE), ("PA-002", DUE_SOON)]
    assert found[1].due_text() == "2026-12-10" and found[1].message.endswith("(in 18 days)")
    assert items(computed, kind=deadlines.ACTIVITY_REVIEW) == []  # 12 months by default


# ---------------------------------------------------------------- the fee


@pytest.mark.parametrize(("offset", "status"), [(42, DUE_SOON), (43, None), (0, DUE_SOON), (-1, OVERDUE)])
def test_registration_fee_within_six_weeks(offset, status):
    org = org_record(registration_expiry=day(offset), ico_registration_number="ZA123456")
    found = items(org=org, kind=deadlines.REGISTRATION)
    assert [i.status for i in found] == ([status] if status else [])
    if found:
        assert found[0].register == "organisation" and found[0].record_id == "org-1"
        assert found[0].ref == "ZA123456" and "data protection fee" in found[0].message


def test_an_exempt_organisation_has_no_fee_to_renew():
    org = org_record(registration_expiry=day(5), fee_tier="exempt")
    assert items(org=org, kind=deadlines.REGISTRATION) == []


# ---------------------------------------------------------------- actions


def test_open_actions_by_due_date():
    found = items(
        rec("action", "AC-001", what="Overdue", due=day(-3), owner="Ann"),
        rec("action", "AC-002", what="Soon", due=day(10)),
        rec("action", "AC-003", what="Later", due=day(90)),
        rec("action", "AC-004", what="Done", due=day(-3), status="done"),
        rec("action", "AC-005", what="Undated"),
        kind=deadlines.ACTION)
    assert [(i.ref, i.status) for i in found] == [("AC-001", OVERDUE), ("AC-002", DUE_SOON),
                                                 ("AC-003", OK)]
    assert found[0].message == f"Overdue (owner: Ann): overdue since {day(-3)} (3 days ago)"


# ---------------------------------------------------------------- the quarterly review


def review(ref: str, **values) -> Record:
    return rec("review", ref, **{"period": "2026 Q3", **values})


def test_first_review_is_due_one_interval_after_the_records_were_started():
    (item,) = items(kind=deadlines.QUARTERLY_REVIEW)
    assert item.due.date() == date(2027, 1, 1) and item.status == OK
    assert "none signed off yet" in item.message and item.record_id is None
    late = org_record(created_at="2026-07-01T09:00:00Z")
    (item,) = items(org=late, kind=deadlines.QUARTERLY_REVIEW)
    assert item.status == OVERDUE and "overdue since 2026-10-01" in item.message


def test_next_review_from_the_last_sign_off():
    signed = review("RV-001", status="signed-off", reviewer="Ann", signed_off_at="2026-09-01T10:00:00Z",
                    next_due="2026-12-01")
    (item,) = items(signed, kind=deadlines.QUARTERLY_REVIEW)
    assert item.status == DUE_SOON and item.ref == "RV-001" and item.record_id == "id-RV-001"
    assert "last signed off 2026-09-01" in item.message
    # Without next_due stored: sign-off + review_interval_months.
    no_date = review("RV-001", status="signed-off", reviewer="Ann", signed_off_at="2026-06-01T10:00:00Z")
    (item,) = items(no_date, org=org_record(review_interval_months=6), kind=deadlines.QUARTERLY_REVIEW)
    assert item.due.date() == date(2026, 12, 1)


def test_a_review_in_progress_is_named():
    current = review("RV-002", period="2026 Q4", status="in-progress", started_at="2026-11-20T10:00:00Z")
    (item,) = items(current, kind=deadlines.QUARTERLY_REVIEW)
    assert item.ref == "RV-002" and "in progress since 2026-11-20" in item.message


# ---------------------------------------------------------------- time zones, order, JSON


def test_a_date_is_due_by_the_end_of_that_day_in_the_organisations_zone():
    summer = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    (item,) = items(rec("action", "AC-001", what="x", due="2026-07-01"), now=summer, kind=deadlines.ACTION)
    assert item.due == datetime(2026, 7, 1, 22, 59, 59, tzinfo=UTC)
    assert item.as_dict()["due"] == "2026-07-01T23:59:59+01:00"
    assert item.due_text() == "2026-07-01"


def test_today_is_the_organisations_date_not_utcs():
    # 23:30 UTC on 30 June is 00:30 on 1 July in London: a 30 June date is already overdue.
    late_evening = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    (item,) = items(rec("action", "AC-001", what="x", due="2026-06-30"), now=late_evening,
                    kind=deadlines.ACTION)
    assert item.status == OVERDUE
    utc_org = org_record(timezone="UTC")
    (item,) = items(rec("action", "AC-001", what="x", due="2026-06-30"), org=utc_org,
                    now=late_evening, kind=deadlines.ACTION)
    assert item.status == DUE_SOON


def test_breach_due_in_json_carries_the_local_offset():
    (item,) = items(breach(hours_ago=1), kind=deadlines.BREACH)
    data = item.as_dict()
    assert data["due"] == "2026-11-25T11:00:00+00:00"  # GMT in November
    assert set(data) == {"kind", "organisation", "register", "record_id", "ref", "title", "due",
                         "all_day", "status", "message"}
    assert data["organisation"] == "Harbour Music Ltd" and data["status"] == "due soon"


def test_most_urgent_first_overdue_then_due_soon_then_ok():
    found = items(
        rec("action", "AC-003", what="Later", due=day(90)),
        rec("action", "AC-002", what="Soon", due=day(3)),
        rec("action", "AC-001", what="Late", due=day(-1)),
        rec("processor", "PR-001", legal_name="Stripe", next_review=day(-30)),
    )
    statuses = [i.status for i in found]
    assert statuses == sorted(statuses, key=deadlines.STATUS_ORDER.get)
    assert [i.ref for i in found if i.status == OVERDUE] == ["PR-001", "AC-001"]  # by due date


def test_user_text_is_kept_as_text_in_titles():
    (item,) = items(rec("action", "AC-001", what="Fix [/] the <b>form</b>\n now", due=day(1)),
                    kind=deadlines.ACTION)
    assert item.title == "Fix [/] the <b>form</b> now"


def test_items_of_several_organisations_merge_by_urgency():
    a = due_items(snap(rec("action", "AC-001", what="A", due=day(5))), now=NOW)
    b = due_items(snap(rec("action", "AC-001", what="B", due=day(-5)),
                       org=org_record(name="Second Club")), now=NOW)
    merged = deadlines.sort_items(a + b)
    assert merged[0].org_name == "Second Club" and merged[0].status == OVERDUE
    assert deadlines.any_urgent(merged) and not deadlines.any_urgent([i for i in merged if not i.urgent])


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
       st.integers(min_value=-400, max_value=400), st.integers(min_value=0, max_value=120))
def test_date_status_is_overdue_exactly_when_the_day_has_passed(today, offset, window):
    due = today + timedelta(days=offset)
    status = date_status(due, today, window)
    assert (status == OVERDUE) == (offset < 0)
    assert (status == OK) == (offset > window)
