"""The breach log's domain rules: the 72-hour clock, validation, findings, immutability."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dpo_tui.clock import Clock, iso_utc
from dpo_tui.domain import breaches as b
from dpo_tui.domain import schema as s
from dpo_tui.domain.records import HIGH, LOW, MEDIUM, Record, Snapshot

LONDON = "Europe/London"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def values(**overrides) -> dict:
    base = b.SCHEMA.defaults()
    base.update({"what_happened": "Pupil list emailed to the wrong parent",
                 "aware_at": "2026-11-20T09:00:00Z"})
    base.update(overrides)
    return base


def record(ref: str = "BR-2026-001", **overrides) -> Record:
    return Record("breach", values(**overrides), id=f"id-{ref}", org_id="org", ref=ref)


def snapshot(*breaches: Record, now: datetime, timezone: str = LONDON) -> Snapshot:
    org = Record("organisation", {"name": "Studio", "timezone": timezone}, id="org", org_id="org")
    return Snapshot(org=org, records={"breach": list(breaches)}, as_of=now)


def codes(snap: Snapshot) -> list[str]:
    return [f.code for f in b.findings(snap)]


# ---------------------------------------------------------------- the deadline


class TestDeadline:
    def test_seventy_two_elapsed_hours(self):
        assert b.deadline("2026-11-20T09:00:00Z") == utc(2026, 11, 23, 9, 0)
        assert b.deadline(utc(2026, 11, 20, 9, 0)) == utc(2026, 11, 23, 9, 0)

    def test_across_bst_start_the_wall_clock_moves_an_hour(self):
        # Clocks go forward at 01:00 UTC on 29 March 2026: 12:00 GMT + 72 h = 13:00 BST.
        aware = b.deadline("2026-03-27T12:00:00Z")
        assert aware == utc(2026, 3, 30, 12, 0)
        assert b.format_in_zone(aware, LONDON) == "30/03/2026 13:00 BST"

    def test_across_bst_end_the_wall_clock_moves_back_an_hour(self):
        # Clocks go back at 01:00 UTC on 25 October 2026: 12:00 BST + 72 h = 11:00 GMT.
        aware_text = s.parse_datetime("2026-10-23 12:00", LONDON)
        assert aware_text == "2026-10-23T11:00:00Z"
        due = b.deadline(aware_text)
        assert due == utc(2026, 10, 26, 11, 0)
        assert b.format_in_zone(due, LONDON) == "26/10/2026 11:00 GMT"

    def test_aware_in_the_repeated_hour_of_bst_end(self):
        # 01:30 on 25 Oct 2026 happens twice in London; the first (BST) is taken: 00:30 UTC.
        aware = s.parse_datetime("2026-10-25 01:30", LONDON)
        assert aware == "2026-10-25T00:30:00Z"
        assert b.format_in_zone(b.deadline(aware), LONDON) == "28/10/2026 00:30 GMT"

    def test_aware_just_before_bst_starts(self):
        # 00:59 GMT on 29 March: 72 h later is 01:59 BST on 1 April.
        assert b.format_in_zone(b.deadline("2026-03-29T00:59:00Z"), LONDON) == "01/04/2026 01:59 BST"

    @pytest.mark.parametrize(("aware", "due"), [
        ("2026-11-29T15:00:00Z", utc(2026, 12, 2, 15, 0)),  # month end
        ("2026-01-30T08:00:00Z", utc(2026, 2, 2, 8, 0)),  # into February
        ("2026-04-30T23:59:00Z", utc(2026, 5, 3, 23, 59)),  # 30-day month
        ("2026-12-30T20:00:00Z", utc(2027, 1, 2, 20, 0)),  # year end
        ("2026-12-31T23:59:59Z", utc(2027, 1, 3, 23, 59, 59)),  # last second of the year
        ("2028-02-27T09:00:00Z", utc(2028, 3, 1, 9, 0)),  # through leap day 2028-02-29
        ("2028-02-29T23:30:00Z", utc(2028, 3, 3, 23, 30)),  # aware on leap day
        ("2027-02-27T09:00:00Z", utc(2027, 3, 2, 9, 0)),  # no leap day in 2027
    ])
    def test_month_year_and_leap_day_boundaries(self, aware, due):
        assert b.deadline(aware) == due

    def test_hours_come_from_the_data_file(self, monkeypatch):
        real = b.constants()
        monkeypatch.setattr(b, "constants", lambda: {**real, "breach_notification_hours": 48})
        assert b.deadline("2026-11-20T09:00:00Z") == utc(2026, 11, 22, 9, 0)
        assert b.notification_hours() == 48

    def test_constants_file_holds_the_legal_numbers(self):
        assert b.constants()["breach_notification_hours"] == 72
        assert b.constants()["breach_warning_hours"] == 24

    def test_needs_an_aware_time(self):
        with pytest.raises(ValueError):
            b.deadline(None)  # type: ignore[arg-type]

    @given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
    def test_always_exactly_72_elapsed_hours_and_71_to_73_on_the_london_wall_clock(self, moment):
        aware = moment.replace(tzinfo=UTC, microsecond=0)
        due = b.deadline(iso_utc(aware))
        assert due - aware == timedelta(hours=72)
        from zoneinfo import ZoneInfo

        london = ZoneInfo(LONDON)
        wall = due.astimezone(london).replace(tzinfo=None) - aware.astimezone(london).replace(tzinfo=None)
        assert wall in (timedelta(hours=71), timedelta(hours=72), timedelta(hours=73))


class TestFormatting:
    def test_format_in_zone(self):
        assert b.format_in_zone("2026-07-01T08:00:00Z", LONDON) == "01/07/2026 09:00 BST"
        assert b.format_in_zone("2026-07-01T08:00:00Z", "America/New_York") == "01/07/2026 04:00 EDT"
        assert b.format_in_zone(None, LONDON) == ""

    def test_format_hours(self):
        assert b.format_hours(46.25) == "46 h 15 min"
        assert b.format_hours(0.5) == "0 h 30 min"
        assert b.format_hours(-5.5) == "5 h 30 min"
        assert b.format_hours(72) == "72 h 00 min"
        assert b.format_hours(24 * 10 + 3) == "10 days 3 h"


# ---------------------------------------------------------------- the clock


class TestClockState:
    aware = utc(2026, 11, 20, 9, 0)

    def state(self, after: timedelta, **overrides) -> b.ClockState:
        now = Clock(self.aware + after).now()  # the injected clock, as services pass it
        return b.clock_state(values(aware_at=iso_utc(self.aware), **overrides), now)

    def test_not_started_without_aware_time(self):
        assert b.clock_state(values(aware_at=None), self.aware).status == b.NOT_STARTED

    def test_running_then_under_24h_then_overdue(self):
        start = self.state(timedelta(0))
        assert (start.status, start.hours_left, start.deadline) == (b.RUNNING, 72, utc(2026, 11, 23, 9, 0))
        assert self.state(timedelta(hours=48)).status == b.RUNNING  # exactly 24 h left
        just_under = self.state(timedelta(hours=48, seconds=1))
        assert just_under.status == b.UNDER_WARNING and just_under.warning
        assert self.state(timedelta(hours=72)).status == b.UNDER_WARNING  # the last moment
        overdue = self.state(timedelta(hours=75))
        assert overdue.status == b.OVERDUE and overdue.warning
        assert overdue.hours_left == pytest.approx(-3)
        assert "Overdue by 3 h 00 min" in overdue.describe(LONDON)

    def test_reportable_outcome_keeps_the_clock_running(self):
        assert self.state(timedelta(hours=10), outcome=b.REPORT_ICO).status == b.RUNNING
        assert self.state(timedelta(hours=80), outcome=b.REPORT_AND_TELL).status == b.OVERDUE

    def test_notified_in_time_up_to_exactly_72_hours(self):
        notified = iso_utc(self.aware + timedelta(hours=72))
        state = self.state(timedelta(hours=100), outcome=b.REPORT_ICO, ico_notified_at=notified)
        assert state.status == b.NOTIFIED_IN_TIME and state.hours_taken == 72 and not state.warning
        assert "within 72 hours" in state.describe(LONDON)

    def test_notified_late(self):
        notified = iso_utc(self.aware + timedelta(hours=72, minutes=1))
        state = self.state(timedelta(hours=100), outcome=b.REPORT_ICO, ico_notified_at=notified)
        assert state.status == b.NOTIFIED_LATE and state.warning
        assert "0 h 01 min past 72 hours" in state.describe(LONDON)

    def test_not_required_for_log_only_and_near_miss(self):
        log_only = self.state(timedelta(hours=80), outcome=b.LOG_ONLY)
        assert (log_only.status, log_only.reason) == (b.NOT_REQUIRED, "log only")
        near = self.state(timedelta(hours=80), near_miss=True)
        assert (near.status, near.reason) == (b.NOT_REQUIRED, "near miss")
        assert not near.warning

    def test_describe_shows_the_deadline_in_the_organisations_zone(self):
        text = self.state(timedelta(hours=1, minutes=30)).describe(LONDON)
        assert text.startswith("70 h 30 min left to report to the ICO")
        assert "23/11/2026 09:00 GMT" in text
        assert self.state(timedelta(hours=1)).short() == "71 h 00 min left"

    def test_needs_countdown(self):
        assert b.needs_countdown(values())  # undecided
        assert b.needs_countdown(values(outcome=b.REPORT_ICO))
        assert b.needs_countdown(values(outcome=b.REPORT_AND_TELL))
        assert not b.needs_countdown(values(outcome=b.LOG_ONLY))
        assert not b.needs_countdown(values(outcome=b.REPORT_ICO, ico_notified_at="2026-11-21T09:00:00Z"))
        assert not b.needs_countdown(values(near_miss=True))
        assert not b.needs_countdown(values(aware_at=None))

    def test_status_open_until_closed(self):
        assert b.status(values()) == b.OPEN
        assert b.status(values(closed_at="2026-11-21T09:00:00Z")) == b.CLOSED


# ---------------------------------------------------------------- numbering, immutability, links


class TestRefsAndRecords:
    def test_ref_year_is_the_year_of_becoming_aware_in_the_org_zone(self):
        now = utc(2027, 3, 1)
        assert b.ref_year({"aware_at": "2026-12-31T23:30:00Z"}, now) == 2026
        assert b.ref_year({"aware_at": "2026-12-31T23:30:00Z"}, now, "Europe/Paris") == 2027
        assert b.ref_year({"aware_at": None}, now) == 2027
        # BST: 23:30 UTC on 30 June is already 1 July in London, same year either way.
        assert b.ref_year({"aware_at": "2026-06-30T23:30:00Z"}, now) == 2026

    def test_schema_numbers_breaches_br(self):
        assert b.SCHEMA.ref_prefix == "BR" and b.SCHEMA.name == "breach"
        assert [f.name for f in b.SCHEMA.table_fields] == ["what_happened", "aware_at", "outcome"]

    @pytest.mark.parametrize(("name", "kind"), [
        ("what_happened", s.LONGTEXT), ("aware_at", s.DATETIME), ("occurred_at", s.DATETIME),
        ("occurred_unknown", s.BOOL), ("breach_type", s.MULTICHOICE), ("data_categories", s.TAGS),
        ("people_affected", s.INT), ("processor_involved", s.LINK), ("others_told", s.ROWS),
        ("activities", s.LINK), ("art34_exemption", s.CHOICE), ("outcome", s.CHOICE),
        ("near_miss", s.BOOL), ("closed_at", s.DATETIME), ("delay_reasons", s.LONGTEXT),
    ])
    def test_field_kinds(self, name, kind):
        assert b.SCHEMA.field(name).kind == kind

    def test_link_targets(self):
        assert b.SCHEMA.field("activities").target == "activity"
        assert b.SCHEMA.field("processor_involved").target == "processor"
        assert b.SCHEMA.field("others_told").columns == ("who", "when", "reference")

    def test_archive_refused_for_breaches_only(self):
        message = b.archive_refusal(record())
        assert message and "BR-2026-001" in message and "Close it instead" in message
        assert b.archive_refusal(Record("action", {}, ref="AC-001")) is None

    def test_activities_with_breaches(self):
        first = record("BR-2026-001", activities=["pa1", "pa2"])
        second = record("BR-2026-002", activities=["pa1"])
        third = record("BR-2026-003")
        snap = snapshot(second, third, first, now=utc(2026, 11, 22))
        assert b.activities_with_breaches(snap) == {"pa1": ["BR-2026-001", "BR-2026-002"],
                                                    "pa2": ["BR-2026-001"]}
        assert b.activities_with_breaches(snapshot(now=utc(2026, 11, 22))) == {}

    def test_activities_with_breaches_counts_links_made_from_the_activity_side(self):
        breach = record("BR-2026-004", activities=["pa1"])
        snap = snapshot(breach, now=utc(2026, 11, 22))
        snap.records["activity"] = [
            Record("activity", {"breach_records": [breach.id]}, id="pa1", ref="PA-001"),
            Record("activity", {"breach_records": [breach.id]}, id="pa3", ref="PA-003"),
            Record("activity", {"breach_records": ["archived-or-unknown"]}, id="pa4", ref="PA-004"),
        ]
        assert b.activities_with_breaches(snap) == {"pa1": ["BR-2026-004"], "pa3": ["BR-2026-004"]}


# ---------------------------------------------------------------- validation


def check(ctx_today: date | None = date(2026, 11, 25), **overrides) -> s.Validation:
    return s.validate(b.SCHEMA, values(**overrides), s.ValidationContext(LONDON, ctx_today))


class TestValidation:
    def test_three_fields_are_enough(self):
        result = s.validate(b.SCHEMA, {"what_happened": "Lost register", "aware_at": "2026-11-22 09:30"},
                            s.ValidationContext(LONDON, date(2026, 11, 22)))
        assert result.ok, result.errors
        assert result.values["outcome"] is None or result.values["outcome"] == b.UNDECIDED

    def test_required(self):
        result = s.validate(b.SCHEMA, {}, s.ValidationContext(LONDON))
        assert set(result.errors) == {"what_happened", "aware_at"}

    def test_delay_reasons_required_past_72_hours(self):
        late = check(outcome=b.REPORT_ICO, ico_notified_at="2026-11-23T09:01:00Z")
        assert set(late.errors) == {"delay_reasons"}
        assert "72 h 01 min" in late.errors["delay_reasons"]
        assert check(outcome=b.REPORT_ICO, ico_notified_at="2026-11-23T09:01:00Z",
                     delay_reasons="Waited for the processor's report").ok
        assert check(outcome=b.REPORT_ICO, ico_notified_at="2026-11-23T09:00:00Z").ok

    def test_times_must_make_sense(self):
        assert "occurred_at" in check(occurred_at="2026-11-19T09:00:00Z", occurred_unknown=True).errors
        assert "occurred_at" in check(occurred_at="2026-11-21T09:00:00Z").errors
        assert check(occurred_at="2026-11-19T09:00:00Z").ok
        assert "ico_notified_at" in check(ico_notified_at="2026-11-19T09:00:00Z").errors
        assert "closed_at" in check(outcome=b.LOG_ONLY, closed_at="2026-11-19T09:00:00Z").errors
        assert "aware_at" in check(date(2026, 11, 19)).errors  # in the future as of today

    def test_closing_needs_the_decision_carried_out(self):
        closed = "2026-11-24T09:00:00Z"
        assert "outcome" in check(closed_at=closed).errors
        assert "ico_notified_at" in check(outcome=b.REPORT_ICO, closed_at=closed).errors
        notified = "2026-11-21T09:00:00Z"
        assert check(outcome=b.REPORT_ICO, closed_at=closed, ico_notified_at=notified).ok
        tell = {"outcome": b.REPORT_AND_TELL, "closed_at": closed, "ico_notified_at": notified}
        assert "individuals_told_at" in check(**tell).errors
        assert check(**tell, individuals_told_at="2026-11-21T10:00:00Z").ok
        assert check(**tell, art34_exemption="unintelligible").ok
        assert check(outcome=b.LOG_ONLY, closed_at=closed).ok

    def test_report_and_tell_without_telling_is_a_warning_while_open(self):
        result = check(outcome=b.REPORT_AND_TELL)
        assert result.ok and "individuals_told_at" in result.warnings
        assert "individuals_told_at" not in check(outcome=b.REPORT_AND_TELL,
                                                  art34_exemption="disproportionate").warnings

    def test_hostile_text_is_kept_as_text_and_control_characters_refused(self):
        assert check(what_happened="[bold]x[/] <script>").values["what_happened"] == "[bold]x[/] <script>"
        assert "what_happened" in check(what_happened="bad \x1b[31m escape").errors

    def test_outcome_and_exemption_accept_labels(self):
        result = check(outcome="Log only", art34_exemption="unintelligible")
        assert result.values["outcome"] == b.LOG_ONLY


# ---------------------------------------------------------------- findings


NOW = utc(2026, 11, 21, 9, 0)  # 24 h after the default aware time: 48 h left


class TestFindings:
    def test_undecided(self):
        assert "breach-undecided" in codes(snapshot(record(), now=NOW))
        found = [f for f in b.findings(snapshot(record(), now=NOW)) if f.code == "breach-undecided"][0]
        assert (found.severity, found.field, found.ref) == (HIGH, "outcome", "BR-2026-001")
        assert "48 h 00 min left" in found.message
        assert "breach-undecided" not in codes(snapshot(record(outcome=b.LOG_ONLY), now=NOW))
        assert "breach-undecided" not in codes(snapshot(record(near_miss=True), now=NOW))

    def test_reportable_with_time_left(self):
        found = b.findings(snapshot(record(outcome=b.REPORT_ICO, containment="x"), now=NOW))
        assert [(f.code, f.severity) for f in found] == [("breach-report-due", HIGH)]
        assert "48 h 00 min left" in found[0].message
        assert "23/11/2026 09:00 GMT" in found[0].message
        notified = record(outcome=b.REPORT_ICO, containment="x", ico_notified_at="2026-11-21T08:00:00Z")
        assert codes(snapshot(notified, now=NOW)) == []

    def test_overdue(self):
        later = NOW + timedelta(days=3)
        assert "breach-overdue" in codes(snapshot(record(outcome=b.REPORT_ICO), now=later))
        assert "breach-report-due" not in codes(snapshot(record(outcome=b.REPORT_ICO), now=later))
        assert "breach-overdue" in codes(snapshot(record(), now=later))  # undecided too
        assert "breach-overdue" not in codes(snapshot(record(outcome=b.LOG_ONLY), now=later))
        assert "breach-overdue" not in codes(snapshot(record(outcome=b.REPORT_ICO), now=NOW))
        told = record(outcome=b.REPORT_ICO, ico_notified_at="2026-11-23T10:00:00Z", delay_reasons="x")
        assert "breach-overdue" not in codes(snapshot(told, now=later))

    def test_notified_late_without_reasons(self):
        late = record(outcome=b.REPORT_ICO, containment="x", ico_notified_at="2026-11-24T09:00:00Z")
        found = b.findings(snapshot(late, now=NOW + timedelta(days=5)))
        assert [(f.code, f.severity, f.field) for f in found] == [
            ("breach-late-no-reasons", HIGH, "delay_reasons")]
        late.values["delay_reasons"] = "The processor told us late"
        assert codes(snapshot(late, now=NOW + timedelta(days=5))) == []

    def test_report_and_tell_without_telling(self):
        tell = record(outcome=b.REPORT_AND_TELL, containment="x", ico_notified_at="2026-11-20T12:00:00Z")
        found = b.findings(snapshot(tell, now=NOW))
        assert [(f.code, f.severity) for f in found] == [("breach-individuals-not-told", MEDIUM)]
        tell.values["individuals_told_at"] = "2026-11-20T13:00:00Z"
        assert codes(snapshot(tell, now=NOW)) == []
        tell.values.update(individuals_told_at=None, art34_exemption="risk-removed")
        assert codes(snapshot(tell, now=NOW)) == []

    def test_open_without_containment(self):
        open_breach = record(outcome=b.LOG_ONLY)
        found = b.findings(snapshot(open_breach, now=NOW))
        assert [(f.code, f.severity, f.field) for f in found] == [
            ("breach-no-containment", MEDIUM, "containment")]
        open_breach.values["containment"] = "Asked the parent to delete it"
        assert codes(snapshot(open_breach, now=NOW)) == []

    def test_closed_without_lessons(self):
        closed = record(outcome=b.LOG_ONLY, closed_at="2026-11-21T08:00:00Z")
        found = b.findings(snapshot(closed, now=NOW))
        assert [(f.code, f.severity) for f in found] == [("breach-no-lessons", LOW)]
        closed.values["lessons_learned"] = "Check recipients"
        assert codes(snapshot(closed, now=NOW)) == []

    def test_messages_use_the_organisations_zone(self):
        found = b.findings(snapshot(record(outcome=b.REPORT_ICO), now=NOW, timezone="Europe/Paris"))
        assert any("23/11/2026 10:00 CET" in f.message for f in found)
