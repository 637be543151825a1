"""Retention schedule: cut-off and disposal dates across month ends, leap years and year ends,
presets, validation, and every finding appearing and going."""

from __future__ import annotations

import calendar
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import example, given
from hypothesis import strategies as st

from dpo_tui.domain import retention as r
from dpo_tui.domain.records import MEDIUM, Record, Snapshot
from dpo_tui.domain.schema import validate
from dpo_tui.paths import data_dir

TODAY = date(2026, 11, 22)
MARCH_31 = (3, 31)
TAX_YEAR = (4, 5)


def last_day(d: date) -> int:
    return calendar.monthrange(d.year, d.month)[1]


# ---------------------------------------------------------------- worked examples


@pytest.mark.parametrize(("as_of", "number", "unit", "cutoff"), [
    (date(2026, 11, 22), 2, "years", date(2024, 11, 22)),  # the issue's own example
    (date(2026, 11, 22), 6, "years", date(2020, 11, 22)),
    (date(2026, 11, 22), 14, "months", date(2025, 9, 22)),
    (date(2026, 11, 22), 30, "days", date(2026, 10, 23)),
    (date(2024, 2, 29), 1, "years", date(2023, 2, 28)),  # no 29 Feb in 2023: last day
    (date(2028, 2, 29), 4, "years", date(2024, 2, 29)),  # leap year to leap year
    (date(2025, 3, 31), 1, "months", date(2025, 2, 28)),  # month end clamped
    (date(2024, 3, 31), 1, "months", date(2024, 2, 29)),  # ... to the leap day
    (date(2026, 5, 31), 1, "months", date(2026, 4, 30)),
    (date(2024, 3, 1), 1, "days", date(2024, 2, 29)),
    (date(2025, 3, 1), 1, "days", date(2025, 2, 28)),
    (date(2026, 1, 15), 3, "months", date(2025, 10, 15)),  # across a year boundary
])
def test_cutoff_worked_examples(as_of, number, unit, cutoff):
    assert r.cutoff_date(as_of, number, unit) == cutoff


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError):
        r.cutoff_date(TODAY, 1, "weeks")


@pytest.mark.parametrize(("d", "month", "day", "expected"), [
    (date(2026, 11, 22), 3, 31, date(2026, 3, 31)),
    (date(2026, 3, 31), 3, 31, date(2026, 3, 31)),  # on the day itself
    (date(2026, 3, 30), 3, 31, date(2025, 3, 31)),
    (date(2026, 4, 5), 4, 5, date(2026, 4, 5)),  # UK tax year end
    (date(2026, 4, 4), 4, 5, date(2025, 4, 5)),
    (date(2026, 1, 1), 12, 31, date(2025, 12, 31)),
    (date(2025, 6, 1), 2, 29, date(2025, 2, 28)),  # 29 Feb year end in a common year
    (date(2024, 6, 1), 2, 29, date(2024, 2, 29)),
    (date(2024, 2, 28), 2, 29, date(2023, 2, 28)),
    (date(2026, 5, 1), 4, 31, date(2026, 4, 30)),  # a day the month does not have
])
def test_year_end_on_or_before(d, month, day, expected):
    assert r.year_end_on_or_before(d, month, day) == expected


def test_tax_year_end_is_5_april_from_the_data_file():
    assert r.tax_year_end() == (4, 5)


