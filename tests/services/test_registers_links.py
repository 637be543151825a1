"""Processors and retention rules linked from activities: both sides, archive and restore, dates."""

from __future__ import annotations

import argparse
import json

import pytest

from dpo_tui.cli import Context
from dpo_tui.clock import Clock
from dpo_tui.commands import registers as registers_command
from dpo_tui.services import organisations, records
from dpo_tui.services import registers_links as links
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError

ALL_CLAUSES = ["instructions", "confidentiality", "security", "subprocessors", "rights",
               "compliance-assistance", "end-of-contract", "audits"]


def add_processor(ws, org, name="Stripe Payments UK Ltd"):
    return records.save(ws, org.id, "processor", {
        "legal_name": name, "service": "Card payments", "contract_reference": "DPA",
        "contract_signed": "2025-01-01", "clauses": ALL_CLAUSES, "locations": ["United Kingdom"],
        "last_review": "2026-06-01"}).record


def add_rule(ws, org, category="Payroll records"):
    return records.save(ws, org.id, "retention", {
        "category": category, "period_number": 3, "period_unit": "years",
        "trigger": "end-of-tax-year", "justification_type": "statute",
        "justification": "PAYE Regulations 2003 reg 97", "last_review": "2026-03-15"}).record


def add_activity(ws, org, purpose="Class bookings", **values):
    return records.save(ws, org.id, "activity", {
        "purpose": purpose, "status": "active", **values}).record


def refs(items):
    return [r.ref for r in items]


def activity_codes(ws, org, activity_id):
    return sorted(f.code for f in records.findings(ws, org.id) if f.record_id == activity_id)


def test_a_processor_linked_from_an_activity_shows_that_activity(ws, org):
    processor = add_processor(ws, org)
    booking = add_activity(ws, org, processors=[processor.id])
    add_activity(ws, org, "Newsletter")
    assert refs(links.activities_for(ws, processor.id)) == [booking.ref]


def test_linking_activities_from_the_processor_side(ws, org):
    processor = add_processor(ws, org)
    first = add_activity(ws, org, "Class bookings")
    second = add_activity(ws, org, "Newsletter")

    links.link_activities(ws, processor.id, "processors", [first.id, second.id])
    assert refs(links.activities_for(ws, processor.id)) == ["PA-001", "PA-002"]
    assert records.get(ws, first.id).values["processors"] == [processor.id]
    note = repo.history(ws.db, first.id)[-1].note
    assert note == f"linked from {processor.ref}"

    links.link_activities(ws, processor.id, "processors", [second.id])
    assert refs(links.activities_for(ws, processor.id)) == ["PA-002"]
    assert records.get(ws, first.id).values["processors"] == []


def test_linking_keeps_the_activitys_other_links(ws, org):
    stripe = add_processor(ws, org)
    google = add_processor(ws, org, "Google Cloud EMEA Limited")
    booking = add_activity(ws, org, processors=[google.id])
    links.link_activities(ws, stripe.id, "processors", [booking.id])
    assert records.get(ws, booking.id).values["processors"] == [google.id, stripe.id]


def test_link_field_for_each_register():
    assert links.link_field_for("processor") == "processors"
    assert links.link_field_for("retention") == "retention_rules"
    with pytest.raises(StorageError):
        links.link_field_for("breach_nothing")


def test_linking_refuses_the_wrong_field_archived_activities_and_other_organisations(ws, org):
    processor = add_processor(ws, org)
    rule = add_rule(ws, org)
    booking = add_activity(ws, org)
    with pytest.raises(StorageError):
        links.link_activities(ws, processor.id, "retention_rules", [booking.id])
    with pytest.raises(StorageError):
        links.link_activities(ws, rule.id, "processors", [booking.id])

    records.archive(ws, booking.id, "stopped")
    with pytest.raises(StorageError, match="archived"):
        links.link_activities(ws, processor.id, "processors", [booking.id])

    other = organisations.create(ws, {"name": "Other Club", "dpo_name": "X"}).record
    theirs = add_activity(ws, other)
    with pytest.raises(StorageError, match="not an activity of this organisation"):
        links.link_activities(ws, processor.id, "processors", [theirs.id])
    assert links.activities_for(ws, processor.id) == []


