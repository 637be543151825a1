"""Time the ICO spreadsheet import (preview + commit) at 5,000 rows; target under 10 s.

Builds a spreadsheet the way people fill in the ICO template by hand (organisation block, a
merged group-heading row, header on row 9, lawful bases typed in several styles, lists
separated by commas, semicolons and new lines, dates as text and as Excel dates, processors
named in the recipients column), imports it into an empty database, imports it again (every
row a duplicate), exports the result in the ICO layout and as CSV, and imports that export
into another empty database. Numbers go to bench/RESULTS-import.md, not to assertions.

    python bench/import_bench.py [--rows 5000] [--repetitions 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if __package__ in (None, ""):  # run as a script from a checkout
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))

from machine_info import describe  # noqa: E402

from dpo_tui.clock import Clock  # noqa: E402
from dpo_tui.domain import ico_template as ico  # noqa: E402
from dpo_tui.services import ico_xlsx, organisations  # noqa: E402
from dpo_tui.services import records as record_service  # noqa: E402
from dpo_tui.services.workspace import Workspace, open_workspace  # noqa: E402

BENCH_NOW = "2026-11-22T10:00:00Z"
TARGET_SECONDS = 10.0

FUNCTIONS = ("Bookings", "Teaching", "Finance", "Marketing", "HR", "Safeguarding", "IT",
             "Events", "Front desk", "Franchise support")
PURPOSES = ("Class bookings and pupil records", "Taking payments", "Newsletter",
            "Payroll and pensions", "DBS checks for teachers", "Accident book",
            "Photos and video of performances", "Website analytics", "Exam entries",
            "Recruiting teachers", "Customer support emails", "Online classes")
INDIVIDUALS = ("Parents and guardians, Pupils (children)", "Customers; Enquirers",
               "Employees\nJob applicants", "Website visitors", "Teachers and tutors (including self-employed)")
DATA = ("Name, email, phone", "Contact details (address, email, telephone)\nHealth and allergies",
        "Bank account and payment card details; Payments, invoices and refunds",
        "Criminal records (DBS results)", "Photographs, video and audio recordings")
BASES = ("Consent", "Art 6(1)(b)", "6(1)(f) legitimate interests", "Contract; Legal obligation",
         "Article 6(1)(c) legal obligation", "(a) Consent\n(b) Contract", "Public task",
         "Recognised legitimate interests", "Because we need to")
ART9 = ("", "Explicit consent", "Art 9(2)(b)", "9(2)(h) health or social care", "N/A")
RECIPIENTS = ("Stripe; HMRC", "Mailchimp, Accountants and auditors", "None", "Google Workspace\nInsurers and brokers",
              "Exam boards (e.g. music, dance or drama grades)")
TRANSFERS = ("", "United States | Mailchimp | UK Extension", "Germany", "India | Support desk | IDTA")
YES_NO = ("Yes", "No", "Y", "n", "Not required", "", "Yes - see DPIA log")
DPIA = ("Complete", "In progress", "Not started", "Not needed", "")


def build_spreadsheet(path: Path, rows: int, seed: int = 1) -> None:
    """A hand-filled ICO template with `rows` activities (every purpose unique)."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook()
    sheet = book.active
    sheet.title = "Template"
    sheet["A1"] = "Documentation of processing activities"
    for r, row in enumerate([["", "Name", "Address", "Email", "Telephone"],
                             ["Controller", "Bench Dance Ltd", "1 High St, Leeds", "hello@bench.example", 1132000000],
                             ["Data Protection Officer", "Dee Pio", "", "dpo@bench.example", ""],
                             ["Representative", "", "", "", ""]], start=3):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value or None)
    sheet["A8"] = "Article 30 record"
    sheet.merge_cells("A8:K8")
    sheet["L8"] = "Lawful basis"
    sheet.merge_cells("L8:O8")
    for c, label in enumerate(ico.column_labels(), start=1):
        sheet.cell(row=9, column=c, value=label)
    sheet.cell(row=9, column=31, value="Last reviewed")
    sheet.cell(row=9, column=32, value="Notes (our own column)")
    epoch = date(2024, 1, 1)
    for n in range(rows):
        r = 10 + n
        values: dict[int, Any] = {
            1: FUNCTIONS[n % len(FUNCTIONS)],
            2: f"{PURPOSES[n % len(PURPOSES)]} #{n + 1}",
            4: rng.choice(INDIVIDUALS),
            5: rng.choice(DATA),
            6: rng.choice(RECIPIENTS),
            8: rng.choice(TRANSFERS),
            10: "6 years from the end of the financial year (HMRC)",
            11: "Access limited to staff who need it; two-factor sign-in; encrypted laptops",
            12: rng.choice(BASES),
            13: rng.choice(ART9),
            16: "Right of access, erasure",
            20: "Online booking system\nCloud office suite (email, documents, storage)",
            21: rng.choice(YES_NO),
            22: rng.choice(DPIA),
            24: rng.choice(("No", "None", "")),
            31: (epoch + timedelta(days=n % 600)) if n % 2 else
                (epoch + timedelta(days=n % 600)).strftime("%d/%m/%Y"),
            32: "checked by Sam",
        }
        for c, value in values.items():
            if value not in ("", None):
                sheet.cell(row=r, column=c, value=value)
    book.save(path)


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def fresh(folder: Path, name: str) -> Workspace:
    return open_workspace(folder / name, clock=Clock.from_text(BENCH_NOW), actor="bench")