@pytest.mark.parametrize(("as_of", "number", "unit", "trigger", "fy_end", "due", "year_end"), [
    # 6 years from a 31 March year end: FY 2020/21's records are due from 1 April 2027
    (date(2026, 11, 22), 6, "years", "end-of-financial-year", MARCH_31,
     date(2027, 4, 1), date(2021, 3, 31)),
    (date(2027, 4, 1), 6, "years", "end-of-financial-year", MARCH_31,
     date(2027, 4, 1), date(2021, 3, 31)),  # on the day itself
    (date(2027, 4, 2), 6, "years", "end-of-financial-year", MARCH_31,
     date(2028, 4, 1), date(2022, 3, 31)),
    # payroll: 3 years from the end of the tax year (5 April), whatever the company's year end
    (date(2026, 11, 22), 3, "years", "end-of-tax-year", MARCH_31,
     date(2027, 4, 6), date(2024, 4, 5)),
    (date(2027, 4, 7), 3, "years", "end-of-tax-year", (12, 31),
     date(2028, 4, 6), date(2025, 4, 5)),
    # a 31 December year end
    (date(2026, 11, 22), 6, "years", "end-of-financial-year", (12, 31),
     date(2027, 1, 1), date(2020, 12, 31)),
    # 28 Feb year end into a leap year: on 29 Feb 2020 the cut-off is still 28 Feb 2019
    (date(2020, 2, 1), 1, "years", "end-of-financial-year", (2, 28),
     date(2020, 3, 1), date(2019, 2, 28)),
    # 29 Feb year end: falls on 28 Feb in common years
    (date(2025, 1, 1), 1, "years", "end-of-financial-year", (2, 29),
     date(2025, 3, 1), date(2024, 2, 29)),
    (date(2025, 3, 2), 1, "years", "end-of-financial-year", (2, 29),
     date(2026, 3, 1), date(2025, 2, 28)),
    # a period in months from a month-end year end
    (date(2026, 11, 22), 18, "months", "end-of-financial-year", MARCH_31,
     date(2026, 10, 1) + relativedelta(years=1), date(2026, 3, 31)),
])
def test_next_disposal_worked_examples(as_of, number, unit, trigger, fy_end, due, year_end):
    found = r.next_disposal(as_of, number, unit, trigger, fy_end)
    assert found == r.Disposal(due, year_end)
    assert r.next_disposal_date(as_of, number, unit, trigger, fy_end) == due


@pytest.mark.parametrize("trigger", ["creation", "last-interaction", "end-of-contract",
                                     "end-of-employment", "event", None])
def test_other_triggers_have_no_disposal_date(trigger):
    assert r.next_disposal(TODAY, 6, "years", trigger, MARCH_31) is None


def test_no_period_no_dates():
    assert r.next_disposal(TODAY, None, None, "end-of-financial-year", MARCH_31) is None
    assert r.rule_dates({"criteria": "until the pupil leaves"}, TODAY, MARCH_31) == \
        r.RuleDates(None, None)


def test_rule_dates_for_a_rule():
    dates = r.rule_dates({"period_number": 3, "period_unit": "years",
                          "trigger": "end-of-tax-year"}, TODAY, MARCH_31)
    assert dates.cutoff == date(2023, 11, 22)
    assert dates.next_disposal == date(2027, 4, 6)
    assert dates.disposal.year_end == date(2024, 4, 5)


def test_first_due_date_after_month_end_clamping():
    # 31 Jan + 1 month = 29 Feb 2020; the cut-off first passes 31 Jan on 1 March
    assert r.first_due_date(date(2020, 1, 31), 1, "months") == date(2020, 3, 1)
    assert r.cutoff_date(date(2020, 2, 29), 1, "months") == date(2020, 1, 29)
    assert r.first_due_date(date(2026, 11, 22), 2, "years") == date(2028, 11, 23)


@pytest.mark.parametrize(("d", "end"), [
    (date(2026, 11, 22), date(2026, 12, 31)), (date(2026, 1, 1), date(2026, 3, 31)),
    (date(2026, 4, 1), date(2026, 6, 30)), (date(2026, 9, 30), date(2026, 9, 30)),
])
def test_quarter_end(d, end):
    assert r.quarter_end(d) == end


def test_describe_period():
    assert r.describe_period({"period_number": 6, "period_unit": "years",
                              "trigger": "end-of-financial-year"}) \
        == "6 years from the end of the financial year"
    assert r.describe_period({"period_number": 1, "period_unit": "months"}) == "1 month"
    assert r.describe_period({"criteria": "Until the pupil leaves"}) == "Until the pupil leaves"


# ---------------------------------------------------------------- properties

as_of_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
units = st.sampled_from(["days", "months", "years"])
numbers = st.integers(min_value=1, max_value=120)
year_ends = st.tuples(st.integers(1, 12), st.integers(1, 31))


@given(as_of_dates, numbers, units)
def test_cutoff_plus_period_is_as_of_unless_clamped_at_a_month_end(as_of, number, unit):
    cutoff = r.cutoff_date(as_of, number, unit)
    back = cutoff + r.period_delta(number, unit)
    if back != as_of:
        # only a day the target month lacks (31st, 30th, 29 Feb) is clamped, to its last day
        assert unit != "days"
        assert cutoff.day == last_day(cutoff) and as_of.day > cutoff.day
        assert back < as_of


