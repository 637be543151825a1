"""The report context is pure: a Snapshot in, plain text out. No database, no Jinja, no PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest

from dpo_tui.domain import registers
from dpo_tui.domain.activities import ICO_COLUMNS
from dpo_tui.domain.organisation import SCHEMA as ORG_SCHEMA
from dpo_tui.domain.records import Finding, Record, Snapshot
from dpo_tui.domain.retention import rule_dates
from dpo_tui.report import context as c

AS_OF = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def record(register: str, ref: str, **values: Any) -> Record:
    full = {**registers.schema(register).defaults(), **values}
    return Record(register, full, id=f"id-{ref}", org_id="org", ref=ref,
                  created_at="2026-01-01T00:00:00Z")


def snapshot(org: dict[str, Any] | None = None, *, skip: tuple[str, ...] = (),
             **by_register: list[Record]) -> Snapshot:
    org_values = {**ORG_SCHEMA.defaults(), "name": "Harbour Music Ltd", "dpo_name": "Dee",
                  **(org or {})}
    records = {name: list(by_register.get(name, [])) for name in registers.available()
               if name not in skip}
    return Snapshot(Record("organisation", org_values, id="org", org_id="org", ref="org",
                           created_at="2026-01-01T00:00:00Z"), records, as_of=AS_OF)


def build(snap: Snapshot, sections: list[str] | None = None, **kwargs: Any) -> c.ReportContext:
    return c.build_context(snap, registers.findings(snap), sections=sections, **kwargs)


def cells(table: c.Table) -> list[list[str]]:
    return [[cell.text for cell in row] for row in table.rows]


def lines_of(block: c.Block) -> dict[str, c.Line]:
    return {line.label: line for group in block.groups for line in group.lines}


COMPLETE = dict(
    business_function="Bookings", purpose="Class bookings",
    individual_categories=["Pupils"], data_categories=["Contact details"],
    other_recipients=["None outside the organisation"], lawful_bases=["b"],
    retention_note="2 years after the last lesson", security_measures="Two-factor sign-in",
    status="active", last_reviewed="2026-06-01",
)


# ---------------------------------------------------------------- formatting


def test_dates_are_written_the_uk_way_and_instants_in_the_organisation_zone():
    assert c.uk_date("2026-11-02") == "02/11/2026"
    assert c.uk_date(date(2027, 1, 31)) == "31/01/2027"
    assert c.uk_date(None) == "" and c.uk_date("") == ""
    assert c.uk_datetime("2026-07-01T09:30:00Z") == "01/07/2026 10:30 BST"
    assert c.uk_datetime("2026-12-01T09:30:00Z") == "01/12/2026 09:30 GMT"
    assert c.uk_datetime("2026-12-01T09:30:00Z", "Europe/Stockholm") == "01/12/2026 10:30 CET"
    assert c.uk_dates_in("overdue since 2026-10-31: renew") == "overdue since 31/10/2026: renew"


def test_headings_are_shortened_at_a_word_boundary():
    text = "The studio laptop was left on a chair in the café on the high street after lunch"
    short = c.first_line(text, 50)
    assert short.endswith("…") and len(short) <= 50
    assert text.startswith(short[:-1]) and not short[:-1].endswith(" ")
    assert c.first_line("Line one\nline two") == "Line one"


def test_field_text_resolves_links_rows_choices_and_dates():
    schema = registers.schema("activity")
    names = {"p1": "PR-001 Stripe"}
    assert c.field_text(schema.field("processors"), ["p1", "gone"], names=names) == \
        "PR-001 Stripe\n(a record no longer available)"
    assert c.field_text(schema.field("lawful_bases"), ["a", "b"]) == "(a) Consent; (b) Contract"
    assert c.field_text(schema.field("transfers"), [
        {"destination": "United States", "recipient": "Mailer", "mechanism": "IDTA"}]) == \
        "United States | Mailer | IDTA"
    assert c.field_text(schema.field("last_reviewed"), "2026-06-01") == "01/06/2026"
    assert c.field_text(schema.field("dpia_required"), False) == "No"
    assert c.field_text(schema.field("purpose"), "") == ""


# ---------------------------------------------------------------- sections


def test_sections_follow_the_report_order_and_unknown_ones_are_refused():
    ctx = build(snapshot(), sections=["retention", "summary", "cover"])
    assert [s.id for s in ctx.sections] == ["cover", "summary", "retention"]
    assert [s.heading for s in ctx.toc] == ["1. Summary", "2. Retention schedule"]
    with pytest.raises(ValueError, match="unknown report sections: nope; valid: cover, summary"):
        build(snapshot(), sections=["summary", "nope"])


def test_every_section_with_no_data_says_so_instead_of_vanishing():
    ctx = build(snapshot({"role": "both"}))
    assert [s.id for s in ctx.toc] == [s for s in c.SECTIONS if s != "cover"]
    for section_id, words in [("activities", "No processing activities are recorded"),
                              ("client_processing", "No processing for clients is recorded"),
                              ("processors", "No processors are recorded"),
                              ("retention", "No retention rules are recorded"),
                              ("breaches", "No breaches or near misses are logged"),
                              ("actions", "No actions are recorded"),
                              ("review", "No quarterly review has been signed off yet")]:
        assert words in ctx.section(section_id).empty, section_id


def test_the_processor_record_appears_only_for_an_organisation_acting_as_processor():
    controller = build(snapshot({"role": "controller"}))
    assert "client_processing" not in [s.id for s in controller.sections]
    client = record("client_processing", "CP-001", client_name="St Aldhelm's", status="active")
    kept = build(snapshot({"role": "controller"}, client_processing=[client]))
    assert kept.section("client_processing").blocks[0].title == "St Aldhelm's"
    processor = build(snapshot({"role": "processor"}, client_processing=[client]))
    section = processor.section("client_processing")
    assert section.empty == "" and cells(section.tables[0])[0][:2] == ["CP-001", "St Aldhelm's"]


def test_a_register_missing_from_this_build_is_marked_not_available():
    ctx = build(snapshot(skip=("activity",)))
    section = ctx.section("activities")
    assert not section.available
    assert section.empty == "The record of processing activities is not available in this version."
    status = {row[0]: row[-1] for row in cells(ctx.section("summary").tables[0])}
    assert status["Processing activities"] == "Not available in this version"


# ---------------------------------------------------------------- cover and organisation


def test_cover_prepared_by_falls_back_from_setting_to_dpo_to_the_person_acting():
    org = {"ico_registration_number": "ZA123456", "registration_expiry": "2026-08-04"}
    ctx = build(snapshot({**org, "prepared_by": "Priya (DPO lead)"}), actor="sam")
    assert ctx.cover.prepared_by == "Priya (DPO lead)" and ctx.author == "Priya (DPO lead)"
    assert build(snapshot(org), actor="sam").cover.prepared_by == "Dee"
    assert build(snapshot({**org, "dpo_name": ""}), actor="sam").cover.prepared_by == "sam"
    cover = build(snapshot(org)).cover
    assert (cover.organisation, cover.report_date) == ("Harbour Music Ltd", "22/11/2026")
    assert cover.registration_number == "ZA123456"
    assert cover.registration_expiry == "04/08/2026 (expired)"
    unregistered = build(snapshot()).cover
    assert {line.label: line.cls for line in unregistered.lines}["ICO registration number"] == \
        "missing"


def test_organisation_section_shows_the_art_30_1_a_block_with_gaps_marked():
    ctx = build(snapshot({"dpo_name": "", "address": ""}))
    block = ctx.section("organisation").blocks[0]
    assert [g.title for g in block.groups] == ["Organisation (controller)",
                                               "Data protection officer", "Representative",
                                               "ICO registration"]
    lines = lines_of(block)
    # The organisation's own findings (no DPO or reason; no address) mark their fields.
    assert lines["DPO name"].text == "Missing" and lines["Address"].text == "Missing"
    assert lines["Representative name"].text == "Not recorded"
    assert block.ref == ""  # the organisation has no register reference


# ---------------------------------------------------------------- record of processing


def test_each_activity_is_laid_out_in_ico_columns_with_gaps_marked_missing():
    complete = record("activity", "PA-001", **COMPLETE)
    gappy = record("activity", "PA-002", purpose="Newsletter", status="active",
                   lawful_bases=["f"])
    ctx = build(snapshot(activity=[complete, gappy]))
    section = ctx.section("activities")
    assert cells(section.tables[0]) == [
        ["PA-001", "Class bookings", "Bookings", "(b) Contract", "Active", "—"],
        ["PA-002", "Newsletter", "", "(f) Legitimate interests", "Active",
         str(len(section.blocks[1].findings))],
    ]
    full, partial = section.blocks
    numbered = {line.number: line for g in full.groups for line in g.lines if line.number}
    assert numbered[2].label == "Purpose of processing" and numbered[2].text == "Class bookings"
    assert numbered[12].text == "(b) Contract"
    # Long ICO labels have a short name for the activity pages (the legend has the full one).
    assert numbered[12].short == "Lawful basis (Art 6)"
    assert all(len(line.short or line.label) <= 60 for line in numbered.values())
    assert all(line.cls != "missing" for line in numbered.values())
    # Columns nothing requires are listed by number instead of a row each.
    assert 3 in full.empty_columns and 2 not in full.empty_columns
    gaps = {line.number: line for g in partial.groups for line in g.lines if line.number}
    for column in (4, 5, 6, 10, 14, 15):  # Art 30(1) columns, and LI needs its interests and LIA
        assert gaps[column].text == "Missing" and gaps[column].cls == "missing", column
    assert 3 in partial.empty_columns and 4 not in partial.empty_columns
    assert any("Legitimate" in f.message or "legitimate" in f.message for f in partial.findings)


def test_ico_legend_lists_all_thirty_template_columns_with_their_status():
    ctx = build(snapshot(activity=[record("activity", "PA-001", **COMPLETE)]))
    legend = ctx.section("activities").tables[1]
    rows = cells(legend)
    assert [row[1] for row in rows] == [label for _, label, _ in ICO_COLUMNS]
    assert rows[1][2] == "Required (Art 30(1))" and rows[0][2] == "ICO good practice"
    assert rows[29][2] == "Required where DPA 2018 Sch 1 is relied on"


def test_secondary_fields_fill_their_ico_column_with_their_own_label():
    processor = record("processor", "PR-001", legal_name="Stripe", status="active")
    activity = record("activity", "PA-001", **{**COMPLETE, "other_recipients": [],
                                               "processors": ["id-PR-001"]})
    ctx = build(snapshot(activity=[activity], processor=[processor]))
    column6 = next(line for g in ctx.section("activities").blocks[0].groups
                   for line in g.lines if line.number == 6)
    assert column6.text == "Processors (recipients): PR-001 Stripe"


def test_a_link_to_an_archived_record_uses_the_name_given():
    activity = record("activity", "PA-001", **{**COMPLETE, "retention_rules": ["old"]})
    ctx = build(snapshot(activity=[activity]), names={"old": "RR-009 Old rule (archived)"})
    column10 = next(line for g in ctx.section("activities").blocks[0].groups
                    for line in g.lines if line.number == 10)
    assert "Retention rules: RR-009 Old rule (archived)" in column10.text


# ---------------------------------------------------------------- registers


def test_retention_schedule_carries_cut_off_and_next_disposal_dates():
    rule = record("retention", "RR-001", category="Accounting records", period_number=6,
                  period_unit="years", trigger="end-of-financial-year", justification="HMRC",
                  justification_type="statute")
    vague = record("retention", "RR-002", category="Photos")
    ctx = build(snapshot({"year_end": "31-03"}, retention=[rule, vague]))
    dates = rule_dates(rule.values, AS_OF.date(), (3, 31))
    rows = cells(ctx.section("retention").tables[0])
    assert rows[0][0] == "RR-001" and rows[0][2] == "6 years from the end of the financial year"
    assert rows[0][3].startswith("Law, regulation or official guidance: HMRC")
    assert rows[0][5] == c.uk_date(dates.cutoff) == "22/11/2020"
    assert rows[0][6] == c.uk_date(dates.next_disposal)
    assert rows[1][2] == "Missing" and rows[1][3] == "Missing" and rows[1][5] == "—"


def test_processor_register_notes_missing_art_28_clauses_and_who_uses_it():
    processor = record("processor", "PR-001", legal_name="Mailer Ltd", status="active",
                       clauses=["instructions"], contract_end="2027-01-31")
    activity = record("activity", "PA-001", **{**COMPLETE, "processors": ["id-PR-001"]})
    ctx = build(snapshot(processor=[processor], activity=[activity]))
    section = ctx.section("processors")
    row = cells(section.tables[0])[0]
    assert row[:4] == ["PR-001", "Mailer Ltd", "Active", "31/01/2027"] and row[-1] == "1"
    notes = {line.label: line for line in section.blocks[0].notes}
    assert "Confidentiality" in notes["Art 28(3) clauses not recorded"].text
    assert "Documented instructions" not in notes["Art 28(3) clauses not recorded"].text
    assert notes["Used by activities"].text == "PA-001 Class bookings"


@dataclass
class Entry:
    at: str
    kind: str
    text: str
    actor: str = "sam"
    uid: str = "u"
    data: dict[str, Any] = field(default_factory=dict)


def test_breach_log_shows_the_clock_assessment_answers_in_order_and_the_timeline():
    told = record("breach", "BR-2026-001", what_happened="Folder lost",
                  aware_at="2026-09-19T16:45:00Z", ico_notified_at="2026-09-21T10:20:00Z",
                  outcome="report-ico", containment="Searched")
    late = record("breach", "BR-2026-002", what_happened="Email to wrong parent",
                  aware_at="2026-11-10T09:00:00Z", outcome="report-ico")
    timeline = {told.id: [
        Entry("2026-09-19T17:30:00Z", "action", "Searched the hall", uid="a"),
        Entry("2026-09-20T09:00:00Z", "assessment", "Assessment: Report to the ICO.\nreasons",
              uid="b", data={"outcome": "report-ico", "answers": {
                  "high_risk": {"answer": "no", "reason": "No health data"},
                  "personal_data": {"answer": "yes", "reason": "Names"},
                  "risk": {"answer": "likely", "reason": "Public place"}}}),
        Entry("2026-09-20T10:00:00Z", "correction", "It was the car park", uid="c",
              data={"corrects": "a"}),
    ]}
    ctx = build(snapshot(breach=[told, late]), timelines=timeline)
    section = ctx.section("breaches")
    rows = cells(section.tables[0])
    assert rows[0][2] == "19/09/2026 17:45 BST"
    assert rows[0][4].startswith("Met: told in 41 h 35 min")
    assert rows[1][4].startswith("Missed: not reported")
    block = section.blocks[0]
    assert block.clock.startswith("72-hour clock: ICO told 41 h 35 min after becoming aware")
    assessment = block.assessments[0]
    assert assessment.outcome == "Report to the ICO" and assessment.at == "20/09/2026 10:00 BST"
    assert [line.text for line in assessment.answers] == [
        "Yes. Names", "Likely. Public place", "No. No health data"]
    assert [(row.kind, row.at) for row in block.timeline] == [
        ("Action", "19/09/2026 18:30 BST"), ("Assessment", "20/09/2026 10:00 BST"),
        ("Correction", "20/09/2026 11:00 BST")]
    assert block.timeline[1].text == "Assessment: Report to the ICO."
    assert block.timeline[2].text.endswith("(Corrects the entry of 19/09/2026 18:30 BST.)")


def test_findings_become_a_numbered_action_list_most_serious_first():
    gappy = record("activity", "PA-001", purpose="Newsletter", status="active")
    snap = snapshot(activity=[gappy])
    found = registers.findings(snap)
    ctx = c.build_context(snap, list(reversed(found)))
    rows = cells(ctx.section("findings").tables[0])
    assert [r[0] for r in rows] == [str(n) for n in range(1, len(found) + 1)]
    order = {"High": 0, "Medium": 1, "Low": 2}
    assert [order[r[1]] for r in rows] == sorted(order[r[1]] for r in rows)
    assert any(r[2] == "Processing activity\nPA-001" for r in rows)
    clean = c.build_context(snapshot(), [])
    assert clean.section("findings").empty == "No findings: every check passed on 22/11/2026."


def test_actions_register_puts_open_ones_first_and_marks_overdue():
    done = record("action", "AC-001", what="Old task", status="done", due="2026-01-01")
    overdue = record("action", "AC-002", what="Sign DPA", status="open", due="2026-10-01")
    later = record("action", "AC-003", what="Train staff", status="open", due="2027-02-01")
    rows = build(snapshot(action=[done, overdue, later])).section("actions").tables[0].rows
    assert [r[0].text for r in rows] == ["AC-002", "AC-003", "AC-001"]
    assert rows[0][3].text == "01/10/2026 overdue" and rows[0][3].cls == "overdue"
    assert rows[2][3].text == "01/01/2026" and rows[2][3].cls == ""


def test_review_section_shows_the_last_sign_off_and_self_check_answers():
    older = record("review", "RV-001", period="2026 Q2", status="signed-off", reviewer="Dee",
                   signed_off_at="2026-06-30T12:00:00Z", next_due="2026-09-30")
    latest = record("review", "RV-002", period="2026 Q3", status="signed-off", reviewer="Sam",
                    signed_off_at="2026-09-30T15:00:00Z", next_due="2026-12-30",
                    items=[{"key": "record:x", "register": "activity", "ref": "PA-001",
                            "title": "Bookings", "decision": "action-raised", "note": "Check",
                            "action_ref": "AC-004", "decided_at": "2026-09-29T10:00:00Z"}],
                    accountability=[{"question_id": "q", "category": "Training and awareness",
                                     "question": "Trained?", "answer": "no", "notes": "Soon"}])
    section = build(snapshot(review=[older, latest])).section("review")
    block = section.blocks[0]
    assert block.ref == "RV-002" and block.status == "Signed off"
    lines = lines_of(block)
    assert lines["Reviewer"].text == "Sam"
    assert lines["Signed off at"].text == "30/09/2026 16:00 BST"
    assert lines["Next review due"].text == "30/12/2026"
    items, check = section.tables_after
    assert cells(items) == [["PA-001", "Processing activities", "Bookings", "Action raised",
                             "Check; Action AC-004"]]
    assert cells(check) == [["Training and awareness", "Trained?", "No", "Soon"]]
    assert check.rows[0][2].cls == "high"


# ---------------------------------------------------------------- summary


def test_summary_counts_status_per_register_and_findings_by_priority():
    gappy = record("activity", "PA-001", purpose="Newsletter", status="active")
    snap = snapshot(activity=[gappy, record("activity", "PA-002", **COMPLETE)])
    found = registers.findings(snap)
    summary = c.build_context(snap, found).section("summary")
    status = {row[0]: row for row in cells(summary.tables[0])}
    assert status["Processing activities"][1] == "2"
    assert status["Processing activities"][5] == "Needs attention"  # no lawful basis: high
    assert status["Processors"][1:] == ["0", "—", "—", "—", "No records"]
    severity = {row[0]: row[1] for row in cells(summary.tables[1])}
    assert int(severity["Total"]) == len(found)
    assert int(severity["High"]) == sum(1 for f in found if f.severity == "high")


def test_summary_lists_breaches_in_the_period_with_their_72_hour_clock():
    old = record("breach", "BR-2025-001", what_happened="Old", aware_at="2025-06-01T09:00:00Z",
                 outcome="log-only", outcome_reasons="x", closed_at="2025-06-02T09:00:00Z",
                 lessons_learned="y")
    running = record("breach", "BR-2026-001", what_happened="Laptop",
                     aware_at="2026-11-21T10:00:00Z")
    late = record("breach", "BR-2026-002", what_happened="Email",
                  aware_at="2026-10-01T09:00:00Z", ico_notified_at="2026-10-05T09:00:00Z",
                  outcome="report-ico", delay_reasons="Weekend")
    table = build(snapshot(breach=[old, running, late])).section("summary").tables[2]
    rows = cells(table)
    assert [r[0].split(" ")[0] for r in rows] == ["BR-2026-001", "BR-2026-002"]
    assert rows[0][3] == "Running: 48 h 00 min left"
    assert rows[1][3] == "Missed: told in 96 h 00 min (late)"
    assert build(snapshot()).section("summary").tables[2].empty.startswith("No breaches")


def test_summary_deadlines_reach_to_the_next_review_and_include_overdue_ones():
    org = {"registration_expiry": "2027-01-15", "review_interval_months": 3}
    processor = record("processor", "PR-001", legal_name="Stripe", status="active",
                       contract_end="2026-12-31", next_review="2027-06-01")
    ended = record("processor", "PR-002", legal_name="Gone", status="ended",
                   contract_end="2026-12-01")
    rule = record("retention", "RR-001", category="Accounts", period_number=6,
                  period_unit="years", trigger="end-of-financial-year")
    activity = record("activity", "PA-001", **{**COMPLETE, "next_review": "2026-10-01"})
    snap = snapshot(org, processor=[processor, ended], retention=[rule], activity=[activity])
    found = c.deadlines(snap)
    whats = [what for _, what, _, _ in found]
    assert "ICO registration (data protection fee) expires" in whats
    assert "Contract ends or renews: Stripe" in whats
    assert not any("Gone" in w for w in whats)  # ended processors raise no deadlines
    assert not any("Review processor" in w for w in whats)  # June 2027 is after the horizon
    assert "Review activity: Class bookings" in whats
    assert [d for d, *_ in found] == sorted(d for d, *_ in found)
    table = build(snap).section("summary").tables[3]
    overdue = [row for row in table.rows if row[0].cls == "overdue"]
    # No review signed off yet: the first fell due one interval after the records were started.
    assert [row[1].text for row in overdue] == ["Quarterly review due",
                                                "Review activity: Class bookings"]
    assert [row[0].text for row in overdue] == ["01/04/2026 overdue", "01/10/2026 overdue"]
    assert table.caption.endswith("(22/02/2027), and overdue ones")


def test_context_needs_the_clock():
    snap = snapshot()
    snap.as_of = None
    with pytest.raises(ValueError, match="as_of"):
        c.build_context(snap, [])


def test_findings_name_the_fields_they_mark():
    # The "Missing" marks come from findings; a finding on a field shows it as missing even
    # where the schema does not require it.
    snap = snapshot(activity=[record("activity", "PA-001", **{**COMPLETE,
                                                               "security_measures": ""})])
    found = [f for f in registers.findings(snap) if f.field == "security_measures"]
    assert found
    with_finding = c.build_context(snap, found).section("activities").blocks[0]
    without = c.build_context(snap, [Finding("low", "x", "x")]).section("activities").blocks[0]
    col11 = [line for g in with_finding.groups for line in g.lines if line.number == 11]
    assert col11 and col11[0].text == "Missing"
    assert 11 not in with_finding.empty_columns
    # Column 11 is Art 30(1)(g) "if possible" but still an M column of the template.
    assert [line.text for g in without.groups for line in g.lines if line.number == 11] == \
        ["Missing"]