def run(rows: int, repetitions: int) -> list[str]:
    results: dict[str, list[float]] = {}
    counts: dict[str, Any] = {}

    def note(name: str, seconds: float) -> None:
        results.setdefault(name, []).append(seconds)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sheet_path = folder / "hand-filled.xlsx"
        start = time.perf_counter()
        build_spreadsheet(sheet_path, rows)
        counts["build"] = time.perf_counter() - start
        counts["size"] = sheet_path.stat().st_size
        for attempt in range(repetitions):
            ws = fresh(folder, f"import-{attempt}.db")
            try:
                seconds, plan = timed(lambda ws=ws: ico_xlsx.preview_import(ws, None, sheet_path))
                note("preview (read + check every row)", seconds)
                seconds, summary = timed(lambda ws=ws, plan=plan: ico_xlsx.commit_import(ws, None, plan))
                note("commit (one transaction)", seconds)
                note("import total (preview + commit)", results["preview (read + check every row)"][-1] + seconds)
                counts["plan"] = {s: plan.count(s) for s in (ico_xlsx.READY, ico_xlsx.WARNING,
                                                              ico_xlsx.INVALID, ico_xlsx.DUPLICATE,
                                                              ico_xlsx.SKIPPED)}
                counts["created"] = len(summary.created)
                org_id = summary.org_id
                seconds, again = timed(lambda ws=ws, org_id=org_id: ico_xlsx.preview_import(ws, org_id, sheet_path))
                note("second import of the same file: preview (all duplicates)", seconds)
                counts["second"] = again.count(ico_xlsx.DUPLICATE)
                out = folder / f"export-{attempt}.xlsx"
                seconds, exported = timed(lambda ws=ws, org_id=org_id, out=out: ico_xlsx.export_ico(ws, org_id, out))
                note("export ICO layout (.xlsx)", seconds)
                seconds, _ = timed(lambda ws=ws, org_id=org_id: ico_xlsx.export_csv(
                    ws, org_id, "activity", folder / "activities.csv"))
                note("export CSV (activity register)", seconds)
                ws2 = fresh(folder, f"roundtrip-{attempt}.db")
                try:
                    seconds, plan2 = timed(lambda ws2=ws2, out=out: ico_xlsx.preview_import(ws2, None, out))
                    note("import of the export into an empty database: preview", seconds)
                    seconds, summary2 = timed(lambda ws2=ws2, plan2=plan2: ico_xlsx.commit_import(ws2, None, plan2))
                    note("import of the export into an empty database: commit", seconds)
                    counts["roundtrip"] = (len(summary2.created),
                                           record_service.count(ws2, summary2.org_id, "activity"))
                    counts["exported"] = exported.rows
                    counts["org"] = organisations.get(ws2, summary2.org_id).values.get("name")
                finally:
                    ws2.close()
            finally:
                ws.close()

    lines = ["# Import benchmark (ICO spreadsheet)", "",
             "Written by `bench/import_bench.py`. Numbers depend on the machine and its load; "
             "they are written down, not asserted.", "", "## Machine", ""]
    lines += describe(("openpyxl", "sqlite-utils"))
    plan_counts = counts["plan"]
    lines += [
        "", "## Input", "",
        f"- A hand-filled ICO template: {rows:,} activity rows, organisation block, a merged "
        "group-heading row, header on row 9, one extra column of our own; "
        f"{counts['size'] / 1024:.0f} KB (built in {counts['build']:.1f} s, not timed below). "
        "openpyxl writes text inline in each cell, which it reads back more slowly than the "
        "shared-string table Excel saves, so a file saved by Excel should read faster.",
        f"- Preview: {plan_counts['ready']:,} ready, {plan_counts['warning']:,} with warnings "
        f"(a lawful basis written as a reason, 'Yes - see DPIA log'...), "
        f"{plan_counts['invalid']:,} invalid, "
        f"{plan_counts['duplicate']:,} duplicates, {plan_counts['skipped']:,} skipped.",
        f"- Created {counts['created']:,} activities; importing the same file again found "
        f"{counts['second']:,} duplicates and would create none.",
        f"- Exported {counts['exported']:,} activities; importing that export into an empty "
        f"database created {counts['roundtrip'][0]:,} ({counts['roundtrip'][1]:,} in the "
        f"register), organisation '{counts['org']}'.",
        "", f"## Times ({repetitions} runs; median, min, max in seconds)", "",
        "| step | median | min | max |", "|---|---|---|---|",
    ]
    for name, values in results.items():
        lines.append(f"| {name} | {statistics.median(values):.2f} | {min(values):.2f} | "
                     f"{max(values):.2f} |")
    total = statistics.median(results["import total (preview + commit)"])
    verdict = "met" if total < TARGET_SECONDS else "**NOT met**"
    lines += ["", f"Target: {rows:,} rows imported (preview + commit) in under "
              f"{TARGET_SECONDS:.0f} s — median {total:.2f} s: {verdict}."]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--out", default=str(HERE / "RESULTS-import.md"))
    args = parser.parse_args(argv)
    lines = run(args.rows, args.repetitions)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