@given(as_of_dates, numbers, units, st.integers(0, 4000))
def test_nothing_is_due_before_its_full_period(as_of, number, unit, days_back):
    trigger = as_of - timedelta(days=days_back)
    if trigger < r.cutoff_date(as_of, number, unit):
        assert trigger + r.period_delta(number, unit) <= as_of


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2080, 1, 1)), numbers, units)
@example(date(2019, 2, 28), 1, "years")  # the cut-off on 29 Feb 2020 is still 28 Feb 2019
@example(date(2020, 1, 31), 1, "months")
def test_a_record_falls_due_at_most_four_days_after_its_period(trigger, number, unit):
    due = r.first_due_date(trigger, number, unit)
    assert r.cutoff_date(due, number, unit) > trigger
    assert r.cutoff_date(due - timedelta(days=1), number, unit) <= trigger
    assert 1 <= (due - (trigger + r.period_delta(number, unit))).days <= 4


@given(as_of_dates, st.integers(1, 10), st.sampled_from(["months", "years"]), year_ends,
       st.sampled_from(["end-of-financial-year", "end-of-tax-year"]))
def test_next_disposal_is_a_year_end_plus_period_on_or_after_as_of(as_of, number, unit, fy_end,
                                                                   trigger):
    found = r.next_disposal(as_of, number, unit, trigger, fy_end)
    month, day = fy_end if trigger == "end-of-financial-year" else TAX_YEAR
    assert found is not None and found.date >= as_of
    # the year end is a real year end for this organisation (clamped to short months)
    assert found.year_end == r.clamp_to_month(found.year_end.year, month, day)
    # on that date, and not the day before, that year's records pass the cut-off
    assert r.cutoff_date(found.date, number, unit) > found.year_end
    assert r.cutoff_date(found.date - timedelta(days=1), number, unit) <= found.year_end
    assert found.date >= found.year_end + r.period_delta(number, unit)
    # it is the next one: the year before fell due before as_of
    previous = r.clamp_to_month(found.year_end.year - 1, month, day)
    assert r.first_due_date(previous, number, unit) < as_of


@given(as_of_dates, st.integers(0, 800), st.integers(1, 10), units, year_ends)
def test_dates_are_monotonic_in_as_of(as_of, later_by, number, unit, fy_end):
    later = as_of + timedelta(days=later_by)
    assert r.cutoff_date(as_of, number, unit) <= r.cutoff_date(later, number, unit)
    first = r.next_disposal_date(as_of, number, unit, "end-of-financial-year", fy_end)
    second = r.next_disposal_date(later, number, unit, "end-of-financial-year", fy_end)
    assert first <= second


@given(as_of_dates, st.integers(1, 10), year_ends)
def test_the_disposal_date_stays_until_it_has_passed(as_of, number, fy_end):
    due = r.next_disposal_date(as_of, number, "years", "end-of-financial-year", fy_end)
    assert r.next_disposal_date(due, number, "years", "end-of-financial-year", fy_end) == due
    after = r.next_disposal_date(due + timedelta(days=1), number, "years",
                                 "end-of-financial-year", fy_end)
    assert after > due and 360 <= (after - due).days <= 370


@given(as_of_dates, year_ends)
def test_year_end_on_or_before_is_the_latest_one(d, fy_end):
    end = r.year_end_on_or_before(d, *fy_end)
    assert end <= d
    assert r.clamp_to_month(end.year + 1, *fy_end) > d


# ---------------------------------------------------------------- validation and presets


def rule(**changes: Any) -> dict[str, Any]:
    values = {**r.SCHEMA.defaults(), "category": "Payroll records", "period_number": 3,
              "period_unit": "years", "trigger": "end-of-tax-year", "justification_type": "statute",
              "justification": "PAYE Regulations 2003 reg 97", "last_review": "2026-03-15"}
    values.update(changes)
    result = validate(r.SCHEMA, values)
    assert result.ok, result.errors
    return result.values


