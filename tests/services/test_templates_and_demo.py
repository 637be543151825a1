"""Starter templates and the demo organisation, through the services layer and the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dpo_tui import cli
from dpo_tui.domain import activities as act
from dpo_tui.domain import registers
from dpo_tui.domain.records import Record
from dpo_tui.domain.schema import validate
from dpo_tui.paths import data_dir
from dpo_tui.services import demo, organisations, records, templates
from dpo_tui.services.workspace import Workspace
from dpo_tui.storage import repository as repo

TEMPLATE_NAMES = ["childrens_classes", "online_subscription_classes", "tutoring_marketplace",
                  "it_services_events"]
# Findings a freshly added template may rightly raise: things only the business can supply.
EXPECTED_TEMPLATE_GAPS = {"activity-consent-no-record", "activity-li-no-lia",
                          "activity-dpia-incomplete", "activity-required-empty"}


def activity_codes(ws: Workspace, org_id: str) -> list[tuple[str, str, str]]:
    return [(f.ref, f.code, f.field or "") for f in records.findings(ws, org_id)
            if f.register == "activity"]


# ---------------------------------------------------------------- templates


def test_the_four_templates_are_listed():
    infos = {i.name: i for i in templates.list_templates()}
    assert set(TEMPLATE_NAMES) <= set(infos)
    for name in TEMPLATE_NAMES:
        assert infos[name].activity_count >= 8 and infos[name].label and infos[name].description


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_activities_are_valid_and_their_proposals_exist(name: str):
    doc = templates.load_template(name)
    processors = {p["name"] for p in doc["processors"]}
    rules = {r["category"] for r in doc["retention"]}
    keys = [a["key"] for a in doc["activities"]]
    assert len(keys) == len(set(keys))
    for proposal in doc["activities"]:
        values = {k: v for k, v in proposal.items() if k not in ("key", "processors", "retention_rules")}
        result = validate(act.SCHEMA, {**act.SCHEMA.defaults(), **values})
        assert result.ok, (proposal["key"], result.errors)
        assert set(proposal.get("processors", [])) <= processors
        assert set(proposal.get("retention_rules", [])) <= rules
        assert proposal.get("retention_rules"), f"{proposal['key']} proposes no retention"


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_adding_a_template_makes_linked_drafts(ws: Workspace, org: Record, name: str):
    summary = templates.add_from_template(ws, org.id, name)
    doc = templates.load_template(name)
    assert len(summary.activities) == len(doc["activities"])
    assert not summary.warnings and not summary.skipped
    assert {r.values["status"] for r in summary.activities} == {"draft"}
    saved = records.list_records(ws, org.id, "activity")
    assert len(saved) == len(doc["activities"])
    by_purpose = {r.values["purpose"]: r for r in saved}
    for proposal in doc["activities"]:
        rec = by_purpose[proposal["purpose"]]
        assert len(rec.values["processors"]) == len(proposal.get("processors", []))
        assert len(rec.values["retention_rules"]) == len(proposal.get("retention_rules", []))
        assert rec.values["rights"] == act.rights_for_bases(proposal["lawful_bases"])
    assert len(summary.processors) == len(doc["processors"])
    assert len(summary.retention) == len(doc["retention"])
    assert {r.values["status"] for r in summary.processors} <= {"draft", "proposed"}
    # A template is consistent: only gaps that the business itself must fill are raised.
    codes = {code for _, code, _ in activity_codes(ws, org.id)}
    assert codes <= EXPECTED_TEMPLATE_GAPS, codes
    assert not [c for c in activity_codes(ws, org.id)
                if c[1] == "activity-required-empty"
                and c[2] not in ("sch1_lawful_bases", "retention_policy_link", "retained_per_policy")]


def test_adding_twice_skips_what_is_recorded_and_reuses_proposals(ws: Workspace, org: Record):
    first = templates.add_from_template(ws, org.id, "childrens_classes")
    second = templates.add_from_template(ws, org.id, "childrens_classes")
    assert second.activities == [] and second.processors == [] and second.retention == []
    assert len(second.skipped) == len(first.activities)
    assert "Payment provider" in second.reused
    assert records.count(ws, org.id, "activity") == len(first.activities)
    assert records.count(ws, org.id, "processor") == len(first.processors)
    assert any("Already recorded" in line for line in second.lines())


def test_a_second_template_links_the_processors_already_proposed(ws: Workspace, org: Record):
    templates.add_from_template(ws, org.id, "childrens_classes")
    summary = templates.add_from_template(ws, org.id, "online_subscription_classes")
    assert "Cloud office suite" in summary.reused
    names = [r.values["legal_name"] for r in records.list_records(ws, org.id, "processor")]
    assert len(names) == len({n.casefold() for n in names})


def test_only_some_activities(ws: Workspace, org: Record):
    summary = templates.add_from_template(ws, org.id, "childrens_classes",
                                          only=["marketing", "Payments, invoicing and refunds"])
    assert sorted(r.values["purpose"] for r in summary.activities) == [
        "Marketing emails and newsletters", "Payments, invoicing and refunds"]
    assert {r.values["legal_name"] for r in summary.processors} == {
        "Email marketing platform", "Payment provider", "Accounting software"}
    assert {r.values["category"] for r in summary.retention} == {
        "Marketing consent and subscriber list", "Accounting and tax records"}


@pytest.mark.parametrize(("name", "only"), [
    ("no_such_template", None),
    ("../demo/activities", None),
    ("childrens_classes", ["no-such-activity"]),
])
def test_unknown_template_or_activity(ws: Workspace, org: Record, name: str, only):
    with pytest.raises(templates.TemplateError) as raised:
        templates.add_from_template(ws, org.id, name, only=only)
    assert "childrens_classes" in str(raised.value) or "marketing" in str(raised.value)
    assert records.count(ws, org.id, "activity") == 0


def test_without_processor_and_retention_registers_nothing_is_lost(ws: Workspace, org: Record,
                                                                   monkeypatch: pytest.MonkeyPatch):
    everything = registers.available()
    monkeypatch.setattr(registers, "available",
                        lambda: [n for n in everything if n not in ("processor", "retention")])
    summary = templates.add_from_template(ws, org.id, "childrens_classes", only=["payments"])
    [rec] = summary.activities
    assert rec.values["processors"] == [] and rec.values["retention_rules"] == []
    assert "Payment provider (processor)" in rec.values["other_recipients"]
    assert rec.values["retention_note"].startswith("Accounting and tax records: 6 years from end of")
    assert "HMRC" in rec.values["retention_note"]
    assert not any(f.code == "activity-no-retention" for f in records.findings(ws, org.id))


def test_a_proposal_that_fails_validation_is_skipped_with_a_warning(
        ws: Workspace, org: Record, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "templates"
    folder.mkdir()
    doc = {"name": "odd", "label": "Odd", "description": "",
           "activities": [{"key": "x", "purpose": "Odd activity", "lawful_bases": ["b"],
                           "retention_rules": ["Odd records"]}],
           "processors": [],
           "retention": [{"category": "Odd records", "period_number": 2,
                          "period_unit": "fortnights", "trigger": "creation"}]}
    (folder / "odd.json").write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(templates, "templates_dir", lambda: folder)
    summary = templates.add_from_template(ws, org.id, "odd")
    assert len(summary.warnings) == 1 and "Odd records" in summary.warnings[0]
    assert summary.activities[0].values["retention_note"].startswith("Odd records: 2 fortnights")
    assert records.count(ws, org.id, "retention") == 0


# ---------------------------------------------------------------- demo


@pytest.fixture
def demo_org(ws: Workspace) -> Record:
    return demo.load_demo(ws)


def by_ref(ws: Workspace, org_id: str, register: str) -> dict[str, Record]:
    return {r.ref: r for r in records.list_records(ws, org_id, register)}


def test_demo_organisation(ws: Workspace, demo_org: Record):
    v = demo_org.values
    assert v["name"] == demo.demo_name()
    assert v["role"] == "both"
    assert v["ico_registration_number"] == "ZA123456"
    assert v["registration_expiry"] == "2027-08-04" and v["fee_tier"] == "tier1"
    assert v["dpo_name"]
    assert organisations.current(ws).id == demo_org.id


def test_demo_activities_have_the_fixed_refs_and_resolved_links(ws: Workspace, demo_org: Record):
    activities = by_ref(ws, demo_org.id, "activity")
    assert sorted(activities) == [f"PA-{n:03d}" for n in range(1, 11)]
    assert activities["PA-007"].values["purpose"] == "Teacher background (DBS) checks"
    names = records.ref_names(ws, activities["PA-001"].values["processors"])
    assert [n.split()[0] for n in names.values()] == ["PR-006", "PR-003"]
    rules = records.ref_names(ws, activities["PA-002"].values["retention_rules"])
    assert [n.split()[0] for n in rules.values()] == ["RR-002"]
    for rec in activities.values():
        assert rec.values["status"] == "active"
        assert rec.values["processors"] or rec.values["other_recipients"]
        assert rec.values["retention_rules"], rec.ref
        assert rec.values["rights"]
    client = by_ref(ws, demo_org.id, "client_processing")["CP-001"]
    assert [n.split()[0] for n in records.ref_names(ws, client.values["sub_processors"]).values()] \
        == ["PR-003"]


def test_demo_refs_in_link_fields_all_exist_in_the_demo_files():
    folder = data_dir() / "demo"
    known = set()
    for name in demo.FILES.values():
        path = folder / f"{name}.json"
        if path.exists():
            items = json.loads(path.read_text(encoding="utf-8"))
            known |= {i["ref"] for i in (items if isinstance(items, list) else items["breaches"])}
    prefix_file = {"PR": "processors", "RR": "retention", "PA": "activities", "BR": "breaches"}
    for register, name in (("activity", "activities"), ("client_processing", "client_processing")):
        for item in json.loads((folder / f"{name}.json").read_text(encoding="utf-8")):
            for f in registers.schema(register).link_fields:
                for ref in item.get(f.name, []):
                    if (folder / f"{prefix_file[ref.split('-')[0]]}.json").exists():
                        assert ref in known, (item["ref"], f.name, ref)


def test_the_demo_has_only_its_two_deliberate_activity_gaps(ws: Workspace, demo_org: Record):
    assert sorted(activity_codes(ws, demo_org.id)) == [
        ("PA-004", "activity-dpia-incomplete", "dpia_progress"),
        ("PA-009", "activity-review-overdue", "next_review"),
    ]
    assert [f for f in records.findings(ws, demo_org.id) if f.register == "client_processing"] == []


def test_demo_breaches_mark_the_activities_they_involved(ws: Workspace, demo_org: Record):
    breaches = records.list_records(ws, demo_org.id, "breach")
    assert breaches, "the breach log's demo data should load"
    activities = {r.id: r for r in records.list_records(ws, demo_org.id, "activity")}
    involved = {a for b in breaches for a in b.values.get("activities", [])}
    for activity_id, rec in activities.items():
        if activity_id in involved:
            assert rec.values["breach_occurred"] is True
            assert set(rec.values["breach_records"]) == {
                b.id for b in breaches if activity_id in b.values.get("activities", [])}
        else:
            assert rec.values["breach_occurred"] is False and rec.values["breach_records"] == []


def test_refreshing_the_demo_archives_and_recreates(ws: Workspace, demo_org: Record):
    before = {r: records.count(ws, demo_org.id, r) for r in registers.available()}
    fresh = demo.load_demo(ws)
    assert fresh.id != demo_org.id and fresh.values["name"] == demo_org.values["name"]
    old = organisations.get(ws, demo_org.id)
    assert old.archived and old.archive_reason == demo.REFRESH_REASON
    assert [o.id for o in organisations.all(ws)] == [fresh.id]
    archived = records.list_records(ws, demo_org.id, "activity", archived=True)
    assert len(archived) == before["activity"]
    assert {r.archive_reason for r in archived} == {demo.REFRESH_REASON}
    assert records.count(ws, demo_org.id, "activity") == 0
    # breaches are never archived: they stay, unchanged, with the archived organisation
    assert records.count(ws, demo_org.id, "breach") == before.get("breach", 0)
    assert {r: records.count(ws, fresh.id, r) for r in registers.available()} == before
    total = ws.db.execute("SELECT count(*) FROM records").fetchone()[0]
    assert total == 2 * sum(before.values())


def test_demo_files_not_written_yet_are_skipped(ws: Workspace, tmp_path: Path):
    folder = tmp_path / "demo"
    folder.mkdir()
    for name in ("organisation", "activities", "client_processing"):
        shutil.copy(data_dir() / "demo" / f"{name}.json", folder / f"{name}.json")
    org = demo.load_demo(ws, folder)
    assert records.count(ws, org.id, "activity") == 10
    assert records.count(ws, org.id, "processor") == 0
    pa1 = by_ref(ws, org.id, "activity")["PA-001"]
    assert pa1.values["processors"] == [] and pa1.values["retention_rules"] == []
    codes = {code for _, code, _ in activity_codes(ws, org.id)}
    assert "activity-no-retention" in codes  # the rules it links to are not there yet


def test_a_failing_demo_leaves_nothing_behind(ws: Workspace, tmp_path: Path):
    folder = tmp_path / "demo"
    folder.mkdir()
    shutil.copy(data_dir() / "demo" / "organisation.json", folder / "organisation.json")
    (folder / "activities.json").write_text(json.dumps([{"ref": "PA-001", "purpose": ""}]),
                                            encoding="utf-8")
    with pytest.raises(records.ValidationFailed):
        demo.load_demo(ws, folder)
    assert organisations.all(ws, include_archived=True) == []
    assert repo.list_organisations(ws.db, include_archived=True) == []


# ---------------------------------------------------------------- CLI


def test_cli_demo_templates_and_add_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    db = str(tmp_path / "cli.db")
    base = ["--db", db, "--as-of", "2026-11-22T10:00Z", "--user", "tester"]
    assert cli.main([*base, "demo"]) == 0
    out = capsys.readouterr().out
    assert demo.demo_name() in out and "Processing activities: 10" in out

    assert cli.main([*base, "templates"]) == 0
    out = capsys.readouterr().out
    for name in TEMPLATE_NAMES:
        assert name in out

    assert cli.main([*base, "add-template", "it_services_events", "--only", "recruitment",
                     "--org", demo.demo_name()]) == 0
    out = capsys.readouterr().out
    assert "Added 1 draft activities" in out and "PA-011 Recruitment" in out

    assert cli.main([*base, "add-template", "nonsense"]) == 1
    assert "No template called 'nonsense'" in capsys.readouterr().err