def test_archiving_the_activity_hides_the_link_and_restoring_brings_it_back(ws, org):
    processor = add_processor(ws, org)
    booking = add_activity(ws, org, processors=[processor.id])

    records.archive(ws, booking.id, "no longer offered")
    assert links.activities_for(ws, processor.id) == []
    # the link row stays, so nothing is lost
    assert [(f, r.id) for f, r in repo.linked_from(ws.db, processor.id, include_archived=True)] \
        == [("processors", booking.id)]
    records.findings(ws, org.id)  # findings still run

    # relinking from the processor side leaves the archived activity's link alone
    links.link_activities(ws, processor.id, "processors", [])
    assert records.get(ws, booking.id).values["processors"] == [processor.id]

    records.restore(ws, booking.id)
    assert refs(links.activities_for(ws, processor.id)) == [booking.ref]


def test_archiving_the_processor_leaves_no_dangling_link_in_the_activitys_findings(ws, org):
    processor = add_processor(ws, org)
    booking = add_activity(ws, org, processors=[processor.id])
    assert "activity-required-empty" not in [
        f.code for f in records.findings(ws, org.id)
        if f.record_id == booking.id and f.field == "other_recipients"]

    records.archive(ws, processor.id, "switched provider")
    # the archived processor no longer counts as a recipient of the activity
    recipients = [f for f in records.findings(ws, org.id)
                  if f.record_id == booking.id and f.field == "other_recipients"]
    assert len(recipients) == 1
    assert records.get(ws, booking.id).values["processors"] == [processor.id]
    assert records.ref_names(ws, [processor.id])[processor.id].endswith("(archived)")

    records.restore(ws, processor.id)
    assert not [f for f in records.findings(ws, org.id)
                if f.record_id == booking.id and f.field == "other_recipients"]
    assert refs(links.activities_for(ws, processor.id)) == [booking.ref]


def test_activity_without_a_rule_appears_and_goes_once_only(ws, org):
    rule = add_rule(ws, org)
    booking = add_activity(ws, org)
    assert activity_codes(ws, org, booking.id).count("activity-no-retention") == 1

    links.link_activities(ws, rule.id, "retention_rules", [booking.id])
    assert "activity-no-retention" not in activity_codes(ws, org, booking.id)
    assert refs(links.activities_for(ws, rule.id)) == [booking.ref]

    # archiving the rule: the activity has no live rule again
    records.archive(ws, rule.id, "merged into another rule")
    assert activity_codes(ws, org, booking.id).count("activity-no-retention") == 1
    records.restore(ws, rule.id)
    assert "activity-no-retention" not in activity_codes(ws, org, booking.id)

    # a retention note is enough on its own
    links.link_activities(ws, rule.id, "retention_rules", [])
    records.save(ws, org.id, "activity", {"retention_note": "2 years after the last booking"},
                 record_id=booking.id)
    assert "activity-no-retention" not in activity_codes(ws, org, booking.id)


def test_processor_next_review_is_filled_on_save(ws, org):
    processor = add_processor(ws, org)
    assert processor.values["next_review"] == "2027-06-01"


def test_apply_preset_service(ws, org):
    draft = links.apply_preset({"category": ""}, "paye-payroll")
    saved = records.save(ws, org.id, "retention", draft).record
    assert saved.values["period_number"] == 3 and saved.values["preset"] == "paye-payroll"
    with pytest.raises(StorageError, match="No retention preset"):
        links.apply_preset({}, "made-up")