def test_schema_basics():
    assert r.SCHEMA.name == "retention" and r.SCHEMA.ref_prefix == "RR"
    assert r.SCHEMA.title_field == "category"
    assert "category" in validate(r.SCHEMA, {"category": ""}).errors
    assert not r.SCHEMA.link_fields  # the link lives on the activity


def test_period_number_and_unit_go_together():
    base = {**r.SCHEMA.defaults(), "category": "X"}
    assert "period_unit" in validate(r.SCHEMA, {**base, "period_number": 6}).errors
    assert "period_number" in validate(r.SCHEMA, {**base, "period_unit": "years"}).errors
    assert "period_number" in validate(r.SCHEMA, {**base, "period_number": 0,
                                                  "period_unit": "years"}).errors
    assert validate(r.SCHEMA, {**base, "period_number": "6", "period_unit": "Years"}).ok


def test_a_rule_with_neither_period_nor_criteria_is_warned_about():
    base = {**r.SCHEMA.defaults(), "category": "X"}
    result = validate(r.SCHEMA, base)
    assert result.ok and "period_number" in result.warnings
    assert not validate(r.SCHEMA, {**base, "criteria": "Until the pupil leaves"}).warnings


def test_presets_are_complete_and_valid():
    presets = r.presets()
    keys = [item["key"] for item in presets]
    assert len(keys) == len(set(keys)) >= 10
    for item in presets:
        assert item["source"].startswith("https://"), item["key"]
        assert item["citation"] and item["summary"], item["key"]
        values = r.apply_preset({"category": ""}, item["key"])
        result = validate(r.SCHEMA, values)
        assert result.ok and not result.warnings, (item["key"], result.errors)
        assert item["citation"] in result.values["justification"]
        assert result.values["preset"] == item["key"]


def test_presets_hold_the_common_uk_periods():
    assert (r.preset("paye-payroll")["period_number"], r.preset("paye-payroll")["trigger"]) \
        == (3, "end-of-tax-year")
    company = r.preset("company-accounting-records")
    assert (company["period_number"], company["period_unit"], company["trigger"]) \
        == (6, "years", "end-of-financial-year")
    assert r.preset("right-to-work")["trigger"] == "end-of-employment"
    assert r.preset("contract-claims")["citation"] == "Limitation Act 1980 s.5"


def test_apply_preset_keeps_a_typed_category_and_unknown_presets_are_refused():
    values = r.apply_preset({"category": "Teacher pay", "owner": "Director"}, "paye-payroll")
    assert values["category"] == "Teacher pay" and values["owner"] == "Director"
    assert values["period_number"] == 3 and values["trigger"] == "end-of-tax-year"
    with pytest.raises(KeyError, match="paye-payroll"):
        r.apply_preset({}, "no-such-preset")


# ---------------------------------------------------------------- findings


def snapshot(rules: list[dict[str, Any]], *, today: date = TODAY,
             org: dict[str, Any] | None = None,
             activities: list[Record] | None = None) -> Snapshot:
    records = [Record("retention", values, id=f"r{i}", ref=f"RR-{i:03d}")
               for i, values in enumerate(rules, start=1)]
    return Snapshot(org=Record("organisation", org or {"year_end": "31-03"}, id="o1"),
                    records={"retention": records, "activity": activities or []},
                    as_of=datetime(today.year, today.month, today.day, 12, tzinfo=UTC))


def codes(rules: list[dict[str, Any]], **kwargs: Any) -> list[str]:
    return sorted(f.code for f in r.findings(snapshot(rules, **kwargs)))


def test_a_complete_rule_has_no_findings():
    assert codes([rule()]) == []


def test_rule_without_justification():
    found = r.findings(snapshot([rule(justification="")]))
    assert [(f.code, f.severity, f.field) for f in found] == [
        ("retention-no-justification", MEDIUM, "justification")]
    assert found[0].register == "retention" and found[0].ref == "RR-001"
    assert codes([rule(justification="   ")]) == ["retention-no-justification"]
    assert codes([rule(justification="Business reason: follow-up of trials")]) == []


def test_review_overdue_from_the_next_review_or_12_months_after_the_last():
    assert codes([rule(next_review="2026-11-21")]) == ["retention-review-overdue"]
    assert codes([rule(next_review="2026-11-22")]) == []
    assert codes([rule(last_review="2025-11-21", next_review=None)]) == ["retention-review-overdue"]
    assert codes([rule(last_review="2025-11-22", next_review=None)]) == []
    assert codes([rule(last_review=None, next_review=None)]) == []


