"""The ICO spreadsheet in and out: round trips, messy real-world files, refusals, CSV, safety.

Every spreadsheet here is built in the test with openpyxl, the way people's own copies of
the ICO template look: moved rows and columns, renamed headers, merged cells, junk rows.
"""

from __future__ import annotations

import csv
import os
import stat
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from dpo_tui.domain import ico_template as ico
from dpo_tui.domain import registers
from dpo_tui.domain.activities import SCHEMA as ACTIVITY
from dpo_tui.domain.records import Record
from dpo_tui.services import ico_xlsx, organisations
from dpo_tui.services import records as rs
from dpo_tui.services.workspace import Workspace, open_workspace
from dpo_tui.storage import repository as repo
from dpo_tui.storage.db import StorageError

LABELS = list(ico.column_labels())
EXPORTED = [f.name for f in ACTIVITY.fields if f.ico_column or f in ico.extra_fields()]


# ---------------------------------------------------------------- helpers


def write_book(path: Path, rows: list[list[Any]], *, merges: tuple[str, ...] = (),
               title: str = "Template", before: dict[str, list[list[Any]]] | None = None) -> Path:
    """A workbook whose sheet `title` holds `rows` (row 1 first); `before` adds sheets in front."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    for ref in merges:
        sheet.merge_cells(ref)
    for index, (name, other) in enumerate((before or {}).items()):
        extra = book.create_sheet(name, index)
        for r, row in enumerate(other, start=1):
            for c, value in enumerate(row, start=1):
                extra.cell(row=r, column=c, value=value)
    book.save(path)
    return path


def db_state(ws: Workspace) -> dict[str, int]:
    return {table: ws.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("organisations", "records", "links", "history")}


def other_workspace(ws: Workspace, tmp_path: Path, name: str = "other.db") -> Workspace:
    """A second, empty database with the same clock."""
    return open_workspace(tmp_path / name, clock=ws.clock, actor="tester")


def save(ws: Workspace, org: Record, register: str, **values: Any) -> Record:
    return rs.save(ws, org.id, register, values).record


def activity_by_purpose(ws: Workspace, org_id: str) -> dict[str, Record]:
    return {r.values["purpose"]: r for r in rs.list_records(ws, org_id, "activity")}


@pytest.fixture
def full_org(ws: Workspace, org: Record) -> dict[str, Any]:
    """An organisation whose activities use every column of the template."""
    organisations.update(ws, org.id, {
        "address": "1 High Street\nLeeds LS1 1AA", "email": "hello@studio.example",
        "telephone": "0113 496 0000", "dpo_email": "dpo@studio.example",
        "dpo_telephone": "0113 496 0001", "representative_name": "EU Rep BV",
        "representative_address": "Keizersgracht 1, Amsterdam",
        "representative_email": "rep@eurep.example", "representative_telephone": "+31 20 000 0000"})
    stripe = save(ws, org, "processor", legal_name="Stripe Payments UK Ltd", service="Card payments")
    mailchimp = save(ws, org, "processor", legal_name="The Rocket Science Group LLC",
                     service="Newsletter")
    payroll = save(ws, org, "retention", category="Payroll records", period_number=3,
                   period_unit="years")
    full = save(
        ws, org, "activity",
        business_function="Bookings", purpose="Class bookings and pupil records",
        joint_controller="Franchisor Ltd, 2 Mill Lane, York; legal@franchisor.example",
        individual_categories=["Parents and guardians", "Pupils (children)", "Dance mums, dads"],
        data_categories=["Name and title", "Contact details (address, email, telephone)",
                         "Health and allergies"],
        other_recipients=["HMRC", "Exam boards (e.g. music, dance or drama grades)"],
        processors=[stripe.id, mailchimp.id],
        processor_contract_link="https://stripe.example/dpa",
        transfers=[{"destination": "United States", "recipient": "Mailchimp",
                    "mechanism": "UK Extension"},
                   {"destination": "India", "recipient": "Support desk", "mechanism": "IDTA"}],
        transfer_safeguards="None: no exceptional transfers",
        retention_note="Until the end of the term, then 6 years (Limitation Act 1980 s.5)",
        retention_rules=[payroll.id],
        security_measures="Access limited to staff who need it\nTwo-factor sign-in\nLocked cabinet",
        lawful_bases=["b", "a", "ea"], art9_conditions=["a", "h"],
        legitimate_interests="Keeping classes safe", lia_link="LIA-2026.docx",
        rights=["informed", "access", "erasure", "portability"],
        automated_decisions="None", source="Parents give their children's details",
        consent_record_link="Booking system consent log", locations=["Online booking system", "Our studio PC"],
        dpia_required=True, dpia_progress="in-progress", dpia_link="DPIA-bookings.docx",
        breach_occurred=False, sch1_conditions=["p2-18"], sch1_lawful_bases=["c"],
        retention_policy_link="Appropriate policy document v2", retained_per_policy=False,
        policy_deviation_reasons="Old paper registers not yet shredded",
        owner="Sam", status="active", last_reviewed="2026-01-15", next_review="2027-01-15",
        children=True)
    plain = save(ws, org, "activity", purpose="Newsletter", lawful_bases=["a"])
    tricky = save(ws, org, "activity", business_function="Finance",
                  purpose="Zahlungen — ünïcödé, \"quotes\" and <tags>",
                  data_categories=["Names, addresses"], owner="=HYPERLINK(\"http://x\")",
                  security_measures="+SUM(A1)\n-2\n@cmd", status="retired")
    retired = save(ws, org, "activity", purpose="Old archived thing")
    rs.archive(ws, retired.id, "no longer done")
    breach = save(ws, org, "breach", what_happened="Lost laptop\nwith booking export",
                  aware_at="2026-10-01 09:00", activities=[full.id])
    return {"org": org, "full": rs.get(ws, full.id), "plain": plain, "tricky": tricky,
            "stripe": stripe, "mailchimp": mailchimp, "payroll": payroll, "breach": breach}


# ---------------------------------------------------------------- round trips


def test_export_then_import_into_an_empty_database_reproduces_every_activity(
        ws, full_org, tmp_path):
    path = ico_xlsx.export_ico(ws, full_org["org"].id, tmp_path / "record.xlsx").path
    target = other_workspace(ws, tmp_path)
    try:
        plan = ico_xlsx.preview_import(target, None, path)
        assert plan.count(ico_xlsx.INVALID) == 0 and plan.count(ico_xlsx.DUPLICATE) == 0
        summary = ico_xlsx.commit_import(target, None, plan)
        assert len(summary.created) == 3  # the archived activity is not exported
        imported = activity_by_purpose(target, summary.org_id)
        for key in ("full", "plain", "tricky"):
            source = full_org[key].values
            copy = imported[source["purpose"]].values
            for name in EXPORTED:
                if name in ("other_recipients", "processors", "retention_note",
                            "retention_rules", "breach_records"):
                    continue
                assert copy[name] == source[name], name
        full = imported[full_org["full"].values["purpose"]]
        # An empty database has no processors, rules or breaches: their names stay as text.
        assert full.values["other_recipients"] == [
            "HMRC", "Exam boards (e.g. music, dance or drama grades)",
            "Stripe Payments UK Ltd", "The Rocket Science Group LLC"]
        assert full.values["processors"] == []
        assert full.values["retention_note"] == (
            "Until the end of the term, then 6 years (Limitation Act 1980 s.5)\n"
            "Retention rule RR-001: Payroll records")
        notes = [h.note for h in repo.history(target.db, full.id)]
        assert any("Breach BR-2026-001: Lost laptop" in n for n in notes)
        # The organisation block came with it.
        copied = organisations.get(target, summary.org_id).values
        source_org = organisations.get(ws, full_org["org"].id).values
        for name in ("name", "address", "email", "telephone", "dpo_name", "dpo_email",
                     "dpo_telephone", "representative_name", "representative_address",
                     "representative_email", "representative_telephone"):
            assert copied[name] == source_org[name], name
    finally:
        target.close()


def test_processors_already_recorded_are_linked_again(ws, full_org, tmp_path):
    path = ico_xlsx.export_ico(ws, full_org["org"].id, tmp_path / "record.xlsx").path
    target = other_workspace(ws, tmp_path)
    try:
        org = organisations.create(target, {"name": "Copy"}).record
        stripe = save(target, org, "processor", legal_name="STRIPE PAYMENTS UK LIMITED")
        summary = ico_xlsx.commit_import(target, org.id, ico_xlsx.preview_import(target, org.id, path))
        full = activity_by_purpose(target, summary.org_id)[full_org["full"].values["purpose"]]
        assert full.values["processors"] == [stripe.id]
        assert full.values["other_recipients"] == [
            "HMRC", "Exam boards (e.g. music, dance or drama grades)", "The Rocket Science Group LLC"]
    finally:
        target.close()


def test_importing_the_export_into_the_same_organisation_changes_nothing(ws, full_org, tmp_path):
    org_id = full_org["org"].id
    path = ico_xlsx.export_ico(ws, org_id, tmp_path / "record.xlsx").path
    before = {r.id: r.values for r in rs.list_records(ws, org_id, "activity")}
    state = db_state(ws)
    plan = ico_xlsx.preview_import(ws, org_id, path, on_duplicate=ico_xlsx.UPDATE)
    assert plan.count(ico_xlsx.DUPLICATE) == 3 and plan.count(ico_xlsx.READY) == 0
    summary = ico_xlsx.commit_import(ws, org_id, plan)
    assert len(summary.updated) == 3 and summary.created == []
    assert {r.id: r.values for r in rs.list_records(ws, org_id, "activity")} == before
    assert db_state(ws) == state  # no change, so not even a history entry


# ---------------------------------------------------------------- the export file


def test_export_has_the_ico_layout(ws, full_org, tmp_path):
    result = ico_xlsx.export_ico(ws, full_org["org"].id, tmp_path / "record.xlsx")
    assert result.rows == 3
    assert stat.S_IMODE(os.stat(result.path).st_mode) == 0o600
    assert not any(p.name.startswith(".record.xlsx.") for p in tmp_path.iterdir())  # no temp left
    book = load_workbook(result.path)  # the full reader, as Excel-like programs read it
    sheet = book["Template"]
    assert [sheet.cell(row=9, column=c).value for c in range(1, 31)] == LABELS
    assert sheet.cell(row=9, column=30).coordinate == "AD9"
    assert [sheet.cell(row=5 + i, column=1).value for i in range(3)] == [
        "Controller", "Data Protection Officer", "Representative"]
    assert [sheet.cell(row=4, column=c).value for c in range(2, 6)] == [
        "Name", "Address", "Email", "Telephone"]
    assert sheet.cell(row=5, column=2).value == "Test Studio"
    assert sheet.cell(row=6, column=4).value == "dpo@studio.example"
    assert sheet.freeze_panes == "C10"
    purposes = [sheet.cell(row=r, column=2).value for r in range(10, 13)]
    assert purposes == [full_org[k].values["purpose"] for k in ("full", "plain", "tricky")]
    assert sheet.cell(row=13, column=2).value is None  # archived activity left out
    assert sheet.cell(row=10, column=2).alignment.wrap_text
    assert sheet.column_dimensions["E"].width >= 30
    last_reviewed = ico.export_header().index("Last reviewed") + 1
    assert sheet.cell(row=10, column=last_reviewed).value == datetime(2026, 1, 15)


def test_text_that_looks_like_a_formula_is_written_as_text(ws, full_org, tmp_path):
    path = ico_xlsx.export_ico(ws, full_org["org"].id, tmp_path / "record.xlsx").path
    sheet = load_workbook(path)["Template"]
    owner = ico.export_header().index("Owner") + 1
    cell = sheet.cell(row=12, column=owner)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"
    security = sheet.cell(row=12, column=11)
    assert security.value == "+SUM(A1)\n-2\n@cmd" and security.data_type == "s"
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_csv_export_guards_against_formula_injection(ws, full_org, tmp_path):
    result = ico_xlsx.export_csv(ws, full_org["org"].id, "activity", tmp_path / "a.csv")
    with open(result.path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    tricky = next(r for r in rows if r["Owner"].startswith("'"))
    assert tricky["Owner"] == "'=HYPERLINK(\"http://x\")"
    assert tricky[ACTIVITY.field("security_measures").label] == "'+SUM(A1)\n-2\n@cmd"
    for row in rows:
        for value in row.values():
            assert not value.startswith(ico_xlsx.FORMULA_START)


@pytest.mark.parametrize("text, safe", [
    ("=1+2", "'=1+2"), ("+44 113", "'+44 113"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("a=b", "a=b"), ("", ""),
])
def test_formula_safe(text, safe):
    assert ico_xlsx.formula_safe(text) == safe


# ---------------------------------------------------------------- CSV export


def test_csv_has_labels_lists_joined_and_links_as_refs(ws, full_org, tmp_path):
    result = ico_xlsx.export_csv(ws, full_org["org"].id, "activity", tmp_path / "a.csv")
    assert result.rows == 3
    assert stat.S_IMODE(os.stat(result.path).st_mode) == 0o600
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the mark
    with open(result.path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    assert header == ["Ref", *(f.label for f in ACTIVITY.fields)]
    full = dict(zip(header, rows[0], strict=True))
    assert full["Ref"] == full_org["full"].ref
    assert full[LABELS[3]] == "Parents and guardians; Pupils (children); Dance mums, dads"
    assert full["Processors (recipients)"] == "PR-001; PR-002"
    assert full[ACTIVITY.field("retention_rules").label] == "RR-001"
    assert full[LABELS[7]] == "United States | Mailchimp | UK Extension; India | Support desk | IDTA"
    assert full[LABELS[11]] == "(b) Contract; (a) Consent; (ea) Recognised legitimate interests"
    assert full[LABELS[20]] == "Yes"
    assert full[LABELS[24]] == full_org["breach"].ref


def test_every_available_register_exports(ws, full_org, tmp_path):
    for register in registers.available():
        result = ico_xlsx.export_csv(ws, full_org["org"].id, register, tmp_path / f"{register}.csv")
        with open(result.path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh))
        assert header == ["Ref", *(f.label for f in registers.schema(register).fields)]


def test_csv_of_an_unknown_register_is_refused(ws, org, tmp_path):
    with pytest.raises(ico_xlsx.SpreadsheetError, match="Unknown register 'people'; choose one of: activity"):
        ico_xlsx.export_csv(ws, org.id, "people", tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("export", ["ico", "csv"])
def test_exports_to_a_missing_folder_or_a_folder_say_so(ws, org, tmp_path, export):
    def run(path: Path) -> None:
        if export == "ico":
            ico_xlsx.export_ico(ws, org.id, path)
        else:
            ico_xlsx.export_csv(ws, org.id, "activity", path)

    with pytest.raises(ico_xlsx.SpreadsheetError, match="does not exist; create it"):
        run(tmp_path / "nowhere" / "out.file")
    with pytest.raises(ico_xlsx.SpreadsheetError, match="is a folder; give the name of the file"):
        run(tmp_path)


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(ws, full_org, tmp_path, monkeypatch):
    target = tmp_path / "out" / "record.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"previous export")

    def full_disk(self, filename):
        Path(filename).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", full_disk)
    with pytest.raises(ico_xlsx.SpreadsheetError, match="No space left on device"):
        ico_xlsx.export_ico(ws, full_org["org"].id, target)
    assert target.read_bytes() == b"previous export"
    assert [p.name for p in target.parent.iterdir()] == ["record.xlsx"]


# ---------------------------------------------------------------- messy real-world files


def messy_sheet(path: Path) -> Path:
    """Shifted one column right, header on row 11, renamed-case headers, a merged business
    function, a merged heading, junk and blank rows, dates as text and as Excel dates."""
    header = [None, "BUSINESS FUNCTION", "purpose of processing", "Categories Of Individuals",
              "categories of personal data", "Notes (ours)",
              "Article 6 lawful basis for processing personal data", "Retention schedule",
              "Data Protection Impact Assessment required?", "Last reviewed", "Next review due"]
    rows: list[list[Any]] = [
        ["Our record of processing — DRAFT"],
        [],
        [None, "Controller"],
        [None, "Name", "Dance Co Ltd"],
        [None, "Email", "hello@danceco.example"],
        [None, "Data Protection Officer"],
        [None, "Name", "Dee Pio"],
        [],
        [],
        [None, "Lawful basis and conditions"],
        header,
        [None, "Bookings", "Class bookings", "Parents, pupils", "Name; email", "ok", "Consent",
         "6 years", "No", "12/03/2024", datetime(2027, 3, 12)],
        [None, None, "Taking payments", "Customers", "Bank details", None, "6(1)(b) contract",
         "6 years (HMRC)", "Yes", 45363, "2027-03-12"],
        [None, None, "Newsletter", "Subscribers", "Email", None, "Because they asked",
         None, "maybe", "03/31/2024", "31/02/2027"],
        [None, "Marketing activities"],
        [None, "HR"],
        [None, "HR", None, "Employees", "Payroll"],
        header,
        [None, "bookings", "CLASS  BOOKINGS", "Parents"],
        [None, None, None, None, None, "just a note in our own column"],
    ]
    return write_book(path, rows, merges=("B10:E10", "B12:B14", "B15:K15"))


def test_a_messy_sheet_imports_with_the_right_warnings(ws, org, tmp_path):
    plan = ico_xlsx.preview_import(ws, org.id, messy_sheet(tmp_path / "messy.xlsx"))
    assert (plan.sheet, plan.header_row) == ("Template", 11)
    assert "Column F 'Notes (ours)' is not a template column: ignored" in plan.file_warnings
    assert any(w.startswith("Columns not in the file") and LABELS[2] in w for w in plan.file_warnings)
    by_row = {r.row_number: r for r in plan.rows}
    assert sorted(by_row) == [12, 13, 14, 15, 16, 17, 18, 19, 20]

    first = by_row[12]
    assert first.status == ico_xlsx.READY, first.reason()
    assert first.values["individual_categories"] == ["Parents and guardians", "pupils"]
    assert first.values["data_categories"] == ["Name", "email"]
    assert first.values["lawful_bases"] == ["a"]
    assert first.values["dpia_required"] is False
    assert (first.values["last_reviewed"], first.values["next_review"]) == ("2024-03-12", "2027-03-12")

    second = by_row[13]
    assert second.values["business_function"] == "Bookings"  # merged over three rows
    assert second.values["lawful_bases"] == ["b"] and second.values["last_reviewed"] == "2024-03-12"
    assert second.status == ico_xlsx.WARNING
    assert second.warnings == ["Last reviewed: the number 45363 was read as the Excel date 12/03/2024"]

    third = by_row[14]
    assert third.status == ico_xlsx.WARNING and third.values["business_function"] == "Bookings"
    assert third.values["last_reviewed"] == "2024-03-31" and third.values["next_review"] is None
    reason = third.reason()
    for expected in ("'Because they asked' is not recognised", "'maybe' is not yes or no",
                     "'03/31/2024' was read as US month/day order",
                     "'31/02/2027' is not a real date"):
        assert expected in reason
    assert third.kept == [f"{LABELS[11]}: Because they asked", f"{LABELS[20]}: maybe",
                          "Next review due: 31/02/2027"]

    assert by_row[15].status == ico_xlsx.SKIPPED  # heading merged across the sheet
    assert by_row[16].status == ico_xlsx.SKIPPED and "heading or a note" in by_row[16].reason()
    assert by_row[17].status == ico_xlsx.INVALID
    assert "Purpose of processing is required" in by_row[17].reason()
    assert by_row[18].status == ico_xlsx.SKIPPED and "repeat of the header" in by_row[18].reason()
    assert by_row[19].status == ico_xlsx.DUPLICATE and by_row[19].same_as_row == 12
    assert "same business function and purpose as row 12" in by_row[19].reason()
    assert by_row[20].status == ico_xlsx.SKIPPED and "only in others" in by_row[20].reason()

    # The block: an existing organisation only gets its empty fields filled.
    assert [(c.field, c.after) for c in plan.org_changes] == [("email", "hello@danceco.example")]
    assert plan.org_kept == ["Name in the file ('Dance Co Ltd') differs from the profile "
                             "('Test Studio'); the profile is kept"]

    summary = ico_xlsx.commit_import(ws, org.id, plan)
    assert (len(summary.created), summary.invalid, summary.skipped) == (3, 1, 5)
    assert organisations.get(ws, org.id).values["email"] == "hello@danceco.example"
    assert organisations.get(ws, org.id).values["name"] == "Test Studio"
    newsletter = activity_by_purpose(ws, org.id)["Newsletter"]
    note = repo.history(ws.db, newsletter.id)[0].note
    assert note.startswith("Imported from messy.xlsx, row 14; kept as written: ")
    assert f"{LABELS[11]}: Because they asked" in note
    assert newsletter.values["status"] == "draft"


def test_into_a_new_organisation_the_block_fills_the_profile(ws, tmp_path):
    plan = ico_xlsx.preview_import(ws, None, messy_sheet(tmp_path / "messy.xlsx"))
    assert plan.org_is_new and plan.org_name == "Dance Co Ltd"
    summary = ico_xlsx.commit_import(ws, None, plan)
    assert summary.org_created
    values = organisations.get(ws, summary.org_id).values
    assert (values["name"], values["email"], values["dpo_name"]) == (
        "Dance Co Ltd", "hello@danceco.example", "Dee Pio")
    assert rs.count(ws, summary.org_id, "activity") == 3


def test_a_new_organisation_can_be_named_by_the_caller(ws, tmp_path):
    plan = ico_xlsx.preview_import(ws, None, messy_sheet(tmp_path / "messy.xlsx"),
                                   new_org_name="Dance Co (Leeds)")
    assert plan.org_name == "Dance Co (Leeds)"
    assert "the file names the controller 'Dance Co Ltd'" in plan.org_kept[0]
    summary = ico_xlsx.commit_import(ws, None, plan)
    assert organisations.get(ws, summary.org_id).values["name"] == "Dance Co (Leeds)"


def test_the_template_sheet_is_preferred_and_else_the_first_with_a_header(ws, org, tmp_path):
    good = [["Business function", "Purpose of processing", "Categories of individuals"],
            ["Sales", "Quotes", "Customers"]]
    path = write_book(tmp_path / "a.xlsx", good, before={"Notes": [["Read me first"]]})
    assert ico_xlsx.preview_import(ws, org.id, path).sheet == "Template"
    path = write_book(tmp_path / "b.xlsx", good, title="ROPA", before={"Sheet1": [["x", "y"]]})
    plan = ico_xlsx.preview_import(ws, org.id, path)
    assert plan.sheet == "ROPA" and plan.rows[0].values["purpose"] == "Quotes"


def test_recipients_link_to_processors_by_legal_name(ws, org, tmp_path):
    stripe = save(ws, org, "processor", legal_name="Stripe Payments UK Ltd")
    path = write_book(tmp_path / "r.xlsx", [
        ["Purpose of processing", "Categories of recipients", "Categories of individuals",
         "Categories of personal data"],
        ["Payments", "Stripe Payments UK Limited, HMRC", "Customers", "Card details"]])
    plan = ico_xlsx.preview_import(ws, org.id, path)
    ico_xlsx.commit_import(ws, org.id, plan)
    payments = activity_by_purpose(ws, org.id)["Payments"]
    assert payments.values["processors"] == [stripe.id]
    assert payments.values["other_recipients"] == ["HMRC"]


# ---------------------------------------------------------------- duplicates


def test_importing_the_same_file_twice_does_not_duplicate(ws, org, tmp_path):
    path = messy_sheet(tmp_path / "messy.xlsx")
    ico_xlsx.commit_import(ws, org.id, ico_xlsx.preview_import(ws, org.id, path))
    state = db_state(ws)
    again = ico_xlsx.preview_import(ws, org.id, path)
    assert again.count(ico_xlsx.DUPLICATE) == 4 and again.actions()[ico_xlsx.CREATE] == 0
    assert all(r.duplicate_ref.startswith("PA-") for r in again.rows if r.duplicate_of)
    summary = ico_xlsx.commit_import(ws, org.id, again)
    assert summary.created == [] and summary.updated == []
    assert db_state(ws) == state


def test_update_replaces_the_columns_in_the_file_and_keeps_links(ws, full_org, tmp_path):
    org_id = full_org["org"].id
    path = ico_xlsx.export_ico(ws, org_id, tmp_path / "record.xlsx").path
    book = load_workbook(path)
    sheet = book["Template"]
    sheet.cell(row=10, column=11).value = "Everything encrypted"
    sheet.cell(row=10, column=6).value = "HMRC"  # the processors' names removed
    book.save(path)

    skipped = ico_xlsx.preview_import(ws, org_id, path)
    assert "skipped" in skipped.rows[0].reason(ico_xlsx.SKIP)
    assert "will be updated" in skipped.rows[0].reason(ico_xlsx.UPDATE)
    summary = ico_xlsx.commit_import(ws, org_id, skipped, on_duplicate=ico_xlsx.UPDATE)
    assert summary.updated == [full_org["full"].ref, full_org["plain"].ref, full_org["tricky"].ref]
    full = rs.get(ws, full_org["full"].id)
    assert full.values["security_measures"] == "Everything encrypted"
    assert full.values["other_recipients"] == ["HMRC"]
    assert full.values["processors"] == [full_org["stripe"].id, full_org["mailchimp"].id]
    last = repo.history(ws.db, full.id)[-1]
    assert last.action == "update" and last.note == "Imported from record.xlsx, row 10"


def test_an_archived_activity_is_not_a_duplicate(ws, org, tmp_path):
    old = save(ws, org, "activity", business_function="Sales", purpose="Quotes")
    rs.archive(ws, old.id, "stopped")
    path = write_book(tmp_path / "a.xlsx", [["Business function", "Purpose of processing",
                                             "Categories of individuals"],
                                            ["sales", " quotes ", "Customers"]])
    assert ico_xlsx.preview_import(ws, org.id, path).rows[0].status == ico_xlsx.READY


# ---------------------------------------------------------------- all or nothing, refusals


def test_commit_is_all_or_nothing(ws, tmp_path, monkeypatch):
    plan = ico_xlsx.preview_import(ws, None, messy_sheet(tmp_path / "messy.xlsx"))
    state = db_state(ws)
    real_save = rs.save
    calls = []

    def fail_on_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise StorageError("disk said no")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(rs, "save", fail_on_third)
    with pytest.raises(ico_xlsx.SpreadsheetError, match=r"Row 14: disk said no\. Nothing was imported"):
        ico_xlsx.commit_import(ws, None, plan)
    assert db_state(ws) == state
    assert organisations.all(ws) == []


def test_a_read_only_database_refuses_the_commit(ws, org, tmp_path, monkeypatch):
    plan = ico_xlsx.preview_import(ws, org.id, messy_sheet(tmp_path / "messy.xlsx"))
    monkeypatch.setattr(ws.db, "read_only", True, raising=False)
    with pytest.raises(StorageError, match="read-only"):
        ico_xlsx.commit_import(ws, org.id, plan)


def test_a_plan_is_committed_only_to_its_organisation(ws, org, tmp_path):
    plan = ico_xlsx.preview_import(ws, org.id, messy_sheet(tmp_path / "messy.xlsx"))
    with pytest.raises(ValueError, match="another organisation"):
        ico_xlsx.commit_import(ws, None, plan)
    with pytest.raises(ValueError, match="on_duplicate"):
        ico_xlsx.commit_import(ws, org.id, plan, on_duplicate="merge")
    with pytest.raises(ValueError, match="on_duplicate"):
        ico_xlsx.preview_import(ws, org.id, tmp_path / "messy.xlsx", on_duplicate="merge")


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _damaged_xlsx(path: Path) -> Path:
    good = write_book(path.with_name("good.xlsx"), [["Purpose of processing"], ["x"]])
    with zipfile.ZipFile(good) as source:
        files = {name: source.read(name) for name in source.namelist()}
    files["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row><c r='A1' t='s'><v>oops"
    return _zip(path, files)


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


BAD_FILES = {
    "text renamed": (lambda p: _bytes(p, b"Business function,Purpose\nSales,Quotes\n"),
                     "is not an Excel .xlsx workbook (it looks like text)"),
    "empty file": (lambda p: _bytes(p, b""), "is empty (0 bytes)"),
    "zip, not xlsx": (lambda p: _zip(p, {"hello.txt": b"hi"}),
                      "is a zip file, not an Excel .xlsx workbook"),
    "OpenDocument": (lambda p: _zip(p, {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                        "content.xml": b"<x/>"}), "is an OpenDocument (.ods) file"),
    "old xls": (lambda p: _bytes(p, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512),
                "old-style .xls workbook or a password-protected one"),
    "broken zip": (lambda p: _bytes(p, b"PK\x03\x04" + b"\x00garbage" * 20),
                   "is not a readable .xlsx workbook"),
    "damaged sheet": (_damaged_xlsx, "could not be read"),
    "empty workbook": (lambda p: write_book(p, []), "sheet 'Template' is empty"),
    "no header": (lambda p: write_book(p, [["Name", "Phone"], ["Sam", "0113"]]),
                  "No header row found"),
    "header without purpose": (lambda p: write_book(p, [["Business function",
                                                         "Categories of individuals",
                                                         "Categories of personal data"]]),
                               "no 'Purpose of processing' column"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_malformed_files_are_refused_clearly_and_nothing_is_written(ws, org, tmp_path, kind):
    make, message = BAD_FILES[kind]
    path = make(tmp_path / "record.xlsx")
    state = db_state(ws)
    with pytest.raises(ico_xlsx.SpreadsheetError) as caught:
        ico_xlsx.preview_import(ws, org.id, path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
    assert db_state(ws) == state


def test_missing_files_and_folders_are_refused(ws, org, tmp_path):
    with pytest.raises(ico_xlsx.SpreadsheetError, match="There is no file"):
        ico_xlsx.preview_import(ws, org.id, tmp_path / "nope.xlsx")
    with pytest.raises(ico_xlsx.SpreadsheetError, match="is a folder"):
        ico_xlsx.preview_import(ws, org.id, tmp_path)


def test_the_summary_says_what_will_happen(ws, org, tmp_path):
    plan = ico_xlsx.preview_import(ws, org.id, messy_sheet(tmp_path / "messy.xlsx"))
    lines = plan.summary_lines()
    assert lines[2] == "Rows: 1 ready, 2 with warnings, 1 invalid, 1 duplicates, 4 skipped"
    assert lines[3] == "Will create 3 activities, update 0, leave 5 alone; 1 invalid row not imported."


def test_limits_on_size_and_rows(ws, org, tmp_path, monkeypatch):
    rows = [["Purpose of processing", "Business function", "Categories of individuals"],
            *[[f"Purpose {n}", "Sales", "Customers"] for n in range(10)]]
    path = write_book(tmp_path / "big.xlsx", rows)
    monkeypatch.setattr(ico_xlsx, "MAX_ROWS", 5)
    with pytest.raises(ico_xlsx.SpreadsheetError, match="more than 5 rows; split it"):
        ico_xlsx.preview_import(ws, org.id, path)
    monkeypatch.setattr(ico_xlsx, "MAX_ROWS", 100)
    monkeypatch.setattr(ico_xlsx, "MAX_FILE_BYTES", 100)
    with pytest.raises(ico_xlsx.SpreadsheetError, match="Refusing files over"):
        ico_xlsx.preview_import(ws, org.id, path)


def test_a_long_run_of_blank_rows_ends_the_sheet(ws, org, tmp_path, monkeypatch):
    rows = [["Purpose of processing", "Business function", "Categories of individuals"],
            ["Quotes", "Sales", "Customers"], *[[] for _ in range(5)], ["Far below", "Sales", "x"]]
    path = write_book(tmp_path / "gap.xlsx", rows)
    assert [r.row_number for r in ico_xlsx.preview_import(ws, org.id, path).rows] == [2, 8]
    monkeypatch.setattr(ico_xlsx, "BLANK_RUN", 3)
    assert [r.row_number for r in ico_xlsx.preview_import(ws, org.id, path).rows] == [2]