def test_retention_dates_as_of_the_clock_with_the_organisations_year_end(ws, org):
    payroll = add_rule(ws, org)
    accounts = records.save(ws, org.id, "retention", {
        "category": "Accounting records", "period_number": 6, "period_unit": "years",
        "trigger": "end-of-financial-year", "justification": "FA 1998 Sch 18 para 21"}).record
    enquiries = records.save(ws, org.id, "retention", {
        "category": "Enquiries", "period_number": 12, "period_unit": "months",
        "trigger": "last-interaction", "justification": "Follow-up"}).record
    criteria = records.save(ws, org.id, "retention", {
        "category": "Health notes", "criteria": "While the pupil attends",
        "justification": "Safety"}).record
    archived = add_rule(ws, org, "Old rule")
    records.archive(ws, archived.id, "replaced")

    dates = {d.record.id: d for d in links.retention_dates(ws, org.id)}
    assert set(dates) == {payroll.id, accounts.id, enquiries.id, criteria.id}
    assert dates[payroll.id].as_dict() == {
        "ref": payroll.ref, "category": "Payroll records",
        "period": "3 years from the end of the tax year (5 April)", "trigger": "end-of-tax-year",
        "end_action": "delete", "as_of": "2026-11-22", "cutoff": "2023-11-22",
        "next_disposal": "2027-04-06", "disposal_year_end": "2024-04-05"}
    assert dates[accounts.id].next_disposal.isoformat() == "2027-04-01"  # default 31 March
    assert dates[enquiries.id].cutoff.isoformat() == "2025-11-22"
    assert dates[enquiries.id].next_disposal is None
    assert dates[criteria.id].cutoff is None and dates[criteria.id].period == "While the pupil attends"

    organisations.update(ws, org.id, {"year_end": "31-12"})
    dates = {d.record.id: d for d in links.retention_dates(ws, org.id)}
    assert dates[accounts.id].next_disposal.isoformat() == "2027-01-01"
    assert dates[accounts.id].disposal_year_end.isoformat() == "2020-12-31"


# ---------------------------------------------------------------- the `retention dates` command


def run_command(ws, argv, capsys, as_of="2026-11-22T10:00:00Z"):
    parser = argparse.ArgumentParser()
    registers_command.add_parsers(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    ctx = Context(db_path=ws.path, clock=Clock.from_text(as_of), actor="tester")
    code = args.run(args, ctx)
    return code, capsys.readouterr().out


def test_retention_dates_command_table_and_json(ws, org, capsys):
    add_rule(ws, org)
    code, out = run_command(ws, ["retention", "dates"], capsys)
    assert code == 0
    assert "as of 2026-11-22" in out
    line = next(row for row in out.splitlines() if row.startswith("RR-001"))
    assert "before 2023-11-22" in line and "2027-04-06 (year ended 2024-04-05)" in line

    code, out = run_command(ws, ["retention", "dates", "--json", "--org", "Test Studio"], capsys,
                            as_of="2027-04-07")
    rows = json.loads(out)
    assert rows[0]["next_disposal"] == "2028-04-06" and rows[0]["cutoff"] == "2024-04-07"


def test_retention_dates_command_with_no_rules_and_an_unknown_org(ws, org, capsys):
    code, out = run_command(ws, ["retention", "dates"], capsys)
    assert code == 0 and "No retention rules yet." in out
    with pytest.raises(StorageError):
        run_command(ws, ["retention", "dates", "--org", "Nobody"], capsys)


def test_retention_dates_through_the_cli_with_the_global_as_of(ws, org, capsys):
    from dpo_tui import cli

    add_rule(ws, org)
    code = cli.main(["--db", str(ws.path), "--as-of", "2027-04-06", "retention", "dates",
                     "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert code == 0
    assert rows[0]["as_of"] == "2027-04-06" and rows[0]["next_disposal"] == "2027-04-06"


def test_the_snapshot_reads_what_each_register_lists(ws, org):
    """The snapshot's two-query read (repository.live_records) gives the same records, links in
    both directions and derived fields as reading register by register; archived ones are out."""
    from dpo_tui.domain import registers
    from dpo_tui.services import demo

    demo_org = demo.load_demo(ws)
    processor = add_processor(ws, org)
    rule = add_rule(ws, org)
    kept = add_activity(ws, org, processors=[processor.id], retention_rules=[rule.id])
    gone = add_activity(ws, org, "Old mailing list", processors=[processor.id])
    records.archive(ws, gone.id, "no longer done")
    for org_id in (org.id, demo_org.id):
        snap = records.snapshot(ws, org_id)
        one_by_one = {name: repo.list_records(ws.db, org_id, registers.schema(name))
                      for name in registers.available()}
        assert snap.records == one_by_one
    assert refs(records.snapshot(ws, org.id).of("activity")) == [kept.ref]
    # The demo's breaches name activities: the reverse side (ICO column 25) was read too.
    assert any(a.values["breach_records"] for a in records.snapshot(ws, demo_org.id).of("activity"))