def test_disposal_due_this_quarter_for_a_financial_year_end():
    # Year end 30 November, 6 years: FY to 30 Nov 2020 falls due on 1 Dec 2026, this quarter.
    values = rule(category="Accounting records", period_number=6,
                  trigger="end-of-financial-year")
    found = r.findings(snapshot([values], org={"year_end": "30-11"}))
    assert [f.code for f in found] == ["retention-disposal-due"]
    assert "2020-11-30" in found[0].message and "2026-12-01" in found[0].message
    assert "delete or destroy" in found[0].message
    # with a 31 March year end the next disposal is 1 April 2027: next year, no finding
    assert codes([values], org={"year_end": "31-03"}) == []


def test_disposal_due_this_quarter_for_the_tax_year():
    payroll = rule(next_review="2028-01-01")  # 3 years from the end of the tax year: 6 April
    assert codes([payroll], today=date(2027, 3, 31)) == []  # Q1 ends 31 March
    assert codes([payroll], today=date(2027, 4, 2)) == ["retention-disposal-due"]
    assert codes([payroll], today=date(2027, 4, 6)) == ["retention-disposal-due"]  # on the day
    assert codes([payroll], today=date(2027, 4, 7)) == []  # next is April 2028


def test_other_triggers_never_raise_a_disposal_finding():
    values = rule(trigger="last-interaction", end_action="review", period_number=1,
                  period_unit="days")
    assert codes([values]) == []


def activity(ref: str = "PA-001", **values: Any) -> Record:
    return Record("activity", {"purpose": "Class bookings", "status": "active", **values},
                  id=ref.lower(), ref=ref)


def test_activities_without_rule():
    rules = [rule()]
    linked = activity("PA-001", retention_rules=["r1"])
    noted = activity("PA-002", retention_note="Kept for 2 years after the last booking")
    missing = activity("PA-003")
    dangling = activity("PA-004", retention_rules=["archived-rule"])
    retired = activity("PA-005", status="retired")
    draft = activity("PA-006", status="draft", retention_rules=[], retention_note="  ")
    snap = snapshot(rules, activities=[linked, noted, missing, dangling, retired, draft])
    assert [a.ref for a in r.activities_without_rule(snap)] == ["PA-003", "PA-004", "PA-006"]
    # once PA-003 links a live rule it is no longer listed
    missing.values["retention_rules"] = ["r1"]
    assert [a.ref for a in r.activities_without_rule(snap)] == ["PA-004", "PA-006"]


def test_activities_without_the_activity_fields_are_tolerated():
    snap = snapshot([rule()], activities=[Record("activity", {}, id="a", ref="PA-009")])
    assert [a.ref for a in r.activities_without_rule(snap)] == ["PA-009"]


# ---------------------------------------------------------------- demo data


def test_demo_retention_schedule_is_valid_and_shows_only_the_deliberate_gaps():
    items = json.loads((data_dir() / "demo" / "retention.json").read_text(encoding="utf-8"))
    assert [i["ref"] for i in items] == [f"RR-{n:03d}" for n in range(1, 11)]
    rules = []
    for item in items:
        result = validate(r.SCHEMA, {k: v for k, v in item.items() if k != "ref"})
        assert result.ok and not result.warnings, (item["ref"], result.errors, result.warnings)
        rules.append(result.values)
    snap = snapshot(rules)
    found = sorted((f.ref, f.code) for f in r.findings(snap))
    assert found == [("RR-004", "retention-review-overdue"),
                     ("RR-010", "retention-no-justification")]
    by_category = {v["category"]: v for v in rules}
    assert r.rule_dates(by_category["Accounting and tax records"], TODAY, MARCH_31).next_disposal \
        == date(2027, 4, 1)
    assert r.rule_dates(by_category["Payroll records"], TODAY, MARCH_31).next_disposal \
        == date(2027, 4, 6)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
       st.integers(min_value=-400, max_value=400), st.sampled_from(["days", "months", "years"]))
def test_shift_is_the_relativedelta_rule(day, number, unit):
    assert r.shift(day, number, unit) == day + r.period_delta(number, unit)
